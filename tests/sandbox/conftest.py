"""Fixtures for the sandbox tests: a sandbox on a background thread per test, the control
client, and a python-telegram-bot `Bot` pointed at it. Everything goes over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.shapes import UserView

TOKEN = "1:T"
FAST_RETRIES = (0.05, 0.05, 0.05)


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    """Strict mode off (most tests send faster than Telegram allows); no spec check, so
    Telegram's own error texts can be asserted."""
    with SandboxThread(strict=False, webhook_retry_delays=FAST_RETRIES) as running:
        yield running


@pytest.fixture
def spec_sandbox(bot_api_spec: Path) -> Iterator[SandboxThread]:
    with SandboxThread(strict=False, spec_path=bot_api_spec) as running:
        yield running


@pytest.fixture
async def client(sandbox: SandboxThread) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as control:
        yield control


@pytest.fixture
async def bot(sandbox: SandboxThread) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=sandbox.bot_api_base_url, base_file_url=sandbox.bot_file_base_url
    ) as telegram_bot:
        yield telegram_bot


@pytest.fixture
def api(sandbox: SandboxThread) -> str:
    """The Bot API root for raw HTTP requests: append "/{method}"."""
    return f"{sandbox.bot_api_base_url}{TOKEN}"


@pytest.fixture
async def anna(client: SandboxClient) -> UserView:
    """A person who has pressed Start."""
    person = await client.create_user("Anna", language_code="nl")
    await client.start(person["id"])
    return person
