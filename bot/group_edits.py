"""Edits of one message in a group, at most one per gap: twenty carers pressing "Ik kom" in a
minute would otherwise be twenty edits of one message, and Telegram allows a group 20
messages a minute (edits count). Presses in the gap are folded into one edit after it, which
shows the newest count: the last press wins, nothing is lost.

Direct edits skip the outbox (bot/unit.py), so this is their pacing; it lives in the process,
which is enough: one process answers a group's presses at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Edit = Callable[[], Awaitable[None]]
_FORGET_AFTER = 1000  # remembered messages before the old ones are forgotten


class GroupEdits:
    def __init__(self, gap_seconds: float) -> None:
        self._gap = gap_seconds
        self._last: dict[tuple[int, int], float] = {}  # (chat, message): when last edited
        self._waiting: dict[tuple[int, int], Edit] = {}  # the newest edit, for after the gap
        self._tasks: set[asyncio.Task[None]] = set()

    async def edit(self, chat_id: int, message_id: int, send: Edit) -> None:
        key = (chat_id, message_id)
        now = asyncio.get_running_loop().time()
        if key in self._waiting:
            self._waiting[key] = send  # one is planned already: it sends this, the newest
            return
        last = self._last.get(key)
        if last is None or now - last >= self._gap:
            self._remember(key, now)
            await send()
            return
        self._waiting[key] = send
        task = asyncio.create_task(self._after_gap(key, last + self._gap - now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Send what waits (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _after_gap(self, key: tuple[int, int], delay: float) -> None:
        await asyncio.sleep(delay)
        send = self._waiting.pop(key)
        self._remember(key, asyncio.get_running_loop().time())
        try:
            await send()
        except Exception:  # the edit's own errors are handled in `send`; this is a last guard
            log.exception("a folded group edit failed")

    def _remember(self, key: tuple[int, int], at: float) -> None:
        self._last[key] = at
        if len(self._last) > _FORGET_AFTER:
            cutoff = at - self._gap
            for old in [k for k, when in self._last.items() if when < cutoff]:
                del self._last[old]
