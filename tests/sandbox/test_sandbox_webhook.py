"""Webhook mode: the sandbox posts updates to the bot, with the secret, retrying failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from bot.sandbox import SandboxClient
from bot.sandbox.shapes import UserView


@dataclass
class Receiver:
    """A webhook endpoint on the test's loop that fails the first `failures` requests."""

    url: str = ""
    failures: int = 0
    attempts: int = 0
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.arrived.set()
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, json.loads(await request.text())))
        return web.Response()

    async def wait_for(self, count: int, *, attempts: bool = False) -> None:
        """Until `count` updates were accepted (or, with `attempts`, requests were made)."""
        async with asyncio.timeout(5):
            while (self.attempts if attempts else len(self.received)) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield endpoint
    await runner.cleanup()


async def test_it_posts_updates_with_the_secret_header(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="s3cret-Token_1")
    person = await client.create_user("Anna")
    await client.start(person["id"], "hi")
    await receiver.wait_for(1)
    [(secret, update)] = receiver.received
    assert secret == "s3cret-Token_1"
    assert update["message"]["text"] == "/start hi"
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)


async def test_it_retries_a_failing_webhook_and_records_each_attempt(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    receiver.failures = 2
    await bot.set_webhook(receiver.url)
    person = await client.create_user("Anna")
    action = await client.start(person["id"])
    await receiver.wait_for(1)
    deliveries = await client.webhook_deliveries()
    assert [(d["update_id"], d["attempt"], d["status"]) for d in deliveries] == [
        (action["update_id"], 1, 500),
        (action["update_id"], 2, 500),
        (action["update_id"], 3, 200),
    ]
    info = await bot.get_webhook_info()
    assert "500" in (info.last_error_message or "")


async def test_it_keeps_the_order_within_a_chat(
    bot: Bot, client: SandboxClient, receiver: Receiver, anna: UserView
) -> None:
    await bot.set_webhook(receiver.url)
    await receiver.wait_for(1)  # anna's /start
    receiver.failures = 1
    for text in ("een", "twee", "drie"):
        await client.text(anna["id"], text)
    await receiver.wait_for(4)
    assert [u["message"]["text"] for _, u in receiver.received] == [
        "/start",
        "een",
        "twee",
        "drie",
    ]


async def test_it_refuses_get_updates_while_a_webhook_is_set(
    bot: Bot, client: SandboxClient
) -> None:
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    person = await client.create_user("Anna")
    await client.start(person["id"])
    assert await bot.delete_webhook()
    [update] = await bot.get_updates()  # undelivered updates stay for polling
    assert update.message.text == "/start"


async def test_it_drops_pending_updates_on_request(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_it_gives_up_after_the_last_retry(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    receiver.failures = 10
    await bot.set_webhook(receiver.url)
    person = await client.create_user("Anna")
    await client.start(person["id"])
    await receiver.wait_for(4, attempts=True)  # 1 + 3 retries (the test's delays)
    await asyncio.sleep(0.2)
    assert receiver.attempts == 4 and receiver.received == []
    assert len(await client.webhook_deliveries()) == 4
    assert (await bot.get_webhook_info()).pending_update_count == 0
