"""Local wall-clock times in a person's time zone, resolved to UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def at_local(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    """`clock_time` on `day` in `zone`, as UTC.

    With fold=0 (PEP 495), a time that does not exist that day (the hour skipped in spring)
    is read with the old offset and so lands just after the gap (02:30 becomes 03:30); a time
    that happens twice (the hour repeated in autumn) means its first occurrence.
    """
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def next_occurrence(
    after: datetime, clock_time: time, zone: ZoneInfo, *, weekdays_only: bool = False
) -> datetime:
    """The first moment strictly after `after` when it is `clock_time` in `zone`."""
    day = local_date(after, zone)
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        if weekdays_only and candidate_day.weekday() >= 5:
            continue
        candidate = at_local(candidate_day, clock_time, zone)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a weekday always comes within nine days")


def next_day_at(after: datetime, clock_time: time, zone: ZoneInfo) -> datetime:
    """`clock_time` on the local day after the day of `after`."""
    return at_local(local_date(after, zone) + timedelta(days=1), clock_time, zone)


def parse_clock(text: str) -> time:
    """ "08:30" -> time(8, 30)."""
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


def plus_local_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`days` calendar days later on the local wall clock ("Friday 15:30" + 3 = "Monday 15:30"),
    also across a clock change, where 3 x 24 hours would be an hour off."""
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC)
