"""Time rules in labelled tables, across both daylight-saving Sundays of 2026 in Amsterdam
(29 March: 02:00 -> 03:00; 25 October: 03:00 -> 02:00), midnight and month ends."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from reminders.localtime import at_local, next_day_at, next_occurrence
from reminders.moments import next_step_at, nudge_at
from reminders.quiet import in_quiet_hours, outside_quiet_hours

AMS = ZoneInfo("Europe/Amsterdam")
Q_START, Q_END = time(21, 0), time(8, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.mark.parametrize(
    ("label", "day", "clock", "expected_utc"),
    [
        ("winter", "2026-03-02", time(9, 0), "2026-03-02T08:00"),
        ("summer", "2026-07-01", time(9, 0), "2026-07-01T07:00"),
        ("spring Sunday before gap", "2026-03-29", time(1, 30), "2026-03-29T00:30"),
        ("spring Sunday in the gap", "2026-03-29", time(2, 30), "2026-03-29T01:30"),
        ("spring Sunday after gap", "2026-03-29", time(9, 0), "2026-03-29T07:00"),
        ("autumn Sunday repeated hour", "2026-10-25", time(2, 30), "2026-10-25T00:30"),
        ("autumn Sunday after", "2026-10-25", time(9, 0), "2026-10-25T08:00"),
        ("midnight", "2026-12-31", time(0, 0), "2026-12-30T23:00"),
    ],
)
def test_at_local(label: str, day: str, clock: time, expected_utc: str) -> None:
    assert at_local(datetime.fromisoformat(day).date(), clock, AMS) == utc(expected_utc), label


@pytest.mark.parametrize(
    ("label", "after_local", "clock", "weekdays", "expected_local"),
    [
        ("later today", "2026-03-02T07:00", time(8, 30), False, "2026-03-02T08:30"),
        ("exactly now is not after", "2026-03-02T08:30", time(8, 30), False, "2026-03-03T08:30"),
        ("tomorrow", "2026-03-02T09:00", time(8, 30), False, "2026-03-03T08:30"),
        ("friday evening skips weekend", "2026-03-06T18:00", time(8, 30), True, "2026-03-09T08:30"),
        ("saturday", "2026-03-07T10:00", time(8, 30), True, "2026-03-09T08:30"),
        ("month end", "2026-03-31T22:00", time(8, 30), False, "2026-04-01T08:30"),
        ("year end", "2026-12-31T23:59", time(8, 30), False, "2027-01-01T08:30"),
        ("over spring change", "2026-03-28T09:00", time(8, 30), False, "2026-03-29T08:30"),
        ("over autumn change", "2026-10-24T09:00", time(8, 30), False, "2026-10-25T08:30"),
    ],
)
def test_next_occurrence(
    label: str, after_local: str, clock: time, weekdays: bool, expected_local: str
) -> None:
    found = next_occurrence(local(after_local), clock, AMS, weekdays_only=weekdays)
    assert found == local(expected_local), label
    assert found.tzinfo == UTC


@pytest.mark.parametrize(
    ("label", "moment_local", "quiet"),
    [
        ("evening start", "2026-03-02T21:00", True),
        ("just before", "2026-03-02T20:59", False),
        ("midnight", "2026-03-03T00:00", True),
        ("early morning", "2026-03-03T07:59", True),
        ("end is allowed", "2026-03-03T08:00", False),
        ("spring night", "2026-03-29T03:30", True),
        ("autumn night", "2026-10-25T02:30", True),
    ],
)
def test_quiet_hours(label: str, moment_local: str, quiet: bool) -> None:
    assert in_quiet_hours(local(moment_local), AMS, Q_START, Q_END) is quiet, label


@pytest.mark.parametrize(
    ("label", "moment_local", "expected_local"),
    [
        ("allowed stays", "2026-03-02T12:00", "2026-03-02T12:00"),
        ("late evening to next morning", "2026-03-02T22:15", "2026-03-03T08:00"),
        ("after midnight to same morning", "2026-03-03T01:00", "2026-03-03T08:00"),
        ("spring night", "2026-03-28T23:00", "2026-03-29T08:00"),
        ("autumn night", "2026-10-24T23:00", "2026-10-25T08:00"),
        ("month end", "2026-04-30T23:30", "2026-05-01T08:00"),
    ],
)
def test_outside_quiet_hours(label: str, moment_local: str, expected_local: str) -> None:
    assert outside_quiet_hours(local(moment_local), AMS, Q_START, Q_END) == local(expected_local)


def test_quiet_hours_within_one_day_and_none() -> None:
    lunch = (time(12, 0), time(13, 0))
    assert in_quiet_hours(local("2026-03-02T12:30"), AMS, *lunch)
    assert not in_quiet_hours(local("2026-03-02T13:00"), AMS, *lunch)
    assert not in_quiet_hours(local("2026-03-02T03:00"), AMS, time(0, 0), time(0, 0))


@pytest.mark.parametrize(
    ("label", "done_local", "moment", "expected_local"),
    [
        ("afternoon", "2026-03-02T16:00", "afternoon", "2026-03-03T15:30"),
        ("morning done late at night", "2026-03-02T23:50", "morning", "2026-03-03T09:00"),
        ("unknown moment means afternoon", "2026-03-02T10:00", None, "2026-03-03T15:30"),
        ("into summer time", "2026-03-28T20:00", "evening", "2026-03-29T19:30"),
    ],
)
def test_next_step_at(label: str, done_local: str, moment: str | None, expected_local: str) -> None:
    assert next_step_at(local(done_local), moment, AMS) == local(expected_local), label


@pytest.mark.parametrize(
    ("label", "sent_local", "days", "moment", "expected_local"),
    [
        ("three days later at the moment", "2026-03-02T15:30", 3, "afternoon", "2026-03-05T15:30"),
        (
            "sent in the evening, morning person",
            "2026-03-02T19:00",
            3,
            "morning",
            "2026-03-06T09:00",
        ),
        ("across spring change", "2026-03-27T15:30", 3, "afternoon", "2026-03-30T15:30"),
        ("across autumn change", "2026-10-23T09:00", 3, "morning", "2026-10-26T09:00"),
    ],
)
def test_nudge_at(label: str, sent_local: str, days: int, moment: str, expected_local: str) -> None:
    assert nudge_at(local(sent_local), days, moment, AMS) == local(expected_local), label


@pytest.mark.parametrize(
    ("label", "sent_utc", "expected_utc"),
    [
        # Given in UTC, as the database gives them: the days are local days all the same.
        ("across spring change", "2026-03-27T14:30", "2026-03-30T13:30"),  # 15:30 both sides
        ("across autumn change", "2026-10-23T13:30", "2026-10-26T14:30"),
        ("no change", "2026-03-02T14:30", "2026-03-05T14:30"),
    ],
)
def test_nudge_at_counts_local_days_from_utc_inputs(
    label: str, sent_utc: str, expected_utc: str
) -> None:
    assert nudge_at(utc(sent_utc), 3, "afternoon", AMS) == utc(expected_utc), label


def test_next_day_at_crosses_midnight_in_local_time() -> None:
    # 00:30 local on 3 March is still 2 March in UTC; "the next day" is local.
    assert next_day_at(local("2026-03-03T00:30"), time(9), AMS) == local("2026-03-04T09:00")
