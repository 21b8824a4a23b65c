"""Pacing without bursts: Telegram's limits as leaky buckets (aiolimiter).

`AsyncLimiter(1, 1 / rate)` lets one request through every 1/rate seconds and never bursts;
`AsyncLimiter(rate, 1)` would start with a full bucket and earn 429s against a strict server.
A send first waits for its chat (1 per second, a group 20 per minute), then for the bot as a
whole (29 per second), so a busy chat never holds up the others.

The overall bucket holds a little more than one message (`_OVERALL_BUCKET`): each turn starts
a little late (the event loop's timers wake to the millisecond, rounded up, after whatever else
it was doing), and with a bucket of exactly one that lateness is lost every time (28.3 messages
a second arrived instead of 29). A bucket of 1.3 keeps up to 10 ms of it, and any one second
still holds at most 1.3 + 29 turns: 30, Telegram's limit (`duwtje bench fanout` reports both).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from aiolimiter import AsyncLimiter

from bot.settings import PacingSettings

_MAX_TRACKED_CHATS = 20_000
_OVERALL_BUCKET = 1.3
# Telegram counts per chat on arrival; two sends exactly one period apart can arrive closer
# together after network jitter. A tenth more than the period keeps us clear of the edge.
_CHAT_MARGIN = 1.1


class Pacer:
    def __init__(self, settings: PacingSettings) -> None:
        self._settings = settings
        rate = settings.overall_per_second
        self._overall = AsyncLimiter(_OVERALL_BUCKET, _OVERALL_BUCKET / rate)
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._paused_until: dict[int, float] = {}
        self._slow_until = 0.0  # monotonic

    async def wait_turn(self, chat_id: int) -> None:
        await self._chat(chat_id).acquire()
        await self._overall.acquire()
        if time.monotonic() < self._slow_until:
            await self._overall.acquire()  # two turns each: half speed

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """After a 429 for this chat: nothing goes to it before `seconds` have passed."""
        self._paused_until[chat_id] = time.monotonic() + seconds

    def slow_down(self, seconds: float) -> None:
        """After any 429: Telegram does not say which limit we met, so the whole bot goes at
        half speed for `seconds` as well."""
        self._slow_until = max(self._slow_until, time.monotonic() + seconds)

    def seconds_paused(self, chat_id: int) -> float:
        until = self._paused_until.get(chat_id)
        if until is None:
            return 0.0
        remaining = until - time.monotonic()
        if remaining <= 0:
            del self._paused_until[chat_id]
            return 0.0
        return remaining

    def _chat(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, self._period(chat_id))
            self._chats[chat_id] = limiter
            if len(self._chats) > _MAX_TRACKED_CHATS:
                self._chats.popitem(last=False)  # long idle: its bucket is empty anyway
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    def _period(self, chat_id: int) -> float:
        # Telegram: private chats (positive ids) about 1 per second; groups 20 per minute.
        per_chat = _CHAT_MARGIN / self._settings.per_chat_per_second
        if chat_id < 0:  # a group is a chat too: both limits hold
            return max(per_chat, _CHAT_MARGIN * 60 / self._settings.per_group_per_minute)
        return per_chat
