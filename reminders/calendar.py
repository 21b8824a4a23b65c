"""Which days are what: school days, school holidays, Dutch public holidays.

An organisation's calendar is plain data (`Calendar`), made once per sweep from the settings and
the `holidays` package (services/nudge_policy.py), so every rule here is a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache

SCHOOL_START = time(8, 30)
SCHOOL_END = time(15, 0)


@dataclass(frozen=True)
class Holiday:
    """A school holiday, first and last day included."""

    name: str
    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Calendar:
    # Public holidays: those of `country` (the `holidays` package, any year), and any listed.
    country: str | None = None
    public_holidays: frozenset[date] = frozenset()
    nudge_on_public_holidays: bool = False
    school_holidays: tuple[Holiday, ...] = ()  # of the organisation's region
    school_start: time = SCHOOL_START
    school_end: time = SCHOOL_END
    school_weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))

    def school_holiday(self, day: date) -> Holiday | None:
        return next((h for h in self.school_holidays if day in h), None)

    def is_public_holiday(self, day: date) -> bool:
        if day in self.public_holidays:
            return True
        return self.country is not None and day in public_holidays_of(self.country, day.year)

    def is_school_day(self, day: date) -> bool:
        return (
            day.weekday() in self.school_weekdays
            and not self.is_public_holiday(day)
            and self.school_holiday(day) is None
        )

    def welcome_back(self, day: date) -> Holiday | None:
        """The school holiday that `day` is the first school day after, if it is one: only
        weekends and public holidays lie between that holiday's last day and `day`."""
        if not self.is_school_day(day):
            return None
        for holiday in self.school_holidays:
            if not holiday.last < day <= holiday.last + timedelta(days=14):
                continue
            between = (
                holiday.last + timedelta(days=n) for n in range(1, (day - holiday.last).days)
            )
            if not any(self.is_school_day(d) for d in between):
                return holiday
        return None


@cache
def public_holidays_of(country: str, year: int) -> frozenset[date]:
    """A country's public holidays in one year (for "NL": New Year, Easter, King's Day,
    Ascension, Whitsun, Christmas; Liberation Day in the years it is one)."""
    import holidays  # here: the package takes a tenth of a second to import, most of it unused

    return frozenset(holidays.country_holidays(country, years=year).keys())


def dutch_public_holidays(first_year: int, last_year: int) -> frozenset[date]:
    return frozenset().union(
        *(public_holidays_of("NL", year) for year in range(first_year, last_year + 1))
    )
