"""Stalls and the nudge ladder: when a waiting step counts as stalled, which nudge comes next,
and when nudging stops.

A stall starts at the latest of: the step reaching the client, their last activity, and the last
face-to-face meeting (then it is "nothing since the meeting"). After `stall_days` local days it
gets rung 1 (a short warm nudge), `gap_days` later rung 2 (lighter, a picture or an emoji),
again `gap_days` later rung 3 (buttons: pause a week, carry on, talk to my professional). Then
no more automatic nudges for this stall and the professional is told. Any activity starts a new
stall, so the ladder starts again from the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from reminders.localtime import local_date, plus_local_days

RUNGS = 3
DEFAULT_STALL_DAYS = 3
DEFAULT_GAP_DAYS = 2


class StallReason(StrEnum):
    STEP = "step"  # the step waits since it came, or since they last did something
    MEETING = "meeting"  # nothing since the last face-to-face meeting


@dataclass(frozen=True)
class Stall:
    since: datetime
    reason: StallReason


def stall_of(
    *,
    step_sent_at: datetime | None,
    last_activity_at: datetime | None,
    last_meeting_at: datetime | None,
) -> Stall | None:
    """Since when the waiting step waits, and why; None when no step waits."""
    if step_sent_at is None:
        return None
    since, reason = step_sent_at, StallReason.STEP
    if last_activity_at is not None and last_activity_at > since:
        since = last_activity_at
    if last_meeting_at is not None and last_meeting_at > since:
        since, reason = last_meeting_at, StallReason.MEETING
    return Stall(since, reason)


def days_waiting(stall: Stall, now: datetime, zone: ZoneInfo) -> int:
    """Local calendar days since the stall began (a step from yesterday evening: 1)."""
    return max(0, (local_date(now, zone) - local_date(stall.since, zone)).days)


def is_stalled(stall: Stall | None, stall_days: int, now: datetime, zone: ZoneInfo) -> bool:
    return stall is not None and days_waiting(stall, now, zone) >= stall_days


@dataclass(frozen=True)
class Ladder:
    stall_days: int = DEFAULT_STALL_DAYS
    gap_days: int = DEFAULT_GAP_DAYS


def first_nudge_from(stall: Stall, ladder: Ladder, zone: ZoneInfo) -> datetime:
    """The earliest moment rung 1 may come: `stall_days` local days after the stall began (the
    good moment itself is found by reminders.slots.next_slot)."""
    return plus_local_days(stall.since, ladder.stall_days, zone)


def next_rung(rung_sent: int) -> int | None:
    """The rung after `rung_sent` (0: none sent yet), or None: the ladder is done."""
    return rung_sent + 1 if rung_sent < RUNGS else None


def following_from(
    sent_at: datetime, rung_sent: int, ladder: Ladder, zone: ZoneInfo
) -> datetime | None:
    """After rung `rung_sent` went at `sent_at`: the earliest moment for the next rung, or None
    after the last one (no more automatic nudges for this stall)."""
    if next_rung(rung_sent) is None:
        return None
    return plus_local_days(sent_at, ladder.gap_days, zone)


def ladder_done(rung_sent: int) -> bool:
    """The professional is told: nudging did not help this time."""
    return rung_sent >= RUNGS
