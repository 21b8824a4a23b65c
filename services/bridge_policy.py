"""The bridge's rules as one value (bot/ builds it from [bridge]): working hours, the time an
alert may wait for "Ik neem contact op", the moments /afspraak offers; and the chat
consultation hours a professional sets (`/spreekuur`), kept as text on the professional."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date

DAYS = {
    "ma": 0, "maandag": 0, "mon": 0, "monday": 0,
    "di": 1, "dinsdag": 1, "tue": 1, "tuesday": 1,
    "wo": 2, "woensdag": 2, "wed": 2, "wednesday": 2,
    "do": 3, "donderdag": 3, "thu": 3, "thursday": 3,
    "vr": 4, "vrijdag": 4, "fri": 4, "friday": 4,
    "za": 5, "zaterdag": 5, "sat": 5, "saturday": 5,
    "zo": 6, "zondag": 6, "sun": 6, "sunday": 6,
}  # fmt: skip
_HOUR = re.compile(
    r"(?P<day>[a-z]+)\s+(?P<h1>\d{1,2})(?:[:.](?P<m1>\d{2}))?\s*(?:-|tot|to)\s*"
    r"(?P<h2>\d{1,2})(?:[:.](?P<m2>\d{2}))?"
)
LONGEST_HOUR = timedelta(hours=4)
MOST_HOURS = 7  # a week's consultation hours (they fit professional.consult_hours)


@dataclass(frozen=True)
class ConsultHour:
    weekday: int  # 0 Monday
    start: time
    end: time

    def stored(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


def parse_consult_hours(text: str) -> list[ConsultHour] | None:
    """ "wo 15:00-16:00, vr 9-10" (Dutch or English day names) as hours; None if unreadable.
    An hour is at most four hours long and at least a quarter of an hour; at most seven."""
    found: list[ConsultHour] = []
    parts = [p.strip() for p in re.split(r"[,;]|\ben\b|\band\b", text.casefold()) if p.strip()]
    for part in parts:
        match = _HOUR.fullmatch(part)
        if match is None or match.group("day") not in DAYS:
            return None
        try:
            start = time(int(match.group("h1")), int(match.group("m1") or 0))
            end = time(int(match.group("h2")), int(match.group("m2") or 0))
        except ValueError:
            return None
        length = datetime.combine(date.min, end) - datetime.combine(date.min, start)
        if not timedelta(minutes=15) <= length <= LONGEST_HOUR:
            return None
        found.append(ConsultHour(DAYS[match.group("day")], start, end))
    if len(set(found)) > MOST_HOURS:
        return None
    return sorted(set(found), key=lambda h: (h.weekday, h.start)) or None


def stored_hours(stored: str | None) -> list[ConsultHour]:
    """The professional's column back as hours (written by `ConsultHour.stored`)."""
    hours: list[ConsultHour] = []
    for part in (stored or "").split(";"):
        if not part.strip():
            continue
        day, span = part.split()
        start, end = span.split("-")
        hours.append(ConsultHour(int(day), time.fromisoformat(start), time.fromisoformat(end)))
    return hours


def store_hours(hours: list[ConsultHour]) -> str | None:
    return ";".join(h.stored() for h in hours) or None


def in_consult_hour(hours: list[ConsultHour], now: datetime, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone)
    return any(h.weekday == local.weekday() and h.start <= local.time() < h.end for h in hours)


def next_consult_hours(
    hours: list[ConsultHour], now: datetime, zone: ZoneInfo, count: int = 1
) -> list[tuple[datetime, datetime]]:
    """The next `count` consultation hours that have not ended, as (start, end) in UTC."""
    if not hours:
        return []
    today = local_date(now, zone)
    found: list[tuple[datetime, datetime]] = []
    for offset in range(0, 15):
        day = today + timedelta(days=offset)
        for hour in hours:
            if hour.weekday != day.weekday():
                continue
            start, end = at_local(day, hour.start, zone), at_local(day, hour.end, zone)
            if end > now:
                found.append((start, end))
    return sorted(found)[:count]


@dataclass(frozen=True)
class BridgePolicy:
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    working_start: time = time(8, 30)
    working_end: time = time(17, 0)
    alert_after: timedelta = timedelta(minutes=15)
    appointment_times: tuple[time, ...] = field(default=(time(10, 0), time(14, 0)))
    # Pupils younger than this need a parent's agreement before their answers show (0: off).
    parent_consent_under: int = 16

    def working(self, now: datetime, zone: ZoneInfo) -> bool:
        """Whether professionals are at work now (a crisis outside goes to who is on duty)."""
        local = now.astimezone(zone)
        return (
            local.weekday() in self.working_days
            and self.working_start <= local.time() < self.working_end
        )

    def moments(
        self, now: datetime, zone: ZoneInfo, *, after: datetime | None = None, count: int = 4
    ) -> list[datetime]:
        """The next `count` moments an appointment can be at: the configured times on working
        days, from tomorrow (or after `after`), in UTC."""
        start = max(now, after or now)
        first = local_date(start, zone) + timedelta(days=0 if after else 1)
        found: list[datetime] = []
        for offset in range(0, 60):
            day = first + timedelta(days=offset)
            if day.weekday() not in self.working_days:
                continue
            for clock in sorted(self.appointment_times):
                moment = at_local(day, clock, zone)
                if moment > start and moment > now + timedelta(hours=2):
                    found.append(moment)
                    if len(found) == count:
                        return found
        return found
