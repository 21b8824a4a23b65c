"""Running the sandbox: a python-telegram-bot Application polling it, `serve()` in the
foreground stopping cleanly on Ctrl-C, loopback only."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox import SandboxClient, SandboxThread, serve

REPO = Path(__file__).resolve().parents[2]


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    payload = " ".join(context.args or []) or "niets"
    button = InlineKeyboardButton("Verder", callback_data="next")
    await update.message.reply_html(
        f"Welkom! Code: <b>{payload}</b>", reply_markup=InlineKeyboardMarkup([[button]])
    )


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Top")
    await query.edit_message_text("Op weg.")


async def test_it_serves_a_polling_application(
    sandbox: SandboxThread, client: SandboxClient
) -> None:
    app = (
        Application.builder()
        .token("1:T")
        .base_url(sandbox.bot_api_base_url)
        .base_file_url(sandbox.bot_file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        person = await client.create_user("Anna")
        await client.start(person["id"], "ouder-12")
        welcome = await client.wait_for_bot_message(person["id"])
        assert welcome["plain_text"] == "Welkom! Code: ouder-12"
        await client.press(person["id"], welcome["message_id"], label="Verder")
        edit = await client.wait_for_event(lambda e: e["kind"] == "bot_edit")
        assert edit["message"] is not None and edit["message"]["plain_text"] == "Op weg."
        [answer] = await client.callback_answers()
        assert answer["text"] == "Top"
        await app.updater.stop()
        await app.stop()


def test_it_serves_in_the_foreground_until_ctrl_c() -> None:
    code = "from bot.sandbox import serve; serve(port=0)"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        url = first.split("listening on ")[1].split()[0]
        assert httpx.get(f"{url}/bot1:T/getMe").json()["ok"]
        process.send_signal(signal.SIGINT)
        remaining, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Sandbox stopped." in remaining


def test_it_refuses_to_listen_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        serve("0.0.0.0", 0)


def test_it_reports_a_taken_port() -> None:
    with SandboxThread() as first, pytest.raises(OSError):
        SandboxThread(first.port).start()


async def test_it_stops_promptly_with_a_long_poll_open() -> None:
    with SandboxThread() as sandbox:
        async with httpx.AsyncClient() as http:
            poll = asyncio.create_task(
                http.get(f"{sandbox.bot_api_base_url}1:T/getUpdates", params={"timeout": 30})
            )
            await asyncio.sleep(0.2)
            began = asyncio.get_running_loop().time()
            await asyncio.to_thread(sandbox.stop)
            assert (await poll).json() == {"ok": True, "result": []}
            assert asyncio.get_running_loop().time() - began < 2
