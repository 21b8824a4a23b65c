"""The professional's digest, offline: at their time (08:30 on working days, or weekly), only
when there is something, every section with exactly the right clients, cut into parts only
where it would not fit, a button to open each client named; /samenvatting changes the time and
the rhythm; a meeting planned from a client's page shows in the week before it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import Meeting, Professional, Question, Reply
from tests.factories import make_traject
from tests.offline import Call
from tests.story import PRO, PUPIL, Story, add_client, onboarded, texts

TELEGRAM_LIMIT = 4096


def digests(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]


def section(text: str, title: str) -> list[str]:
    """The bullet lines under one bold section title."""
    lines = text.split(f"<b>{title}</b>", 1)[1].split("<b>", 1)[0].splitlines()
    return [line.removeprefix("• ") for line in lines if line.startswith("• ")]


async def test_the_digest_lists_exactly_what_needs_the_professional(story: Story) -> None:
    first = await onboarded(story)  # Monday 2 March, 10:00 local
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])  # Sanne: 1 answer
    now = story.clock.now()
    stalled = add_client(story, "Lotte", 8003)
    ignored = add_client(story, "Daan", 8004)
    asked_long_ago = add_client(story, "Finn", 8005)
    asked_today = add_client(story, "Ilse", 8006)
    unreachable = add_client(story, "Bram", 8007, unreachable_since=now - timedelta(days=2))
    add_client(story, "Noor", 8008, confirmed_at=None)
    meets = add_client(story, "Emma", 8009)
    later = add_client(story, "Joris", 8010)
    with session_scope(runtime_of(story.app).engine) as session:
        make_traject(session, client_id=stalled, step_sent_at=now - timedelta(days=6))
        make_traject(
            session,
            client_id=ignored,
            step_sent_at=now - timedelta(days=9),
            nudge_rung=1,
        )
        for client_id, asked in ((asked_today, now), (asked_long_ago, now - timedelta(days=4))):
            reply = Reply(client_id=client_id, kind="question", created_at=asked)
            session.add(reply)
            session.flush()
            session.add(
                Question(client_id=client_id, professional_id=1, reply_id=reply.id, asked_at=asked)
            )
        for day, score in enumerate((3, 5, 8)):
            session.add(
                Reply(
                    client_id=meets,
                    kind="checkin",
                    item_key="spanning",
                    value=str(score),
                    created_at=now - timedelta(days=20 - day),
                )
            )
        for client_id, days in ((meets, 3), (later, 9)):
            planned = now + timedelta(days=days)
            session.add(Meeting(client_id=client_id, professional_id=1, planned_for=planned))

    story.clock.advance(timedelta(hours=21, minutes=29))  # Tuesday 07:29 local: not yet
    assert digests(await story.tick()) == []
    story.clock.advance(timedelta(hours=1, minutes=2))  # 08:31 local
    [digest] = digests(await story.tick())
    text = digest.params["text"]
    assert text.startswith("<b>Duwtje, 03-03-2026</b>")
    assert section(text, "Nieuw") == [  # the first digest: everything so far
        "Sanne: 1 antwoord, nieuwste 02-03 10:00",
        "Finn: 0 antwoorden, 1 bericht, nieuwste 26-02 10:00",
        "Ilse: 0 antwoorden, 1 bericht, nieuwste 02-03 10:00",
        "Emma: 3 antwoorden, nieuwste 12-02 10:00",
    ]
    assert section(text, "Staat stil") == ["Lotte: 7 dagen"]  # on Tuesday
    assert section(text, "Reageert niet op het duwtje") == ["Daan: wacht 10 dagen"]
    assert section(text, "Open vragen") == ["Finn: wacht 5 dagen", "Ilse: sinds gisteren"]
    assert section(text, "Gesprekken deze week") == ["Emma: 05-03 10:00"]  # Joris's is later
    assert section(text, "Check-ins") == ["Emma ▃▅▇ 8"]  # on a 0-10 scale
    assert section(text, "Niet bereikbaar") == ["Bram: sinds 28-02"]
    assert section(text, "Nog te bevestigen") == ["Noor"]
    assert len(text) <= TELEGRAM_LIMIT
    buttons = story.buttons(digest)
    named = {"Sanne", "Lotte", "Daan", "Finn", "Ilse", "Bram", "Noor", "Emma"}
    assert {label for label, _ in buttons} == named
    assert all(data.startswith("cl:o:") for _, data in buttons)
    assert unreachable in {int(data.split(":")[2]) for _, data in buttons}

    story.clock.advance(timedelta(hours=3))
    assert digests(await story.tick()) == [], "one digest a day"


async def test_no_digest_when_there_is_nothing_and_none_at_the_weekend(story: Story) -> None:
    await onboarded(story)  # Sanne's first step is waiting: nothing for Mirjam yet
    story.clock.advance(timedelta(days=1))  # Tuesday 10:00 local
    assert digests(await story.tick()) == []
    add_client(story, "Lotte", 8003, unreachable_since=story.clock.now())
    story.clock.advance(timedelta(days=3))  # Friday 10:00: after Friday's 08:30
    [friday] = digests(await story.tick())
    assert "Lotte" in friday.params["text"]
    story.clock.advance(timedelta(days=1))  # Saturday
    assert digests(await story.tick()) == []
    story.clock.advance(timedelta(days=1))  # Sunday
    assert digests(await story.tick()) == []
    story.clock.advance(timedelta(days=1))  # Monday: still unreachable, so said again
    [monday] = digests(await story.tick())
    assert "Lotte" in monday.params["text"]


async def test_a_long_digest_is_cut_cleanly_with_the_buttons_on_the_last_part(
    story: Story,
) -> None:
    await onboarded(story)
    now = story.clock.now()
    for number in range(180):  # a very full caseload, every one of them stalled
        client_id = add_client(story, f"Cliënt met een lange naam {number:03}", 9000 + number)
        with session_scope(runtime_of(story.app).engine) as session:
            make_traject(session, client_id=client_id, step_sent_at=now - timedelta(days=5))
    story.clock.advance(timedelta(days=1))
    parts = digests(await story.tick())
    assert len(parts) >= 2
    assert all(len(part.params["text"]) <= TELEGRAM_LIMIT for part in parts)
    assert all(not part.params["text"].endswith("<b>") for part in parts)
    listed = [
        line
        for part in parts
        for line in part.params["text"].splitlines()
        if line.startswith("• Cliënt met een lange naam")
    ]
    assert len(listed) == 180 and len(set(listed)) == 180, "every client once, none cut"
    assert all("reply_markup" not in part.params for part in parts[:-1])
    assert 0 < len(story.buttons(parts[-1])) <= 24


async def test_samenvatting_sets_a_weekly_digest_on_a_chosen_day_and_time(story: Story) -> None:
    await onboarded(story)
    add_client(story, "Lotte", 8003, unreachable_since=story.clock.now())
    [settings] = digests(await story.say(PRO, "/samenvatting"))
    assert "08:30" in settings.params["text"] and "werkdag" in settings.params["text"]
    buttons = dict(story.buttons(settings))
    edited = texts(await story.press(PRO, buttons["12:30"]), "editMessageText")
    assert "12:30" in edited[0]
    edited = texts(await story.press(PRO, buttons["wo"]), "editMessageText")
    assert "woensdag" in edited[0]
    with session_scope(runtime_of(story.app).engine) as session:
        mirjam = session.execute(select(Professional)).scalar_one()
        assert (mirjam.digest_time, mirjam.digest_day) == ("12:30", 2)

    story.clock.advance(timedelta(days=1))  # Tuesday: a working day, but not Wednesday
    assert digests(await story.tick()) == []
    story.clock.advance(timedelta(hours=23))  # Wednesday 09:00 local: before 12:30
    assert digests(await story.tick()) == []
    story.clock.advance(timedelta(hours=4))  # Wednesday 13:00
    [weekly] = digests(await story.tick())
    assert "Lotte" in weekly.params["text"]
    for _ in range(6):  # the rest of the week: nothing
        story.clock.advance(timedelta(days=1))
        assert digests(await story.tick()) == []
    story.clock.advance(timedelta(days=1))  # the next Wednesday
    assert len(digests(await story.tick())) == 1


async def test_a_stale_digest_settings_button_changes_nothing(story: Story) -> None:
    await onboarded(story)
    calls = await story.press(PRO, "dg:t:0300")  # not one of the offered times
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params.get("text")
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Professional.digest_time)).scalar_one() == "08:30"


async def test_a_meeting_planned_from_the_page_comes_in_the_digest(story: Story) -> None:
    await onboarded(story)
    [ask] = digests(await story.press(PRO, "cl:p:1"))
    assert "Sanne" in ask.params["text"]
    [again] = digests(await story.say(PRO, "volgende week ergens"))
    assert again.params["text"] == ask.params["text"], "a date it cannot read: asked again"
    [planned] = digests(await story.say(PRO, "05-03 14:30"))
    assert "Sanne" in planned.params["text"] and "05-03" in planned.params["text"]
    with session_scope(runtime_of(story.app).engine) as session:
        meeting = session.execute(select(Meeting)).scalar_one()
        assert meeting.planned_for is not None and meeting.held_at is None
        assert meeting.planned_for.isoformat() == "2026-03-05T13:30:00+00:00"  # 14:30 local
    story.clock.advance(timedelta(days=1))
    [digest] = digests(await story.tick())
    assert section(digest.params["text"], "Gesprekken deze week") == ["Sanne: 05-03 14:30"]
    story.clock.advance(timedelta(days=2, hours=5))  # Thursday 15:00 local, after the meeting
    [held] = digests(await story.press(PRO, "cl:m:1"))
    assert "Sanne" in held.params["text"]
    with session_scope(runtime_of(story.app).engine) as session:
        meeting = session.execute(select(Meeting)).scalar_one()  # no second meeting made
        assert meeting.held_at is not None and meeting.held_at > meeting.planned_for, (
            "the planned meeting is the one held"
        )
    story.clock.advance(timedelta(days=1))
    for call in digests(await story.tick()):
        assert "Gesprekken deze week" not in call.params["text"]


async def test_check_in_trends_show_who_checked_in_since_the_last_digest(story: Story) -> None:
    await onboarded(story)
    now = story.clock.now()
    old, fresh = add_client(story, "Lotte", 8003), add_client(story, "Daan", 8004)
    with session_scope(runtime_of(story.app).engine) as session:
        for client_id, score in ((old, 4), (fresh, 6)):
            session.add(
                Reply(
                    client_id=client_id,
                    kind="checkin",
                    item_key="spanning",
                    value=str(score),
                    created_at=now - timedelta(days=3),
                )
            )
    story.clock.advance(timedelta(days=1))
    [first] = digests(await story.tick())  # the first digest: every trend so far
    assert section(first.params["text"], "Check-ins") == ["Lotte ▄ 4", "Daan ▅ 6"]
    with session_scope(runtime_of(story.app).engine) as session:
        session.add(
            Reply(
                client_id=fresh,
                kind="checkin",
                item_key="spanning",
                value="8",
                created_at=story.clock.now(),
            )
        )
    story.clock.advance(timedelta(days=1))
    [second] = digests(await story.tick())
    assert section(second.params["text"], "Check-ins") == ["Daan ▅▇ 8"], "only what moved"
