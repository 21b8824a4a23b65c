"""Good moments: when an automatic message (a nudge, a check-in, a reminder) may reach someone.

Only at the person's own moment of the day (and up to `window` after it, so a short outage or a
busy sweep still makes it that day); never in their quiet hours; never while paused; not on a
public holiday unless the organisation wants that; for pupils, not in school hours on a school
day unless they chose that moment themselves, and not at all in their region's school holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.calendar import Calendar
from reminders.localtime import at_local, local_date
from reminders.quiet import in_quiet_hours, outside_quiet_hours

WINDOW = timedelta(hours=3)
SEARCH_DAYS = 400  # a year's school holidays and pauses, and then some


@dataclass(frozen=True)
class Person:
    """What the rules need to know about someone, nothing more."""

    zone: ZoneInfo
    moment: time  # their moment of the day, local
    chose_moment: bool  # they picked it themselves (a pupil may pick a time in school hours)
    pupil: bool
    quiet_start: time
    quiet_end: time
    paused_until: datetime | None = None


def day_allows(day: date, person: Person, calendar: Calendar) -> bool:
    """May an automatic message come on this local day at all?"""
    if calendar.is_public_holiday(day) and not calendar.nudge_on_public_holidays:
        return False
    return not (person.pupil and calendar.school_holiday(day) is not None)


def allowed_at(moment: datetime, person: Person, calendar: Calendar) -> bool:
    """May an automatic message arrive at exactly this instant?"""
    if person.paused_until is not None and moment < person.paused_until:
        return False
    if in_quiet_hours(moment, person.zone, person.quiet_start, person.quiet_end):
        return False
    day = local_date(moment, person.zone)
    if not day_allows(day, person, calendar):
        return False
    return not (_in_school_hours(moment, person, calendar) and not person.chose_moment)


def _in_school_hours(moment: datetime, person: Person, calendar: Calendar) -> bool:
    if not person.pupil:
        return False
    local = moment.astimezone(person.zone)
    return (
        calendar.is_school_day(local.date())
        and calendar.school_start <= local.time() < calendar.school_end
    )


def start_of_day_slot(day: date, person: Person, calendar: Calendar) -> datetime:
    """Where the day's slot begins: their moment; for a pupil whose moment was not their own
    choice and falls in school hours on a school day, the end of the school day; for a moment
    in their quiet hours (a late one they typed), the end of those quiet hours."""
    start = at_local(day, person.moment, person.zone)
    if person.pupil and not person.chose_moment and _in_school_hours(start, person, calendar):
        start = at_local(day, calendar.school_end, person.zone)
    return outside_quiet_hours(start, person.zone, person.quiet_start, person.quiet_end)


def next_slot(
    earliest: datetime, person: Person, calendar: Calendar, *, window: timedelta = WINDOW
) -> datetime:
    """The first good moment at or after `earliest`: within a day's slot (its start up to
    `window` later) and allowed by every rule. Searched day by day; a year's rules always leave
    a day, and if they do not, the last day searched is returned rather than nothing."""
    if person.paused_until is not None:
        earliest = max(earliest, person.paused_until)
    day = local_date(earliest, person.zone)
    candidate = earliest
    for offset in range(SEARCH_DAYS):
        current = day + timedelta(days=offset)
        if not day_allows(current, person, calendar):
            continue
        start = start_of_day_slot(current, person, calendar)
        candidate = max(start, earliest)
        if candidate < start + window and allowed_at(candidate, person, calendar):
            return candidate.astimezone(UTC)
    return candidate.astimezone(UTC)


def slot_on(day: date, person: Person, calendar: Calendar) -> datetime | None:
    """The day's own slot start, if a message may come then (the welcome back after a school
    holiday goes on that very day or not at all)."""
    if not day_allows(day, person, calendar):
        return None
    start = start_of_day_slot(day, person, calendar)
    return start if allowed_at(start, person, calendar) else None
