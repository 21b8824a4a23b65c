"""Strict mode: Telegram's flood limits as sliding windows, counted when a request arrives.

Which methods count, following Telegram's behaviour (Bots FAQ and what bots observe):
- new messages (send* except sendChatAction) count in all three windows: overall, per chat and,
  for groups and supergroups, per group;
- edits (editMessage*, and stopPoll, which edits the poll's message) count only in the overall
  window: Telegram throttles edits separately and far more leniently than new messages, and an
  edit of the message just pressed goes out at once;
- answerCallbackQuery, sendChatAction, deleteMessage, getUpdates and the rest do not count.
Strict mode tolerates no burst at all (Telegram tolerates short ones): a bot that passes here
paces itself. A refused request does not count, so a client that waits `retry_after` gets in.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.sandbox.shapes import LimitsView, WindowView

SEND, EDIT = "send", "edit"


def send_kind(method: str) -> str | None:
    """SEND, EDIT or None for a canonical method name."""
    if method.startswith("send") and method != "sendChatAction":
        return SEND
    if method.startswith("editMessage") or method == "stopPoll":  # stopping a poll edits it
        return EDIT
    return None


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float

    def view(self) -> WindowView:
        return WindowView(count=self.count, seconds=self.seconds)


@dataclass(frozen=True)
class Limits:
    strict: bool = True
    overall: Window = Window(30, 1.0)
    per_chat: Window = Window(1, 1.0)
    per_group: Window = Window(20, 60.0)

    def view(self) -> LimitsView:
        return LimitsView(
            strict=self.strict,
            overall=self.overall.view(),
            per_chat=self.per_chat.view(),
            per_group=self.per_group.view(),
        )

    def changed(
        self,
        *,
        strict: bool | None = None,
        overall: Window | None = None,
        per_chat: Window | None = None,
        per_group: Window | None = None,
    ) -> Limits:
        return replace(
            self,
            strict=self.strict if strict is None else strict,
            overall=overall or self.overall,
            per_chat=per_chat or self.per_chat,
            per_group=per_group or self.per_group,
        )


class RateLimiter:
    def __init__(self, limits: Limits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._history: dict[tuple[str, int], deque[float]] = {}

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        self._history.clear()

    def admit(self, method: str, chat_id: object) -> int | None:
        """None if the request may go ahead (and it is counted); else the retry_after seconds."""
        kind = send_kind(method)
        if not self.limits.strict or kind is None:
            return None
        now = self._monotonic()
        windows = [(("overall", 0), self.limits.overall)]
        if kind == SEND and isinstance(chat_id, int):
            windows.append((("chat", chat_id), self.limits.per_chat))
            if chat_id < 0:
                windows.append((("group", chat_id), self.limits.per_group))
        waits = [self._wait(key, window, now) for key, window in windows]
        if any(wait > 0 for wait in waits):
            return max(1, math.ceil(max(waits)))
        for key, _ in windows:
            self._history.setdefault(key, deque()).append(now)
        return None

    def _wait(self, key: tuple[str, int], window: Window, now: float) -> float:
        """Seconds until `window` has room again (0: room now)."""
        history = self._history.get(key)
        if history is None:
            return 0.0
        while history and history[0] <= now - window.seconds:
            history.popleft()
        if len(history) < window.count:
            return 0.0
        return history[-window.count] + window.seconds - now
