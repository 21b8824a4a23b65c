"""The bridge to a human, offline (issue 9): crisis alerts that are acknowledged or escalate
to who is on duty, nudges off after a crisis message; the three answers to the question offer;
long questions; the chat consultation hour; an unreachable professional; appointments from
request to reminder. End to end over the sandbox: tests/e2e/test_bridge.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.app import runtime_of
from services.admin import revoke_professional
from services.recipients import to_client
from services.unit import Unit
from storage.db import session_scope
from storage.models import (
    Alert,
    Appointment,
    AppointmentStatus,
    Client,
    Meeting,
    OutboxMessage,
    OutboxStatus,
    Professional,
    Question,
    Reply,
    Traject,
    TrajectMember,
)
from tests.factories import make_professional
from tests.offline import Call, make_text_update, user
from tests.story import PRO, PUPIL, Story, add_client, onboarded, texts

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
JOOST = user(5003, "Joost")


def to(calls: list[Call], chat: int, method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c.method == method and c.params.get("chat_id") == chat]


def labels(story: Story, call: Call) -> dict[str, str]:
    return dict(story.buttons(call))


def on_duty(story: Story, name: str = "Joost", telegram: int = 5003) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        made = make_professional(
            session,
            name=name,
            telegram_user_id=telegram,
            chat_id=telegram,
            bound_at=story.clock.now(),
            on_duty=True,
        )
        return made.id or 0


def sanne(story: Story) -> Client:
    with session_scope(runtime_of(story.app).engine) as session:
        found: Client = session.execute(select(Client)).scalars().first()
        session.expunge(found)
        return found


def alerts(story: Story) -> list[Alert]:
    with session_scope(runtime_of(story.app).engine) as session:
        found = list(session.execute(select(Alert)).scalars())
        session.expunge_all()
        return found


async def ready(story: Story) -> None:
    first = await onboarded(story)  # Monday 2 March 2026, 10:00 in Amsterdam: working hours
    await story.press(PUPIL, labels(story, first)["Gelezen ✔"])


# --- safety ----------------------------------------------------------------------------------


async def test_a_crisis_message_gets_help_at_once_and_an_alert_that_escalates(
    story: Story,
) -> None:
    await ready(story)
    joost = on_duty(story)
    calls = await story.say(PUPIL, "Ik kan niet meer.")
    [help_] = to(calls, 7001)
    text = help_.params["text"]
    for number in ("112", "0800-0113", "0800-0432", "0800-2000"):
        assert number in text, number
    assert "chatbot" in text and "Mirjam leest je bericht" in text
    [alert] = to(calls, 5001)
    assert "Sanne" in alert.params["text"] and "Ik kan niet meer." in alert.params["text"]
    assert list(labels(story, alert)) == ["Ik neem contact op"]
    assert to(calls, 5003) == [], "during working hours Mirjam has 15 minutes first"
    assert calls.index(help_) < calls.index(alert), "the help numbers go first"
    assert sanne(story).nudges_enabled is False, "no nudges until Mirjam switches them on"

    story.clock.advance(timedelta(minutes=14))
    assert to(await story.tick(), 5003) == []
    story.clock.advance(timedelta(minutes=2))
    calls = await story.tick()
    [duty] = to(calls, 5003)
    assert "Mirjam heeft nog niet gereageerd" in duty.params["text"]
    [told] = to(calls, 7001)
    assert "Joost" in told.params["text"] and "113" in told.params["text"]
    assert to(await story.tick(), 5003) == [], "escalated once"

    calls = await story.press(JOOST, labels(story, duty)["Ik neem contact op"])
    assert "Joost heeft je bericht gelezen" in texts(calls, chat=7001)[0]
    assert "Joost neemt contact op met Sanne" in texts(calls, chat=5001)[0]
    [alert_row] = alerts(story)
    assert alert_row.acknowledged_by == joost and alert_row.acknowledged_at is not None
    calls = await story.press(PRO, labels(story, alert)["Ik neem contact op"])
    assert to(calls, 7001) == [], "acknowledged once"
    assert any(
        "Joost" in (c.params.get("text") or "") for c in calls if c.method.startswith("answer")
    )


@SQLITE_ONLY
async def test_acknowledged_in_time_it_does_not_escalate(story: Story) -> None:
    await ready(story)
    on_duty(story)
    [alert] = to(await story.say(PUPIL, "ik wil dood"), 5001)
    calls = await story.press(PRO, labels(story, alert)["Ik neem contact op"])
    assert "Mirjam heeft je bericht gelezen" in texts(calls, chat=7001)[0]
    story.clock.advance(timedelta(hours=1))
    assert to(await story.tick(), 5003) == []


@SQLITE_ONLY
async def test_outside_working_hours_who_is_on_duty_gets_it_at_once(story: Story) -> None:
    await ready(story)
    on_duty(story)
    story.clock.advance(timedelta(hours=12))  # Monday 22:00 in Amsterdam
    calls = await story.say(PUPIL, "hij slaat me")
    [help_] = to(calls, 7001)
    assert "Mirjam werkt nu niet. Joost heeft dienst" in help_.params["text"]
    assert to(calls, 5001) and to(calls, 5003), "both get it: Mirjam reads it in the morning"


@SQLITE_ONLY
async def test_with_nobody_on_duty_after_hours_the_client_is_told_to_call(story: Story) -> None:
    await ready(story)
    story.clock.advance(timedelta(hours=12))
    [help_] = to(await story.say(PUPIL, "Ik wil er niet meer zijn"), 7001)
    assert "Wacht niet: bel een nummer hierboven" in help_.params["text"]


@SQLITE_ONLY
async def test_ordinary_words_are_not_a_crisis(story: Story) -> None:
    await ready(story)
    for text in ("Ik ga dood van het lachen!", "Ik kan niet meer wachten tot vrijdag"):
        calls = await story.say(PUPIL, text)
        [offer] = to(calls, 7001)
        assert "als vraag naar Mirjam sturen" in offer.params["text"]
        assert to(calls, 5001) == []
    assert alerts(story) == []


@SQLITE_ONLY
async def test_a_professional_switches_nudges_back_on(story: Story) -> None:
    await ready(story)
    await story.say(PUPIL, "ik wil niet meer leven")
    assert sanne(story).nudges_enabled is False
    await story.press(PRO, f"cl:n:{sanne(story).id}")
    assert sanne(story).nudges_enabled is True


# --- questions -------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_the_three_answers_to_the_question_offer(story: Story) -> None:
    await ready(story)
    [offer] = to(await story.say(PUPIL, "Ik vond het best spannend"), 7001)
    assert list(labels(story, offer)) == ["Ja, stuur het", "Nee, het was een antwoord", "Annuleer"]
    calls = await story.press(PUPIL, labels(story, offer)["Nee, het was een antwoord"])
    assert "bewaard bij je antwoorden" in texts(calls, "editMessageText", chat=7001)[0]
    [offer] = to(await story.say(PUPIL, "Laat maar, verkeerd getypt"), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Annuleer"])
    assert "weggegooid" in texts(calls, "editMessageText", chat=7001)[0]
    assert to(calls, 5001) == []
    with session_scope(runtime_of(story.app).engine) as session:
        kinds = {r.kind: r.text_enc for r in session.execute(select(Reply)).scalars()}
    assert kinds["note"] is not None, "kept as an answer"
    assert "withdrawn" in kinds and kinds["withdrawn"] is None, "logged, its words gone"


@SQLITE_ONLY
async def test_a_long_question_arrives_whole_and_the_client_is_told(story: Story) -> None:
    await ready(story)
    long = " ".join(["Ik vraag me af hoe het verder moet met school."] * 85)  # 3,994 characters
    assert 3900 < len(long) <= 4096  # Telegram's own limit for one message
    [offer] = to(await story.say(PUPIL, long), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Ja, stuur het"])
    relayed = to(calls, 5001)
    assert len(relayed) == 2, "over two messages"
    joined = "".join(c.params["text"] for c in relayed)
    assert joined.count("hoe het verder moet") == 85
    assert "Je bericht is lang" in texts(calls, "editMessageText", chat=7001)[0]


@SQLITE_ONLY
async def test_the_consultation_hour_marks_questions_quick(story: Story) -> None:
    await ready(story)  # Monday 2 March
    calls = await story.say(PRO, "/spreekuur")
    assert "Je hebt nog geen chatspreekuur" in texts(calls, chat=5001)[0]
    assert "Dat kan ik niet lezen" in texts(await story.say(PRO, "woensdag ergens"), chat=5001)[0]
    calls = await story.say(PRO, "wo 15:00-16:00")
    assert "Je chatspreekuur: wo 15:00-16:00" in texts(calls, chat=5001)[0]

    [offer] = to(await story.say(PUPIL, "Mag ik iets later komen?"), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Ja, stuur het"])
    sent = texts(calls, "editMessageText", chat=7001)[0]
    assert "Het volgende chatspreekuur is woensdag 04-03 om 15:00" in sent
    assert "⚡" not in to(calls, 5001)[0].params["text"]

    story.clock.set(datetime(2026, 3, 4, 14, 10, tzinfo=UTC))  # Wednesday 15:10 in Amsterdam
    [offer] = to(await story.say(PUPIL, "Is het morgen om 9 uur?"), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Ja, stuur het"])
    assert "Het is nu chatspreekuur" in texts(calls, "editMessageText", chat=7001)[0]
    assert "⚡ spreekuur" in to(calls, 5001)[0].params["text"]
    with session_scope(runtime_of(story.app).engine) as session:
        quick = [q.quick for q in session.execute(select(Question)).scalars()]
    assert quick == [False, True]


@SQLITE_ONLY
async def test_an_unreachable_professional_hands_the_question_to_who_is_on_duty(
    story: Story,
) -> None:
    await ready(story)
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Professional, 1).unreachable_since = story.clock.now()
    [offer] = to(await story.say(PUPIL, "Wanneer is het gesprek?"), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Ja, stuur het"])
    assert "Je hebt nog geen" not in texts(calls, "editMessageText", chat=7001)[0]
    assert "kan Mirjam nu niet bereiken" in texts(calls, "editMessageText", chat=7001)[0]

    on_duty(story)
    [offer] = to(await story.say(PUPIL, "Wanneer is het gesprek nou?"), 7001)
    calls = await story.press(PUPIL, labels(story, offer)["Ja, stuur het"])
    [relay] = to(calls, 5003)
    assert "Verstuurd naar Joost" in texts(calls, "editMessageText", chat=7001)[0]
    calls = await story.press(JOOST, labels(story, relay)["Beantwoorden"])
    calls = await story.say(JOOST, "Donderdag om 14:00.")
    assert "Donderdag om 14:00." in texts(calls, chat=7001)[0]


# --- appointments ----------------------------------------------------------------------------


def appointment(story: Story) -> Appointment:
    with session_scope(runtime_of(story.app).engine) as session:
        found: Appointment = session.execute(select(Appointment)).scalar_one()
        session.expunge(found)
        return found


async def requested(story: Story, kind: str = "Bellen") -> tuple[Call, Call]:
    """Sanne asks for a call at the first moment offered; (her message, Mirjam's request)."""
    [menu] = to(await story.say(PUPIL, "/afspraak"), 7001)
    assert list(labels(story, menu)) == ["Bellen", "Videobellen", "Langskomen"]
    calls = await story.press(PUPIL, labels(story, menu)[kind])
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert "Bellen: welk moment past je?" in edit.params["text"]
    moments = [label for label, _ in story.buttons(edit)]
    assert moments == ["di 03-03 10:00", "di 03-03 14:00", "wo 04-03 10:00", "wo 04-03 14:00"]
    calls = await story.press(PUPIL, labels(story, edit)["di 03-03 14:00"])
    [request] = to(calls, 5001)
    assert "Sanne</b> vraagt een afspraak: Bellen, dinsdag 03-03 om 14:00" in request.params["text"]
    return edit, request


@SQLITE_ONLY
async def test_an_appointment_is_accepted_becomes_a_meeting_and_is_reminded(story: Story) -> None:
    await ready(story)
    _, request = await requested(story)
    calls = await story.press(PRO, labels(story, request)["Accepteren"])
    assert "Afgesproken met Mirjam: Bellen, dinsdag 03-03 om 14:00" in texts(calls, chat=7001)[0]
    assert "Afgesproken met Sanne" in texts(calls, chat=5001)[0]
    with session_scope(runtime_of(story.app).engine) as session:
        [meeting] = session.execute(select(Meeting)).scalars()
        assert meeting.planned_for == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
    story.clock.set(datetime(2026, 3, 2, 12, 59, tzinfo=UTC))
    assert to(await story.tick(), 7001) == []
    story.clock.set(datetime(2026, 3, 2, 13, 1, tzinfo=UTC))
    calls = await story.tick()
    assert "Morgen: Bellen met Mirjam" in texts(calls, chat=7001)[0]
    assert "Morgen: Bellen met Sanne" in texts(calls, chat=5001)[0]
    assert to(await story.tick(), 7001) == [], "one reminder"


@SQLITE_ONLY
async def test_the_professional_proposes_another_moment_and_the_client_takes_it(
    story: Story,
) -> None:
    await ready(story)
    _, request = await requested(story)
    calls = await story.press(PRO, labels(story, request)["Ander moment"])
    [other] = [c for c in calls if c.method == "editMessageText"]
    calls = await story.press(PRO, labels(story, other)["wo 04-03 10:00"])
    [proposal] = to(calls, 7001)
    assert "stelt voor: Bellen, woensdag 04-03 om 10:00" in proposal.params["text"]
    assert appointment(story).status == AppointmentStatus.PROPOSED
    await story.press(PUPIL, labels(story, proposal)["Dat past"])
    assert appointment(story).status == AppointmentStatus.CONFIRMED


@SQLITE_ONLY
async def test_a_declined_appointment_brings_the_note_and_the_way_to_come_by(story: Story) -> None:
    await ready(story)
    _, request = await requested(story)
    await story.press(PRO, labels(story, request)["Afwijzen"])
    calls = await story.say(PRO, "Die dag ben ik op cursus. Vrijdag?")
    text = texts(calls, chat=7001)[0]
    assert "Die dag ben ik op cursus. Vrijdag?" in text and "/afspraak" in text
    assert appointment(story).status == AppointmentStatus.DECLINED
    assert appointment(story).note_enc is not None


@SQLITE_ONLY
async def test_the_client_moves_and_then_cancels(story: Story) -> None:
    await ready(story)
    _, request = await requested(story)
    await story.press(PRO, labels(story, request)["Accepteren"])
    [status] = to(await story.say(PUPIL, "/afspraak"), 7001)
    assert "Je afspraak met Mirjam: Bellen, dinsdag 03-03 om 14:00" in status.params["text"]
    calls = await story.press(PUPIL, labels(story, status)["Verzetten"])
    [edit] = [c for c in calls if c.method == "editMessageText"]
    calls = await story.press(PUPIL, labels(story, edit)["wo 04-03 14:00"])
    [moved] = to(calls, 5001)
    assert "wil de afspraak verzetten naar: Bellen, woensdag 04-03 om 14:00" in moved.params["text"]
    assert appointment(story).status == AppointmentStatus.REQUESTED
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Meeting)).first() is None, "no longer a planned meeting"
    await story.press(PRO, labels(story, moved)["Accepteren"])
    [status] = to(await story.say(PUPIL, "/afspraak"), 7001)
    calls = await story.press(PUPIL, labels(story, status)["Afzeggen"])
    assert "Sanne heeft afgezegd" in texts(calls, chat=5001)[0]
    assert appointment(story).status == AppointmentStatus.CANCELLED
    assert appointment(story).remind_at is None


