"""The moment of the day a client prefers for exercises, and what follows from it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import next_day_at, next_occurrence, plus_local_days

# Local times. The afternoon is after school; no moment falls in the default quiet hours.
MOMENTS: dict[str, time] = {
    "morning": time(9, 0),
    "afternoon": time(15, 30),
    "evening": time(19, 30),
}
DEFAULT_MOMENT = "afternoon"


def moment_time(moment: str | None) -> time:
    return MOMENTS.get(moment or DEFAULT_MOMENT, MOMENTS[DEFAULT_MOMENT])


def next_step_at(done_at: datetime, moment: str | None, zone: ZoneInfo) -> datetime:
    """A step is done: the next one comes the next day at the client's moment."""
    return next_day_at(done_at, moment_time(moment), zone)


def nudge_at(
    step_sent_at: datetime, stall_days: int, moment: str | None, zone: ZoneInfo
) -> datetime:
    """When a step that waits has waited long enough: the first preferred moment after
    `stall_days` days. A nudge at the moment they chose is a nudge at a good moment."""
    waited = plus_local_days(step_sent_at, stall_days, zone)
    return next_occurrence(waited - timedelta(seconds=1), moment_time(moment), zone)
