"""The sandbox as one object: the world plus everything around it (limits, faults, spec check,
records) and the signal that wakes long polls. Shared by the Bot API and control handlers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.clock import Clock, SystemClock
from bot.sandbox.faults import Faults
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.model import BotIdentity
from bot.sandbox.records import Records
from bot.sandbox.spec import Spec
from bot.sandbox.world import World

T = TypeVar("T")

DEFAULT_BOT_USERNAME = "duwtje_sandbox_bot"
DEFAULT_BOT_ID = 1  # until a request shows the bot's token: "1:T" is the tests' token


@dataclass(frozen=True)
class SandboxConfig:
    limits: Limits = field(default_factory=Limits)
    spec_path: str | Path | None = None
    bot_username: str = DEFAULT_BOT_USERNAME
    clock: Clock | None = None
    # Seconds to wait before each webhook retry; one more attempt than delays, then given up.
    webhook_retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)
    webhook_timeout: float = 10.0
    # How long a callback query can be answered (Telegram's clients give up after ~15 s).
    callback_answer_timeout: float = 15.0
    # A round trip's network time for every Bot API call, half on the way in (before the
    # request counts as arrived), half on the way back: for realistic benchmarks.
    latency: float = 0.0


class Signal:
    """Wakes every coroutine waiting for the world to change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float | None) -> None:
        """Until the next change, or at most `seconds` (None: no limit)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)


class Sandbox:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock: Clock = self.config.clock or SystemClock()
        self.spec = Spec.load(self.config.spec_path) if self.config.spec_path else None
        self.limiter = RateLimiter(self.config.limits)
        self.faults = Faults()
        self.records = Records()
        self.signal = Signal()
        self.closing = False
        self.poll_generation = 0  # a newer getUpdates ends an older waiting one (409)
        # Time-derived, so two sandbox runs against the same database never repeat an id.
        self.world = self._new_world(int(time.time()) * 1000, 1)

    def _new_world(self, first_update_id: int, first_seq: int) -> World:
        bot = BotIdentity(DEFAULT_BOT_ID, self.config.bot_username)
        world = World(
            clock=self.clock, bot=bot, first_update_id=first_update_id, first_event_seq=first_seq
        )
        world.listeners.append(self.signal.fire)
        return world

    def reset(self) -> None:
        """A fresh world, records and faults; limits, spec and clock stay. Update ids and event
        numbers keep counting up, so a client's cursor never sees an old number again."""
        old = self.world
        first_update_id = max(old.next_update_id, int(time.time()) * 1000)
        self.world = self._new_world(first_update_id, old.next_seq)
        self.world.bot.id = old.bot.id
        self.records = Records()
        self.faults.clear()
        self.limiter.configure(self.limiter.limits)
        self.signal.fire()

    def close(self) -> None:
        self.closing = True
        self.signal.fire()

    async def wait_until(self, ready: Callable[[], T | None], seconds: float) -> T | None:
        """Long poll: `ready()`'s first non-None value, or None after `seconds` or at shutdown."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(seconds, 0.0)
        while True:
            value = ready()
            remaining = deadline - loop.time()
            if value is not None or remaining <= 0 or self.closing:
                return value
            await self.signal.wait(remaining)

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake at shutdown so held answers do not delay stopping."""
        await self.wait_until(lambda: None, seconds)