# --- nothing a client writes is dropped ------------------------------------------------------


def media_update(kind: str, *, caption: str | None = None) -> dict[str, Any]:
    update = make_text_update("x", from_user=PUPIL)
    message = update["message"]
    del message["text"]
    if kind == "photo":
        message["photo"] = [{"file_id": "ph1", "file_unique_id": "u1", "width": 9, "height": 9}]
    else:
        message["voice"] = {"file_id": "vo1", "file_unique_id": "u2", "duration": 2}
    if caption:
        message["caption"] = caption
    return update


INPUTS: list[tuple[str, Any]] = [
    ("text", "Hoe laat is het gesprek?"),
    ("text", "<b>&amp; {{ 7*7 }}"),
    ("text", "ik wil dood"),
    ("text", "/onbekend"),
    ("text", "x" * 4096),
    ("photo", None),
    ("photo", "Kijk, mijn rooster"),
    ("voice", None),
]
STATES = ["step waiting", "moment asked", "pause asked", "check-in day asked", "stopped"]


@SQLITE_ONLY
@pytest.mark.parametrize("state", STATES)
async def test_every_message_is_logged_or_answered(story: Story, state: str) -> None:
    first = await onboarded(story)
    if state == "moment asked":
        await story.say(PUPIL, "/start")
    elif state == "pause asked":
        [menu] = to(await story.say(PUPIL, "/pauze"), 7001)
        await story.press(PUPIL, [d for _, d in story.buttons(menu)][-1])
    elif state == "check-in day asked":
        await story.say(PUPIL, "/checkindag")
    elif state == "stopped":
        await story.say(PUPIL, "/stop")
    else:
        assert first.params["chat_id"] == 7001
    for kind, value in INPUTS:
        before = story.rows(Reply)
        if kind == "text":
            calls = await story.say(PUPIL, value)
        else:
            update = media_update(kind, caption=value)
            await story.app.process_update(Update.de_json(update, story.app.bot))
            calls = await story.flush()
        answered = [c for c in calls if c.params.get("chat_id") == 7001]
        assert story.rows(Reply) > before or answered, f"{state}: {kind} {value!r:.40} dropped"


