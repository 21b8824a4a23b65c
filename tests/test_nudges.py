"""Nudges through the real bot (offline request, SQLite and PostgreSQL), hour by hour on a virtual
clock: the ladder and its end, the name filled in at sending, activity starting over, the
caps, school holidays and the welcome back, an outage, the check-in reminder, and the
professional's own nudge.

Sanne (a pupil, moment "after school", 15:30) joins on Monday 2 March 2026 at 10:00; she reads
step 1 at once, so step 2 comes on Thursday 5 March at 15:30 and counts as stalled from Sunday
8 March (the line's three days). Her weekly check-in comes on Mondays at 15:30.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from reminders.calendar import Holiday
from storage.db import session_scope
from storage.models import Client, Nudge, Organisation, OutboxMessage, Traject
from tests.offline import Call
from tests.story import PRO, PUPIL, Story, onboarded

AMS = ZoneInfo("Europe/Amsterdam")
STEP_2 = "Let op je gedachten"
# Rules of the services alone, whatever the engine: these run on SQLite only, to keep the suite
# short. The tests without it (the ladder, the outage) run on PostgreSQL too, for the sweep's
# queries, the caps and the nudge log.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass(frozen=True)
class Seen:
    at: datetime  # local time of the tick that sent it
    method: str
    text: str
    buttons: tuple[str, ...]
    chat: int


def seen(story: Story, calls: list[Call]) -> list[Seen]:
    now = story.clock.now().astimezone(AMS)
    return [
        Seen(
            now,
            c.method,
            c.params.get("text") or c.params.get("caption") or "",
            tuple(label for label, _ in story.buttons(c)),
            c.params.get("chat_id", 0),
        )
        for c in calls
        if c.method in ("sendMessage", "sendPhoto")
    ]


def is_nudge(message: Seen) -> bool:
    return "Ik ga verder" in message.buttons


async def stalled_sanne(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])  # step 2 on Thursday


async def hours(story: Story, count: int) -> list[Seen]:
    """Tick every hour for `count` hours; everything the bot sent, with when."""
    found: list[Seen] = []
    for _ in range(count):
        story.clock.advance(timedelta(hours=1))
        found += seen(story, await story.tick())
    return found


def set_policy(story: Story, **changes: object) -> None:
    runtime = runtime_of(story.app)
    runtime.policy = replace(runtime.policy, **changes)  # type: ignore[misc, arg-type]


def nudge_rows(story: Story) -> list[Nudge]:
    with session_scope(runtime_of(story.app).engine) as session:
        return list(session.execute(select(Nudge).order_by(Nudge.id)).scalars())  # type: ignore[arg-type]


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


async def test_the_ladder_climbs_three_rungs_at_good_moments_and_then_tells_the_professional(
    story: Story,
) -> None:
    set_policy(story, tell_at_once=True)
    await stalled_sanne(story)
    sent = await hours(story, 24 * 21)
    to_sanne = [m for m in sent if m.chat == 7001]
    nudges = [m for m in to_sanne if is_nudge(m) or "Een week pauze" in m.buttons]
    assert len(nudges) == 3, [(m.at, first_line(m.text)) for m in nudges]
    one, two, three = nudges
    # Rung 1 on Sunday, the first good moment three days after step 2 came.
    assert one.at.date() == date(2026, 3, 8)
    # Every nudge at her moment (15:30) or within the hours after it; never in quiet hours.
    for nudge in nudges:
        assert 15 <= nudge.at.hour <= 18, nudge.at
        assert "Sanne" in first_line(nudge.text), "her name, filled in when it was sent"
        assert STEP_2 not in first_line(nudge.text), "a locked phone shows nothing of the step"
        assert STEP_2 in nudge.text
    # Rung 2 two days later (Tuesday: Monday's check-in took that day's one message).
    assert two.at.date() == date(2026, 3, 10)
    assert set(two.buttons) == {"Ik ga verder", "Even pauzeren"}
    # Rung 3 asks what suits her; the week was full (rung 1, the check-in, rung 2), so it
    # waits until a week after rung 1.
    assert set(three.buttons) == {"Een week pauze", "Ik ga verder", "Even praten met Mirjam"}
    assert three.at.date() == date(2026, 3, 15)
    assert "face-to-face" in three.text
    assert len({one.text, two.text, three.text}) == 3
    # Then no more nudges for this stall, and Mirjam heard at once.
    later = [m for m in to_sanne if m.at > three.at and (is_nudge(m) or "Een week" in m.buttons)]
    assert later == []
    [told] = [m for m in sent if m.chat == 5001 and "reageert niet op de duwtjes" in m.text]
    assert told.at == three.at and "Sanne" in told.text and STEP_2 in told.text
    # The log: three ladder nudges, none followed; the stored messages name nobody.
    ladder = [n for n in nudge_rows(story) if n.kind == "ladder"]
    assert [n.rung for n in ladder] == [1, 2, 3] and all(n.followed_at is None for n in ladder)
    with session_scope(runtime_of(story.app).engine) as session:
        stored = session.execute(
            select(OutboxMessage.payload_enc).where(OutboxMessage.kind == "nudge")  # type: ignore[arg-type]
        ).scalars()
        for payload in stored:
            assert payload.startswith("json:") and "Sanne" not in payload


@SQLITE_ONLY
async def test_a_reaction_counts_as_followed_and_starts_the_ladder_over_with_another_text(
    story: Story,
) -> None:
    await stalled_sanne(story)
    sent = await hours(story, 24 * 6 + 8)  # until Sunday 17:00 or so: rung 1 came
    [first] = [m for m in sent if is_nudge(m)]
    [press] = [
        c
        for c in story.request.calls
        if c.method == "sendMessage" and "Ik ga verder" in dict(story.buttons(c))
    ][-1:]
    calls = await story.press(PUPIL, dict(story.buttons(press))["Ik ga verder"])
    assert any(STEP_2 in m.text for m in seen(story, calls)), "the step comes again"
    [logged] = [n for n in nudge_rows(story) if n.kind == "ladder"]
    assert logged.followed_at is not None, "she acted within 48 hours"
    with session_scope(runtime_of(story.app).engine) as session:
        traject = session.execute(select(Traject)).scalars().one()
        assert traject.nudge_rung == 0 and traject.stall_since is not None
        assert abs(traject.stall_since - story.clock.now()) < timedelta(seconds=5)
    # She lets it wait again: three days on, a new rung 1 (not rung 2) is due on Thursday; the
    # week is full by then (rung 1, Monday's check-in, its reminder on Tuesday), so it comes
    # on Sunday, a week after the first.
    sent = await hours(story, 24 * 8)
    nudges = [m for m in sent if is_nudge(m)]
    assert [m.at.date() for m in nudges] == [date(2026, 3, 15)]
    assert nudges[0].text != first.text, "never the same text twice in a row"
    texts_of = [n.text_id for n in nudge_rows(story) if n.kind == "ladder"]
    assert len(texts_of) == 2 and texts_of[0] != texts_of[1] and texts_of[1].startswith("1.")


@SQLITE_ONLY
async def test_rung_three_offers_a_week_off_or_a_talk_with_the_professional(
    story: Story,
) -> None:
    await stalled_sanne(story)
    await hours(story, 24 * 14)
    [third] = [
        c
        for c in story.request.calls
        if c.method in ("sendMessage", "sendPhoto") and "Een week pauze" in dict(story.buttons(c))
    ]
    calls = await story.press(PUPIL, dict(story.buttons(third))["Even praten met Mirjam"])
    said = seen(story, calls)
    assert any(m.chat == 5001 and "wil graag even met je praten" in m.text for m in said)
    assert any(m.chat == 7001 and "Mirjam neemt contact met je op" in m.text for m in said)
    calls = await story.press(PUPIL, dict(story.buttons(third))["Een week pauze"])
    with session_scope(runtime_of(story.app).engine) as session:
        paused = session.get_one(Client, 1).paused_until
    assert paused is not None
    assert abs(paused - (story.clock.now() + timedelta(days=7))) < timedelta(seconds=5)
    assert [n.followed_at is not None for n in nudge_rows(story) if n.kind == "ladder"][-1]


@SQLITE_ONLY
async def test_a_school_holiday_holds_the_nudges_and_the_first_school_day_welcomes_back(
    story: Story,
) -> None:
    # The spring holiday of 2026 in this test: Saturday 7 until Sunday 15 March.
    set_policy(
        story,
        school_holidays={
            "noord": (Holiday("voorjaarsvakantie", date(2026, 3, 7), date(2026, 3, 15)),)
        },
    )
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Organisation, 1).school_region = "noord"
    await stalled_sanne(story)
    sent = await hours(story, 24 * 15)  # until Tuesday 17 March, 10:00
    to_sanne = [m for m in sent if m.chat == 7001]
    holiday = [m for m in to_sanne if date(2026, 3, 7) <= m.at.date() <= date(2026, 3, 15)]
    assert holiday == [], "nothing automatic to a pupil in her school holiday, no check-in either"
    [welcome] = [m for m in to_sanne if "Welkom terug" in m.text or "vakantie" in m.text]
    assert welcome.at.date() == date(2026, 3, 16) and 15 <= welcome.at.hour <= 18
    assert STEP_2 in welcome.text and "Sanne" in first_line(welcome.text)
    kinds = [n.kind for n in nudge_rows(story) if n.kind in ("welcome", "ladder")]
    assert kinds[:1] == ["welcome"], "the ladder starts over from the welcome back"


async def test_after_a_26_hour_outage_each_person_gets_one_catch_up_not_a_backlog(
    story: Story,
) -> None:
    await stalled_sanne(story)
    await hours(story, 24 * 6 + 2)  # Sunday 8 March, noon: rung 1 is due at 15:30
    # Down for 26 hours, until Monday 14:00: rung 1 was missed, Monday's check-in is near.
    story.clock.advance(timedelta(hours=26))
    sent = seen(story, await story.tick()) + await hours(story, 30)  # until Tuesday 20:00
    to_sanne = [m for m in sent if m.chat == 7001]
    days = [m.at.date() for m in to_sanne]
    assert len(days) == len(set(days)) == 2, "one message a day, no backlog"
    checkin, nudge = to_sanne
    assert "check-in" in checkin.text and checkin.at.date() == date(2026, 3, 9)
    assert is_nudge(nudge) and nudge.at.date() == date(2026, 3, 10), "one catch-up nudge"
    assert [n.rung for n in nudge_rows(story) if n.kind == "ladder"] == [1]
    for message in to_sanne:
        assert 15 <= message.at.hour <= 18


@SQLITE_ONLY
async def test_a_missed_check_in_gets_one_gentle_reminder(story: Story) -> None:
    await onboarded(story)
    # Without the nudge ladder (Mirjam sees her every week): the reminder is the only one.
    await story.press(PRO, "cl:n:1")
    sent = await hours(story, 24 * 10)
    to_sanne = [m for m in sent if m.chat == 7001]
    checkins = [m for m in to_sanne if "check-in" in m.text.lower() and "Nog even" not in m.text]
    reminders = [m for m in to_sanne if "Nog even je check-in" in m.text]
    assert [m.at.date() for m in checkins] == [date(2026, 3, 9)]
    assert len(reminders) == 1 and reminders[0].at.date() == date(2026, 3, 10)
    assert 15 <= reminders[0].at.hour <= 18
    # One automatic message a day: never two on the same day.
    automatic = [m for m in to_sanne if m in checkins or m in reminders or is_nudge(m)]
    days = [m.at.date() for m in automatic]
    assert len(days) == len(set(days)), days


@SQLITE_ONLY
async def test_a_nudge_in_the_professionals_own_words_is_encrypted_and_waits_for_a_good_moment(
    story: Story,
) -> None:
    await stalled_sanne(story)
    await hours(story, 24 * 3 + 6)  # Thursday 16:00 local: step 2 came
    story.clock.advance(timedelta(hours=6))  # 22:00 local: quiet hours
    await story.press(PRO, "cl:u:1")
    await story.press(PRO, "cl:uw:1")
    calls = await story.press(PRO, "cl:ugw:1")
    assert any("Typ je duwtje" in m.text for m in seen(story, calls))
    calls = await story.say(PRO, "Zullen we donderdag samen kijken?")
    [confirmation] = [m for m in seen(story, calls) if m.chat == 5001]
    assert "15:30" in confirmation.text, "her next good moment: tomorrow after school"
    with session_scope(runtime_of(story.app).engine) as session:
        [row] = session.execute(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("nudge:pro:"))  # type: ignore[union-attr]
        ).scalars()
        assert row.personal and not row.payload_enc.startswith("json:")
        assert "donderdag" not in row.payload_enc
    sent = await hours(story, 24)
    [own] = [m for m in sent if m.chat == 7001 and "Een berichtje van Mirjam" in m.text]
    assert "Zullen we donderdag samen kijken?" in own.text
    assert own.at.hour == 15 or own.at.hour == 16
    [logged] = [n for n in nudge_rows(story) if n.kind == "professional"]
    assert logged.text_id == "own"


@SQLITE_ONLY
async def test_a_client_chooses_the_day_of_the_weekly_check_in(story: Story) -> None:
    await onboarded(story)  # Monday 2 March: the weekly check-in would come on Mondays
    await story.press(PRO, "cl:n:1")  # no ladder in the way: the check-ins alone
    calls = await story.say(PUPIL, "/checkindag")
    [ask] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 7001]
    assert "Op welke dag" in ask.params["text"]
    assert [label for label, _ in story.buttons(ask)][3] == "donderdag"
    calls = await story.press(PUPIL, dict(story.buttons(ask))["donderdag"])
    assert any("voortaan op donderdag" in c.params.get("text", "") for c in calls)
    sent = await hours(story, 24 * 16)
    checkins = [m for m in sent if m.chat == 7001 and "korte check-in" in m.text]
    assert [m.at.date() for m in checkins] == [date(2026, 3, 5), date(2026, 3, 12)]
    assert all(15 <= m.at.hour <= 18 for m in checkins)


@SQLITE_ONLY
async def test_a_meeting_starts_the_stall_over_as_nothing_since_the_meeting(story: Story) -> None:
    await stalled_sanne(story)
    await hours(story, 24 * 3 + 6)  # Thursday 16:00: step 2 came
    await story.press(PRO, "cl:m:1")  # a meeting held now
    with session_scope(runtime_of(story.app).engine) as session:
        traject = session.execute(select(Traject)).scalars().one()
        assert traject.stall_reason == "meeting" and traject.nudge_rung == 0
        # Three days after the meeting (Thursday 16:00: Sunday 16:00), at her next moment: Monday
        # 15:30, where without the meeting it would have been Sunday.
        assert traject.next_nudge_at is not None
        assert traject.next_nudge_at.astimezone(AMS) == datetime(2026, 3, 9, 15, 30, tzinfo=AMS)


@SQLITE_ONLY
async def test_the_professional_sets_how_many_days_a_step_may_wait(story: Story) -> None:
    await stalled_sanne(story)
    calls = await story.press(PRO, "cl:s:1")
    [menu] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]
    assert "Nu: 3 dagen" in menu.params["text"]
    assert [label for label, _ in story.buttons(menu)][1] == "3 dagen ✔"
    await story.press(PRO, "cl:s7:1")
    sent = await hours(story, 24 * 11)  # step 2 on Thursday 5: the first nudge a week later
    nudges = [m for m in sent if m.chat == 7001 and is_nudge(m)]
    assert [m.at.date() for m in nudges][:1] == [date(2026, 3, 12)]
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Traject)).scalars().one().stall_days == 7


@SQLITE_ONLY
async def test_a_clock_jump_of_an_hour_either_way_sends_nothing_twice_and_skips_nothing(
    story: Story,
) -> None:
    await stalled_sanne(story)
    sent = await hours(story, 24 * 6 + 6)  # Sunday 16:00: rung 1 went
    assert len([m for m in sent if is_nudge(m)]) == 1
    story.clock.advance(timedelta(hours=-1))  # the clock jumps back an hour
    again = seen(story, await story.tick()) + await hours(story, 2)
    assert [m for m in again if is_nudge(m)] == [], "not twice"
    story.clock.advance(timedelta(hours=1))  # and forward an hour
    later = await hours(story, 24 * 3)
    assert len([m for m in later if is_nudge(m)]) == 1, "rung 2 still comes, once"
    assert [n.rung for n in nudge_rows(story) if n.kind == "ladder"] == [1, 2]


@SQLITE_ONLY
async def test_a_professionals_nudge_right_now_goes_even_in_quiet_hours(story: Story) -> None:
    await stalled_sanne(story)
    await hours(story, 24 * 3 + 12)  # Thursday 22:00: quiet hours
    await story.press(PRO, "cl:u:1")
    await story.press(PRO, "cl:u2:1")
    calls = await story.press(PRO, "cl:un2:1")
    said = seen(story, calls)
    assert any(m.chat == 5001 and "krijgt je duwtje nu" in m.text for m in said)
    [nudge] = [m for m in said if m.chat == 7001]
    assert nudge.at.hour == 22 and "Sanne" in first_line(nudge.text)
    [logged] = [n for n in nudge_rows(story) if n.kind == "professional"]
    assert logged.text_id is not None and logged.text_id.startswith("2.")
