"""End-to-end fixtures: the sandbox on its own thread (with the Bot API spec check when the spec
is available), the control client, and the real bot running against it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.clock import VirtualClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread, default_spec_path
from bot.settings import Settings
from tests.conftest import settings_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> VirtualClock:
    # Monday 2 March 2026, 09:00 in Amsterdam; ticking at real speed from there.
    return VirtualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: VirtualClock) -> Iterator[SandboxThread]:
    """Strict mode off for functional tests (pacing is relaxed in their settings too);
    dedicated tests switch it on. Every request is checked against the spec when present."""
    with SandboxThread(
        strict=False,
        spec_path=default_spec_path(),
        clock=clock,
        webhook_retry_delays=(0.05, 0.1, 0.2),
    ) as running:
        yield running


@pytest.fixture
async def client(sandbox: SandboxThread) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as control:
        yield control
        if sandbox.sandbox.config.spec_path is not None:
            violations = (await control.stats())["spec_violations"]
            assert violations == [], f"requests that break the Bot API spec: {violations}"


@pytest.fixture
def e2e_settings(tmp_path: Path, sandbox: SandboxThread) -> Settings:
    return settings_for(f"sqlite:///{tmp_path / 'duwtje.db'}", telegram={"base_url": sandbox.url})


@pytest.fixture
async def bot(
    e2e_settings: Settings, clock: VirtualClock, client: SandboxClient
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with running_bot(e2e_settings, clock) as running:
        yield running