# --- a pupil's line without a parent ---------------------------------------------------------


@SQLITE_ONLY
async def test_a_parent_is_unlinked_and_a_pupils_crisis_never_reaches_them(story: Story) -> None:
    await ready(story)
    karin = add_client(story, "Karin", 7002, role="parent")
    with session_scope(runtime_of(story.app).engine) as session:
        traject = session.execute(select(Traject)).scalars().first()
        assert traject is not None
        session.add(
            TrajectMember(traject_id=traject.id, client_id=karin, created_at=story.clock.now())
        )
    calls = await story.say(PUPIL, "ze slaan me thuis")
    assert to(calls, 7002) == [], "never to a parent"
    assert "Sanne" in to(calls, 5001)[0].params["text"]

    runtime = runtime_of(story.app)
    with session_scope(runtime.engine) as session:  # a together step planned for later
        unit = Unit(
            session=session, now=story.clock.now(), content=runtime.content, cipher=runtime.cipher
        )
        to_client(
            unit,
            session.get_one(Client, karin),
            kind="exercise",
            text="Samen ademen",
            key="step:1:samen:2",
            due_at=story.clock.now() + timedelta(days=1),
        )
        unit.flush()
    [page] = to(await story.press(PRO, f"cl:o:{sanne(story).id}"), 5001)
    calls = await story.press(PRO, labels(story, page)["Ouders"])
    [ask] = to(calls, 5001)
    assert "Ik zeg de ouder niets" in ask.params["text"]
    calls = await story.press(PRO, labels(story, ask)["Karin loskoppelen"])
    assert "Karin is losgekoppeld van de lijn van Sanne" in texts(calls, chat=5001)[0]
    assert to(calls, 7002) == []
    assert story.rows(TrajectMember) == 0
    with session_scope(runtime.engine) as session:
        planned = session.execute(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "step:1:samen:2")
        ).scalar_one()
        assert planned.status == OutboxStatus.FAILED, "what waited for Karin does not go"
    assert stale_answer(await story.press(PRO, labels(story, ask)["Karin loskoppelen"]))
    # Karin can still ask Mirjam something, as a parent.
    karin_user = user(7002, "Karin")
    [offer] = to(await story.say(karin_user, "Hoe gaat het met Sanne?"), 7002)
    calls = await story.press(karin_user, labels(story, offer)["Ja, stuur het"])
    assert "Vraag van Karin (ouder)" in to(calls, 5001)[0].params["text"]


