"""The nudge rules in labelled tables: stalls, the ladder, good moments (quiet hours, school
hours, public and school holidays, pauses), caps and variety; across both daylight-saving
Sundays of 2026 in Amsterdam (29 March, 25 October) and midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminders.calendar import Calendar, Holiday, dutch_public_holidays
from reminders.caps import Recent, not_before
from reminders.ladder import (
    Ladder,
    Stall,
    StallReason,
    days_waiting,
    first_nudge_from,
    following_from,
    is_stalled,
    ladder_done,
    next_rung,
    stall_of,
)
from reminders.slots import Person, allowed_at, next_slot, slot_on
from reminders.variety import pick_variant, text_id

AMS = ZoneInfo("Europe/Amsterdam")
Q_START, Q_END = time(21, 0), time(8, 0)
AUTUMN = Holiday("herfstvakantie", date(2026, 10, 17), date(2026, 10, 25))  # Sat..Sun
CHRISTMAS = Holiday("kerstvakantie", date(2026, 12, 19), date(2027, 1, 3))
CALENDAR = Calendar(
    public_holidays=dutch_public_holidays(2026, 2027), school_holidays=(AUTUMN, CHRISTMAS)
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def person(
    moment: time = time(15, 30),
    *,
    pupil: bool = False,
    chose: bool = True,
    paused_until: datetime | None = None,
) -> Person:
    return Person(
        zone=AMS,
        moment=moment,
        chose_moment=chose,
        pupil=pupil,
        quiet_start=Q_START,
        quiet_end=Q_END,
        paused_until=paused_until,
    )


# Stalls ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "sent", "activity", "meeting", "since", "reason"),
    [
        ("step only", "2026-03-02T15:30", None, None, "2026-03-02T15:30", "step"),
        ("activity after the step", "2026-03-02T15:30", "2026-03-03T10:00", None, "2026-03-03T10:00", "step"),
        ("activity before the step", "2026-03-02T15:30", "2026-03-01T10:00", None, "2026-03-02T15:30", "step"),
        ("meeting after all", "2026-03-02T15:30", "2026-03-03T10:00", "2026-03-05T11:00", "2026-03-05T11:00", "meeting"),
        ("meeting before the step", "2026-03-02T15:30", None, "2026-03-01T11:00", "2026-03-02T15:30", "step"),
    ],
)  # fmt: skip
def test_a_stall_begins_at_the_latest_of_step_activity_and_meeting(
    label: str, sent: str, activity: str | None, meeting: str | None, since: str, reason: str
) -> None:
    stall = stall_of(
        step_sent_at=local(sent),
        last_activity_at=local(activity) if activity else None,
        last_meeting_at=local(meeting) if meeting else None,
    )
    assert stall == Stall(local(since), StallReason(reason)), label


def test_no_step_waiting_is_no_stall() -> None:
    assert stall_of(step_sent_at=None, last_activity_at=None, last_meeting_at=None) is None
    assert not is_stalled(None, 3, local("2026-03-09T12:00"), AMS)


@pytest.mark.parametrize(
    ("label", "since", "now", "days", "stalled_at_3"),
    [
        ("same day", "2026-03-02T15:30", "2026-03-02T23:59", 0, False),
        ("just after midnight", "2026-03-02T23:50", "2026-03-03T00:10", 1, False),
        ("three local days", "2026-03-02T15:30", "2026-03-05T09:00", 3, True),
        ("across the spring Sunday", "2026-03-28T15:30", "2026-03-31T09:00", 3, True),
        ("across the autumn Sunday", "2026-10-24T23:30", "2026-10-27T00:30", 3, True),
    ],
)
def test_days_waiting_are_local_calendar_days(
    label: str, since: str, now: str, days: int, stalled_at_3: bool
) -> None:
    stall = Stall(local(since), StallReason.STEP)
    assert days_waiting(stall, local(now), AMS) == days, label
    assert is_stalled(stall, 3, local(now), AMS) is stalled_at_3, label


# The ladder --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "since", "stall_days", "expected"),
    [
        ("three days later, same clock", "2026-03-02T15:30", 3, "2026-03-05T15:30"),
        ("over the spring Sunday: still 15:30", "2026-03-27T15:30", 3, "2026-03-30T15:30"),
        ("over the autumn Sunday: still 15:30", "2026-10-23T15:30", 3, "2026-10-26T15:30"),
        ("a week, set by the professional", "2026-03-02T15:30", 7, "2026-03-09T15:30"),
    ],
)
def test_rung_one_comes_stall_days_after_the_stall_began(
    label: str, since: str, stall_days: int, expected: str
) -> None:
    stall = Stall(local(since), StallReason.STEP)
    assert first_nudge_from(stall, Ladder(stall_days=stall_days), AMS) == local(expected), label


@pytest.mark.parametrize(
    ("rung_sent", "following", "done"),
    [(0, 1, False), (1, 2, False), (2, 3, False), (3, None, True)],
)
def test_the_ladder_has_three_rungs_and_then_stops(
    rung_sent: int, following: int | None, done: bool
) -> None:
    assert next_rung(rung_sent) == following
    assert ladder_done(rung_sent) is done
    sent = local("2026-03-05T15:30")
    expected = None if following is None else local("2026-03-07T15:30")
    assert following_from(sent, rung_sent, Ladder(gap_days=2), AMS) == expected


# Good moments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "earliest", "who", "expected"),
    [
        ("their moment later today", "2026-03-05T10:00", person(), "2026-03-05T15:30"),
        ("within the moment's window", "2026-03-05T17:00", person(), "2026-03-05T17:00"),
        ("past the window: tomorrow", "2026-03-05T18:31", person(), "2026-03-06T15:30"),
        ("window runs into quiet hours", "2026-03-05T21:10", person(time(19, 30)), "2026-03-06T19:30"),
        ("a moment in quiet hours is never used", "2026-03-05T10:00", person(time(22, 0)), "2026-03-06T08:00"),
        ("spring Sunday", "2026-03-29T09:00", person(), "2026-03-29T15:30"),
        ("autumn Sunday", "2026-10-25T09:00", person(), "2026-10-25T15:30"),
        ("King's Day is skipped", "2026-04-27T09:00", person(), "2026-04-28T15:30"),
        ("Easter Monday is skipped", "2026-04-06T09:00", person(), "2026-04-07T15:30"),
        ("paused until Thursday", "2026-03-02T09:00", person(paused_until=local("2026-03-05T00:00")), "2026-03-05T15:30"),
        ("paused until after the moment", "2026-03-05T09:00", person(paused_until=local("2026-03-05T16:00")), "2026-03-05T16:00"),
        ("pupil, default moment in school hours", "2026-03-05T08:00", person(time(9, 0), pupil=True, chose=False), "2026-03-05T15:00"),
        ("pupil chose the morning", "2026-03-05T08:00", person(time(9, 0), pupil=True, chose=True), "2026-03-05T09:00"),
        ("pupil on Saturday: the moment itself", "2026-03-07T08:00", person(time(9, 0), pupil=True, chose=False), "2026-03-07T09:00"),
        ("pupil in the autumn holiday", "2026-10-19T09:00", person(pupil=True), "2026-10-26T15:30"),
        ("pupil in the Christmas holiday", "2026-12-21T09:00", person(pupil=True), "2027-01-04T15:30"),
        ("a resident in the school holiday", "2026-10-19T09:00", person(), "2026-10-19T15:30"),
    ],
)  # fmt: skip
def test_the_next_good_moment(label: str, earliest: str, who: Person, expected: str) -> None:
    found = next_slot(local(earliest), who, CALENDAR)
    assert found == local(expected), f"{label}: {found.astimezone(AMS)}"
    assert found.tzinfo is UTC
    assert allowed_at(found, who, CALENDAR), label


def test_public_holidays_can_be_allowed() -> None:
    calendar = Calendar(
        public_holidays=dutch_public_holidays(2026, 2026), nudge_on_public_holidays=True
    )
    assert next_slot(local("2026-04-27T09:00"), person(), calendar) == local("2026-04-27T15:30")


@pytest.mark.parametrize(
    ("label", "moment", "allowed"),
    [
        ("20:59", "2026-03-05T20:59", True),
        ("21:00 quiet", "2026-03-05T21:00", False),
        ("midnight quiet", "2026-03-06T00:00", False),
        ("07:59 quiet", "2026-03-06T07:59", False),
        ("08:00", "2026-03-06T08:00", True),
        ("spring Sunday 03:30 quiet", "2026-03-29T03:30", False),
        ("autumn Sunday 02:30 (twice) quiet", "2026-10-25T02:30", False),
    ],
)
def test_never_in_quiet_hours(label: str, moment: str, allowed: bool) -> None:
    assert allowed_at(local(moment), person(), CALENDAR) is allowed, label


def test_every_minute_of_a_week_across_the_autumn_sunday_finds_a_slot_outside_quiet_hours() -> None:
    start = local("2026-10-22T00:00").astimezone(UTC)
    for minutes in range(0, 7 * 24 * 60, 17):
        earliest = start + timedelta(minutes=minutes)
        found = next_slot(earliest, person(time(19, 30)), CALENDAR)
        assert found >= earliest
        assert allowed_at(found, person(time(19, 30)), CALENDAR)
        assert found - earliest < timedelta(days=2), "never further than the next day's moment"


@pytest.mark.parametrize(
    ("label", "day", "holiday"),
    [
        ("Monday after the autumn holiday", "2026-10-26", "herfstvakantie"),
        ("Tuesday after it: not the first", "2026-10-27", None),
        ("Sunday: no school", "2026-10-25", None),
        ("after Christmas: Monday 4 January", "2027-01-04", "kerstvakantie"),
        ("an ordinary Thursday", "2026-03-05", None),
    ],
)
def test_the_first_school_day_after_a_holiday(label: str, day: str, holiday: str | None) -> None:
    found = CALENDAR.welcome_back(date.fromisoformat(day))
    assert (found.name if found else None) == holiday, label


def test_a_public_holiday_right_after_the_school_holiday_moves_the_first_school_day() -> None:
    spring = Holiday("meivakantie", date(2026, 4, 25), date(2026, 5, 3))
    calendar = Calendar(
        public_holidays=frozenset({date(2026, 5, 4)}),  # an example: a Monday off
        school_holidays=(spring,),
    )
    assert calendar.welcome_back(date(2026, 5, 4)) is None
    assert calendar.welcome_back(date(2026, 5, 5)) == spring


def test_the_welcome_back_slot_is_that_day_or_none() -> None:
    pupil = person(pupil=True)
    assert slot_on(date(2026, 10, 26), pupil, CALENDAR) == local("2026-10-26T15:30")
    assert slot_on(date(2026, 10, 20), pupil, CALENDAR) is None, "still the holiday"


# Caps --------------------------------------------------------------------------------------

NOW = local("2026-03-05T15:30")


@pytest.mark.parametrize(
    ("label", "recent", "activity", "expected"),
    [
        ("nothing recent", Recent(), None, NOW),
        ("one yesterday", Recent(1, local("2026-03-04T15:30"), local("2026-03-04T15:30")), None, NOW),
        ("one this morning: tomorrow", Recent(1, local("2026-03-05T09:00"), local("2026-03-05T09:00")), None, local("2026-03-06T00:00")),
        ("three this week: a week after the oldest", Recent(3, local("2026-02-28T15:30"), local("2026-03-03T15:30")), None, local("2026-03-07T15:30")),
        ("two this week: fine", Recent(2, local("2026-02-28T15:30"), local("2026-03-03T15:30")), None, NOW),
        ("wrote an hour ago", Recent(), local("2026-03-05T14:30"), local("2026-03-06T02:30")),
        ("wrote yesterday", Recent(), local("2026-03-04T10:00"), NOW),
    ],
)  # fmt: skip
def test_caps(label: str, recent: Recent, activity: datetime | None, expected: datetime) -> None:
    assert (
        not_before(recent, now=NOW, zone=AMS, per_week=3, last_activity_at=activity) == expected
    ), label


def test_a_cap_of_one_a_day_holds_across_midnight_on_the_autumn_sunday() -> None:
    sent = local("2026-10-25T01:30")  # before the repeated hour
    earliest = not_before(Recent(1, sent, sent), now=local("2026-10-25T02:30"), zone=AMS)
    assert earliest == local("2026-10-26T00:00")


# Variety -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "seed", "last", "expected"),
    [
        ("spread by the seed", 7, None, 2),
        ("the same as last time moves on", 7, "1.2", 3),
        ("last time another rung", 7, "2.2", 2),
        ("wraps around", 4, "1.4", 0),
    ],
)
def test_never_the_same_text_twice_in_a_row(
    label: str, seed: int, last: str | None, expected: int
) -> None:
    assert pick_variant(5, seed=seed, last=last, rung=1) == expected, label


def test_a_person_nudged_again_and_again_never_gets_the_same_text_twice_in_a_row() -> None:
    last: str | None = None
    for seed in range(200):
        rung = 1 + seed % 3 if seed % 5 else 1
        variant = pick_variant(5, seed=seed // 2, last=last, rung=rung)
        assert text_id(rung, variant) != last
        last = text_id(rung, variant)
