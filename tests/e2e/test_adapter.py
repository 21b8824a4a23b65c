"""Foundation II end to end: the real bot, python-telegram-bot and the sandbox over HTTP."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot.clock import VirtualClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from bot.settings import Settings
from bot.webhook import SECRET_HEADER
from storage.db import make_engine, session_scope
from storage.models import InboundUpdate, OutboxMessage, OutboxStatus, ProcessedUpdate
from tests.conftest import settings_for

pytestmark = pytest.mark.e2e


def labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [button["text"] for row in message["buttons"] for button in row]


async def test_start_buttons_press_edit_and_callback_answer(
    bot: Application,  # type: ignore[type-arg]
    client: SandboxClient,
) -> None:
    sanne = await client.create_user(first_name="Sanne", language_code="nl")
    await client.start(sanne["id"])
    welcome = await client.wait_for_bot_message(sanne["id"])
    assert "Duwtje" in (welcome["plain_text"] or "")
    assert welcome["parse_mode"] == "HTML"
    assert labels(welcome) == ["Wat is Duwtje?", "Privacy"]

    press = await client.press(sanne["id"], welcome["message_id"], label="Privacy")
    await client.wait_for_event(
        lambda e: e["kind"] == "bot_edit" and e["chat_id"] == sanne["id"], timeout=10
    )
    [edited] = [
        m for m in await client.messages(sanne["id"]) if m["message_id"] == welcome["message_id"]
    ]
    assert "niet end-to-end versleuteld" in (edited["plain_text"] or "")
    assert labels(edited) == ["« Terug"]
    await client.wait_for_event(lambda e: e["kind"] == "callback_answer", timeout=10)
    answers = await client.callback_answers()
    assert [a["callback_query_id"] for a in answers] == [press["callback_query_id"]]


async def test_the_outbox_records_telegrams_message_ids(
    bot: Application,  # type: ignore[type-arg]
    client: SandboxClient,
    e2e_settings: Settings,
) -> None:
    daan = await client.create_user(first_name="Daan", language_code="en")
    await client.start(daan["id"])
    message = await client.wait_for_bot_message(daan["id"])
    assert "the chat bot of" in (message["plain_text"] or "")
    engine = make_engine(e2e_settings.database.url)
    for _ in range(50):  # the sandbox saw it a moment before the sender wrote the result back
        with session_scope(engine) as session:
            row = session.execute(select(OutboxMessage)).scalar_one()
        if row.status == OutboxStatus.SENT:
            break
        await asyncio.sleep(0.05)
    engine.dispose()

    assert (row.status, row.telegram_message_id) == (OutboxStatus.SENT, message["message_id"])


async def bot_messages_in(client: SandboxClient, chat_id: int, count: int, within: float) -> None:
    """Wait until the bot has sent `count` messages to `chat_id`."""
    seen = 0

    def enough(event: dict) -> bool:  # type: ignore[type-arg]
        nonlocal seen
        if event["kind"] == "bot_message" and event["chat_id"] == chat_id:
            seen += 1
        return seen >= count

    await client.wait_for_event(enough, timeout=within)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def webhook_settings(tmp_path: Path, sandbox: SandboxThread) -> Settings:
    port = free_port()
    return settings_for(
        f"sqlite:///{tmp_path / 'duwtje.db'}",
        telegram={
            "base_url": sandbox.url,
            "mode": "webhook",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
        },
    )


def count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        found = session.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return int(found)


async def test_webhook_mode_takes_the_right_secret_and_refuses_a_wrong_one(
    webhook_settings: Settings, clock: VirtualClock, client: SandboxClient
) -> None:
    async with running_bot(webhook_settings, clock):
        sanne = await client.create_user(first_name="Sanne", language_code="nl")
        await client.start(sanne["id"])
        await client.wait_for_bot_message(sanne["id"])
        deliveries = await client.webhook_deliveries()
        assert deliveries and all(d["status"] == 200 for d in deliveries)
        handled = count(webhook_settings, ProcessedUpdate)

        forged = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "chat": {"id": 9, "type": "private"},
                "from": {"id": 9, "is_bot": False, "first_name": "X"},
            },
        }
        async with httpx.AsyncClient() as http:
            wrong = await http.post(
                webhook_settings.telegram.webhook_url,
                json=forged,
                headers={SECRET_HEADER: "not-the-secret"},
            )
            missing = await http.post(webhook_settings.telegram.webhook_url, json=forged)
        assert (wrong.status_code, missing.status_code) == (403, 403)
        assert count(webhook_settings, InboundUpdate) == 0
        assert count(webhook_settings, ProcessedUpdate) == handled


async def test_a_redelivered_update_has_one_effect(
    webhook_settings: Settings, clock: VirtualClock, client: SandboxClient
) -> None:
    async with running_bot(webhook_settings, clock):
        sanne = await client.create_user(first_name="Sanne", language_code="nl")
        action = await client.start(sanne["id"])
        await client.wait_for_bot_message(sanne["id"])
        update = {
            "update_id": action["update_id"],
            "message": {
                "message_id": action["message_id"],
                "date": 1772438400,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                "chat": {"id": sanne["id"], "type": "private", "first_name": "Sanne"},
                "from": {"id": sanne["id"], "is_bot": False, "first_name": "Sanne"},
            },
        }
        async with httpx.AsyncClient() as http:
            for _ in range(3):  # Telegram retrying a webhook call it thinks failed
                answer = await http.post(
                    webhook_settings.telegram.webhook_url,
                    json=update,
                    headers={SECRET_HEADER: "test-secret"},
                )
                assert answer.status_code == 200
        await client.text(sanne["id"], "hallo")  # a later update, to know the others are done
        await client.wait_for_bot_message(sanne["id"])
    bot_messages = [m for m in await client.messages(sanne["id"]) if m["sender"] == "bot"]
    assert len(bot_messages) == 2  # one welcome, one answer to "hallo"
    assert count(webhook_settings, OutboxMessage) == 2


async def test_strict_mode_429_makes_the_sender_wait_and_deliver(
    sandbox: SandboxThread, e2e_settings: Settings, clock: VirtualClock, client: SandboxClient
) -> None:
    # The bot's own pacing is relaxed in these settings, so the strict sandbox must push back.
    await client.set_limits(strict=True, per_chat=(1, 1.0))
    async with running_bot(e2e_settings, clock):
        lotte = await client.create_user(first_name="Lotte", language_code="nl")
        for _ in range(3):
            await client.start(lotte["id"])
        await bot_messages_in(client, lotte["id"], 3, within=15)
    stats = await client.stats()
    assert stats["too_many_requests"] >= 1
    sends = [r for r in await client.requests() if r["method"] == "sendMessage"]
    refused = [r for r in sends if r["status"] == 429]
    for refusal in refused:  # never retried before retry_after (at least 1 s here)
        later = [r for r in sends if r["seq"] > refusal["seq"]]
        assert later and later[0]["monotonic"] - refusal["monotonic"] >= 0.99
    assert sum(1 for r in sends if r["status"] == 200) == 3


async def test_every_request_is_valid_against_the_bot_api_spec(
    bot_api_spec: Path,
    bot: Application,  # type: ignore[type-arg]
    client: SandboxClient,
) -> None:
    sanne = await client.create_user(first_name="Sanne", language_code="nl")
    await client.start(sanne["id"])
    welcome = await client.wait_for_bot_message(sanne["id"])
    await client.press(sanne["id"], welcome["message_id"], label="Wat is Duwtje?")
    await client.wait_for_event(lambda e: e["kind"] == "callback_answer")
    await client.text(sanne["id"], "/onbekend")
    await client.wait_for_bot_message(sanne["id"])
    methods = {r["method"] for r in await client.requests()}
    assert {
        "getMe",
        "setMyCommands",
        "deleteWebhook",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
    } <= methods
    stats = await client.stats()
    assert stats["spec_violations"] == []


def test_duwtje_run_answers_and_stops_cleanly_on_sigterm(
    tmp_path: Path, sandbox: SandboxThread
) -> None:
    """The real command in its own process: migrate, poll, answer, stop in order on SIGTERM."""
    import asyncio
    import os
    import signal
    import subprocess
    import sys

    config = tmp_path / "duwtje.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{sandbox.url}"\n[database]\nurl = "sqlite:///bot.db"\n',
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUWTJE_")}
    environ |= {
        "DUWTJE_TELEGRAM_TOKEN": "12345:run-test-token",
        "DUWTJE_ENCRYPTION_KEYS": "l3lTyaYkU3rGqQIoJwkw6nK5VzIvF4yqTDGnQmYMSe4=",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    async def talk() -> str:
        async with SandboxClient(sandbox.url) as control:
            sanne = await control.create_user(first_name="Sanne", language_code="nl")
            await control.start(sanne["id"])
            reply = await control.wait_for_bot_message(sanne["id"], timeout=30)
            return reply["plain_text"] or ""

    try:
        assert "Duwtje" in asyncio.run(talk())
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "run-test-token" not in output
    assert (tmp_path / "bot.db").exists()
