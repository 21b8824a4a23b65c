"""Caps on automatic messages: at most one a day and `per_week` in any seven days, per person,
nudges, check-in prompts and reminders together; and nothing for someone who just wrote.

The history is given as what the nudge log says about the person (services/nudge_policy.py
reads it with the sweep's own query): how many automatic messages in the last seven days, the
oldest and the newest of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date

WEEK = timedelta(days=7)
DEFAULT_PER_WEEK = 3
JUST_WROTE = timedelta(hours=12)


@dataclass(frozen=True)
class Recent:
    """A person's automatic messages in the seven days before now."""

    count: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None


def not_before(
    recent: Recent,
    *,
    now: datetime,
    zone: ZoneInfo,
    per_week: int = DEFAULT_PER_WEEK,
    last_activity_at: datetime | None = None,
    just_wrote: timedelta = JUST_WROTE,
) -> datetime:
    """The earliest moment the caps allow another automatic message (`now` when they allow
    one now). The good moment after it is for reminders.slots to find."""
    earliest = now
    if recent.newest is not None and local_date(recent.newest, zone) >= local_date(now, zone):
        # One a day: not before tomorrow, local time.
        earliest = max(
            earliest, at_local(local_date(now, zone) + timedelta(days=1), _midnight, zone)
        )
    if recent.count >= per_week and recent.oldest is not None:
        # The week is full until its oldest message is seven days old.
        earliest = max(earliest, recent.oldest + WEEK)
    if last_activity_at is not None and last_activity_at + just_wrote > now:
        earliest = max(earliest, last_activity_at + just_wrote)
    return earliest


_midnight = datetime.min.time()
