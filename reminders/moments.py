"""The moment of the day a client prefers for exercises, and what follows from it."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date, next_occurrence, plus_local_days

# Local times. The afternoon is after school; no moment falls in the default quiet hours.
MOMENTS: dict[str, time] = {
    "morning": time(9, 0),
    "afternoon": time(15, 30),
    "evening": time(19, 30),
}
DEFAULT_MOMENT = "afternoon"
_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def parse_moment(text: str) -> str | None:
    """A time a client typed ("16:45", "7.30") as "HH:MM", or None if it is not a time."""
    found = _CLOCK.match(text)
    if not found:
        return None
    return f"{int(found.group(1)):02d}:{found.group(2)}"


def moment_time(moment: str | None) -> time:
    """The local time of a moment: a named one, a chosen "HH:MM", or the afternoon."""
    if moment in MOMENTS:
        return MOMENTS[moment]
    parsed = parse_moment(moment or "")
    if parsed:
        hours, minutes = parsed.split(":")
        return time(int(hours), int(minutes))
    return MOMENTS[DEFAULT_MOMENT]


def step_at(done_at: datetime, wait_days: int, moment: str | None, zone: ZoneInfo) -> datetime:
    """When the next step comes: right away (0 days), else `wait_days` local days later at the
    client's moment."""
    if wait_days <= 0:
        return done_at
    return at_local(
        local_date(done_at, zone) + timedelta(days=wait_days), moment_time(moment), zone
    )


def next_step_at(done_at: datetime, moment: str | None, zone: ZoneInfo) -> datetime:
    """The next day at the client's moment."""
    return step_at(done_at, 1, moment, zone)


def next_moment(after: datetime, moment: str | None, zone: ZoneInfo) -> datetime:
    """The client's next moment strictly after `after` ("later" snoozes to it)."""
    return next_occurrence(after, moment_time(moment), zone)


def nudge_at(
    step_sent_at: datetime, stall_days: int, moment: str | None, zone: ZoneInfo
) -> datetime:
    """When a step that waits has waited long enough: the first preferred moment after
    `stall_days` days. A nudge at the moment they chose is a nudge at a good moment."""
    waited = plus_local_days(step_sent_at, stall_days, zone)
    return next_occurrence(waited - timedelta(seconds=1), moment_time(moment), zone)