def stale_answer(calls: list[Call]) -> bool:
    return any(
        "werkt niet meer" in (c.params.get("text") or "")
        for c in calls
        if c.method == "answerCallbackQuery"
    )


# --- what a review found: forged, repeated and late presses ----------------------------------


@SQLITE_ONLY
async def test_someone_on_duty_cannot_take_an_alert_that_was_not_sent_to_them(
    story: Story,
) -> None:
    await ready(story)
    on_duty(story)
    await story.say(PUPIL, "ik wil dood")  # working hours: Mirjam's alone for 15 minutes
    [alert] = alerts(story)
    calls = await story.press(JOOST, f"al:{alert.id}")
    assert stale_answer(calls) and to(calls, 7001) == []
    assert alerts(story)[0].acknowledged_at is None


@SQLITE_ONLY
async def test_a_photo_question_is_sent_once_however_often_it_is_pressed(story: Story) -> None:
    await ready(story)
    await story.app.process_update(
        Update.de_json(media_update("photo", caption="Dit?"), story.app.bot)
    )
    [offer] = to(await story.flush(), 7001)
    send = labels(story, offer)["Ja, stuur het"]
    first = await story.press(PUPIL, send)
    assert to(first, 5001, "sendPhoto"), "the photo comes along"
    again = await story.press(PUPIL, send)
    assert stale_answer(again) and to(again, 5001) == [] and to(again, 5001, "sendPhoto") == []
    assert story.rows(Question) == 1
    assert stale_answer(await story.press(PUPIL, send.replace(":y:", ":z:")))


