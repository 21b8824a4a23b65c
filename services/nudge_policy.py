"""The nudge rules as one value the sweep is given: what the configuration says (bot/ builds it
from the settings), turned into what reminders/ asks for (a Calendar, a Person).

Calendars and people are made once per distinct value during a sweep: ten thousand due nudges
share a few zones, moments and regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from reminders.calendar import SCHOOL_END, SCHOOL_START, Calendar, Holiday
from reminders.caps import DEFAULT_PER_WEEK, JUST_WROTE
from reminders.ladder import DEFAULT_GAP_DAYS
from reminders.localtime import parse_clock
from reminders.moments import moment_time
from reminders.slots import WINDOW, Person
from storage.models import Client, Role


@dataclass(frozen=True)
class NudgePolicy:
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    gap_days: int = DEFAULT_GAP_DAYS
    per_week: int = DEFAULT_PER_WEEK
    window: timedelta = WINDOW
    just_wrote: timedelta = JUST_WROTE
    tell_at_once: bool = False  # the professional hears at once when the ladder ends
    on_public_holidays: bool = False
    school_start: time = SCHOOL_START
    school_end: time = SCHOOL_END
    checkin_reminder: timedelta = timedelta(hours=24)
    school_holidays: Mapping[str, tuple[Holiday, ...]] = field(default_factory=dict)

    def calendar(self, region: str | None) -> Calendar:
        return self._calendars.get(region or "", self._calendars[""])

    @cached_property
    def _calendars(self) -> dict[str, Calendar]:
        def calendar(holidays: tuple[Holiday, ...]) -> Calendar:
            return Calendar(
                country="NL",
                nudge_on_public_holidays=self.on_public_holidays,
                school_holidays=holidays,
                school_start=self.school_start,
                school_end=self.school_end,
            )

        found = {region: calendar(periods) for region, periods in self.school_holidays.items()}
        found[""] = calendar(())
        return found

    def person(
        self,
        *,
        zone: ZoneInfo,
        role: str,
        moment: str | None,
        quiet_start: str | None,
        quiet_end: str | None,
        paused_until: datetime | None,
    ) -> Person:
        return Person(
            zone=zone,
            moment=moment_time(moment),
            chose_moment=moment is not None,
            pupil=role == Role.PUPIL,
            quiet_start=parse_clock(quiet_start) if quiet_start else self.quiet_start,
            quiet_end=parse_clock(quiet_end) if quiet_end else self.quiet_end,
            paused_until=paused_until,
        )

    def person_of(self, client: Client, zone: ZoneInfo) -> Person:
        return self.person(
            zone=zone,
            role=client.role,
            moment=client.preferred_moment,
            quiet_start=client.quiet_hours_start,
            quiet_end=client.quiet_hours_end,
            paused_until=client.paused_until,
        )
