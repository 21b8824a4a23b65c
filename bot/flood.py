"""A per-person flood limit: more than `per_minute` messages in a sliding minute. The bot still
keeps every message (and still answers a crisis); it just stops answering each one. In memory:
one process at a time handles updates (the lease), and a restart forgetting the count is fine."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


class FloodGuard:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[datetime]] = {}

    def over(self, person: int, now: datetime) -> bool:
        """Count this message; whether the person is over the limit with it."""
        seen = self._seen.setdefault(person, deque())
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        seen.append(now)
        if len(self._seen) > 10_000:  # forget the quiet ones now and then
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - WINDOW]:
                del self._seen[key]
        return len(seen) > self.per_minute
