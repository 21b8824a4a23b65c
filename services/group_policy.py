"""The peer groups' rules as one value on the Unit (bot/runtime.py builds it from [groups])."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date


@dataclass(frozen=True)
class GroupPolicy:
    # Posts to a group only in the day (never at night): prompts, encouragement, polls, the
    # welcome's follow-ups; meeting reminders that would fall outside are moved or dropped.
    day_start: time = time(9, 0)
    day_end: time = time(21, 0)
    post_time: time = time(10, 0)  # when a prompt, an encouragement or a poll goes
    leave_after: timedelta = timedelta(minutes=60)  # an unlinked group
    code_valid: timedelta = timedelta(minutes=30)  # /nieuwegroep's code
    welcome_gap: timedelta = timedelta(minutes=10)  # several joining at once: one welcome
    poll_open: timedelta = timedelta(hours=48)
    meeting_minutes: int = 90
    line_key: str = "mantelzorg"  # the line the welcome offers in a private chat

    def in_day(self, moment: datetime, zone: ZoneInfo) -> bool:
        clock = moment.astimezone(zone).time()
        return self.day_start <= clock < self.day_end

    def next_day_moment(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` if it is in the day, else the next morning's `day_start`."""
        if self.in_day(moment, zone):
            return moment
        day = local_date(moment, zone)
        if moment.astimezone(zone).time() >= self.day_end:
            day += timedelta(days=1)
        return at_local(day, self.day_start, zone)

    def next_post(self, after: datetime, weekday: int, zone: ZoneInfo) -> datetime:
        """The next `post_time` on `weekday` (0 Monday) after `after`."""
        day = local_date(after, zone)
        while True:
            if day.weekday() == weekday:
                moment = at_local(day, self.post_time, zone)
                if moment > after:
                    return moment
            day += timedelta(days=1)
