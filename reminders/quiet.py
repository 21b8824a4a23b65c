"""Quiet hours: no nudges or reminders between `start` and `end`, local time.

`start > end` means the quiet period crosses midnight (21:00-08:00), the usual case.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date


def in_quiet_hours(moment: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    if start == end:
        return False
    local = moment.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def outside_quiet_hours(moment: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """`moment` itself when allowed, else the end of the quiet period it falls in (UTC)."""
    if not in_quiet_hours(moment, zone, start, end):
        return moment
    day = local_date(moment, zone)
    local = moment.astimezone(zone).time()
    if start > end and local >= start:
        day += timedelta(days=1)  # after 21:00: quiet until tomorrow 08:00
    return at_local(day, end, zone)
