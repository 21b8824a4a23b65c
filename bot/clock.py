"""The one way to read the time. Only the edge calls `now()`; everything else is handed `now`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock the demo, `duwtje chat` and tests move by hand.

    It keeps ticking at real speed from `start` (so "retry in 3 seconds" still means 3 real
    seconds) and jumps forward when told: `advance(timedelta(days=3))`. With `ticking=False`
    it stands still between jumps. Thread-safe: the sandbox reads it from its own thread.
    """

    def __init__(self, start: datetime, *, ticking: bool = True) -> None:
        if start.tzinfo is None:
            raise ValueError("the virtual clock needs an aware start time")
        self._start = start.astimezone(UTC)
        self._offset = timedelta(0)
        self._ticking = ticking
        self._origin = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + self._offset + self._elapsed()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
            return self._start + self._offset + self._elapsed()

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._offset = moment.astimezone(UTC) - self._start - self._elapsed()

    def _elapsed(self) -> timedelta:
        if not self._ticking:
            return timedelta(0)
        return timedelta(seconds=time.monotonic() - self._origin)