@SQLITE_ONLY
async def test_forged_moments_are_refused_without_a_crash(story: Story) -> None:
    await ready(story)
    for data in ("ap:t:call:99999999999999999", "ap:t:chat:29540000", "ap:t:call:29540001"):
        calls = await story.press(PUPIL, data)
        assert stale_answer(calls), data
        assert to(calls, 5001) == []
    assert story.rows(Appointment) == 0


@SQLITE_ONLY
async def test_a_past_appointment_cannot_be_cancelled_and_a_stopped_client_is_not_reminded(
    story: Story,
) -> None:
    await ready(story)
    _, request = await requested(story)
    await story.press(PRO, labels(story, request)["Accepteren"])
    await story.say(PUPIL, "/stop")
    story.clock.set(datetime(2026, 3, 2, 13, 1, tzinfo=UTC))  # the day before, 14:01
    calls = await story.tick()
    assert to(calls, 7001) == [], "after /stop: no reminder"
    assert "Morgen: Bellen met Sanne" in texts(calls, chat=5001)[0]
    story.clock.set(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))  # after the call
    calls = await story.press(PUPIL, f"ap:x:{appointment(story).id}")
    assert stale_answer(calls) and appointment(story).status == AppointmentStatus.CONFIRMED


@SQLITE_ONLY
async def test_a_week_holds_at_most_seven_consultation_hours(story: Story) -> None:
    await ready(story)
    await story.say(PRO, "/spreekuur")
    many = ", ".join(f"{day} 9-10, {day} 14-15" for day in ("ma", "di", "wo", "do"))
    assert "Dat kan ik niet lezen" in texts(await story.say(PRO, many), chat=5001)[0]
    calls = await story.say(PRO, "ma 9-10, di 9-10, wo 9-10, do 9-10, vr 9-10, za 9-10, zo 9-10")
    assert "Je chatspreekuur: ma 09:00-10:00" in texts(calls, chat=5001)[0]


@SQLITE_ONLY
async def test_a_revoked_professionals_appointment_goes_to_their_successor(story: Story) -> None:
    await ready(story)
    _, request = await requested(story)
    await story.press(PRO, labels(story, request)["Accepteren"])
    peter = on_duty(story, "Peter", 5002)
    with session_scope(runtime_of(story.app).engine) as session:
        revoke_professional(
            session=session, professional_id=1, transfer_to=peter, now=story.clock.now()
        )
    assert appointment(story).professional_id == peter
    story.clock.set(datetime(2026, 3, 2, 13, 1, tzinfo=UTC))  # the day before
    calls = await story.tick()
    assert "Morgen: Bellen met Sanne" in texts(calls, chat=5002)[0]
    assert "Morgen: Bellen met Peter" in texts(calls, chat=7001)[0]
