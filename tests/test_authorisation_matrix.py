"""The authorisation matrix (catalogue item 12): every button payload and command, pressed or
typed by every other kind of person (a colleague, a revoked professional, a professional on
duty before anything escalated, another client, a stranger), shows none of Sanne's data and
changes nothing of hers. Sanne has an answer in her own words, an open question, a crisis
alert, an appointment asked and a linked parent, so every id points at something real."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import (
    Alert,
    Appointment,
    Client,
    OutboxMessage,
    Question,
    Reply,
    TrajectMember,
)
from tests.factories import make_professional
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, add_client, onboarded

SECRET = "Mijn geheime antwoord"
QUESTION = "Mag het gesprek later?"
CRISIS = "ik wil dood"
ACTORS = {
    "colleague": user(5002, "Daan"),
    "revoked": user(5003, "Peter"),
    "on duty": user(5004, "Joost"),
    "other client": user(8001, "Tom"),
    "stranger": user(8888, "Onbekend"),
}


def leaks(calls: list[Call], chat: int) -> list[str]:
    shown = [
        str(c.params.get("text") or c.params.get("caption") or c.params.get("document_bytes"))
        for c in calls
        if c.params.get("chat_id") == chat or c.method == "answerCallbackQuery"
    ]
    return [t for t in shown if any(s in t for s in ("Sanne", SECRET, QUESTION, CRISIS))]


def state(story: Story) -> tuple[object, ...]:
    with session_scope(runtime_of(story.app).engine) as session:
        sanne = session.get_one(Client, 1)

        def rows(model: type) -> int:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

        return (
            sanne.professional_id,
            sanne.status,
            sanne.nudges_enabled,
            sanne.consent_version,
            [(q.status, q.answer_enc is None) for q in session.execute(select(Question)).scalars()],
            [(a.status, a.starts_at) for a in session.execute(select(Appointment)).scalars()],
            [a.acknowledged_at for a in session.execute(select(Alert)).scalars()],
            rows(TrajectMember),
            session.execute(
                select(func.count()).select_from(Reply).where(Reply.client_id == 1)  # type: ignore[arg-type]
            ).scalar_one(),
        )


@pytest.fixture
async def world(story: Story) -> Story:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = [c for c in await story.say(PUPIL, SECRET) if c.params.get("chat_id") == 7001]
    await story.press(PUPIL, dict(story.buttons(offer))["Nee, het was een antwoord"])
    [offer] = [c for c in await story.say(PUPIL, QUESTION) if c.params.get("chat_id") == 7001]
    await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    await story.say(PUPIL, CRISIS)
    [menu] = [c for c in await story.say(PUPIL, "/afspraak") if c.params.get("chat_id") == 7001]
    calls = await story.press(PUPIL, dict(story.buttons(menu))["Bellen"])
    [edit] = [c for c in calls if c.method == "editMessageText"]
    await story.press(PUPIL, story.buttons(edit)[0][1])
    karin = add_client(story, "Karin", 7002, role="parent")
    with session_scope(runtime_of(story.app).engine) as session:
        session.add(TrajectMember(traject_id=1, client_id=karin, created_at=story.clock.now()))
        make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        make_professional(
            session,
            name="Peter",
            telegram_user_id=5003,
            chat_id=5003,
            revoked_at=story.clock.now(),
        )
        make_professional(session, name="Joost", telegram_user_id=5004, chat_id=5004, on_duty=True)
    daan = 3
    add_client(story, "Tom", 8001, professional_id=daan)
    await story.press(PRO, "cl:o:1")
    return story


def payloads(story: Story) -> list[str]:
    with session_scope(runtime_of(story.app).engine) as session:
        numbers = sorted(
            {1, 2, 3, 4}
            | set(session.execute(select(Reply.id)).scalars())
            | set(session.execute(select(Appointment.id)).scalars())
        )
        minute = int(session.execute(select(Appointment.starts_at)).scalar_one().timestamp() // 60)
    return [
        *(
            f"cl:{w}:{n}"
            for w, n in itertools.product(["o", "g", "n", "u", "m", "p", "t", "d", "s"], numbers)
        ),
        *(f"fb:{w}:{n}" for w, n in itertools.product("cr", numbers)),
        *(f"ex:{w}:{n}" for w, n in itertools.product("apt", numbers)),
        *(f"vb:v:{n}" for n in numbers),
        *(f"qa:{w}:{n}" for w, n in itertools.product("ac", numbers)),
        *(f"q:{w}:{n}" for w, n in itertools.product("ynx", numbers)),
        *(f"qc:{n}" for n in numbers),
        *(f"al:{n}" for n in numbers),
        *(f"pl:{n}:{m}" for n, m in itertools.product(numbers, numbers)),
        *(f"ap:{w}:{n}" for w, n in itertools.product("aodxymr", numbers)),
        *(f"ap:p:{n}:{minute}" for n in numbers),
        *(f"ap:r:{n}:{minute}" for n in numbers),
        *(f"tr:{n}:{m}" for n, m in itertools.product(numbers, (1, 3))),
        "cr:y",
        "cr:n",
        "vg:a",
        "vg:n",
    ]


COMMANDS = [
    "/overzicht",
    "/voorbereiding Sanne",
    "/afspraak",
    "/mijngegevens",
    "/spreekuur",
    "/pin",
    "/samenvatting",
    "Sanne",
    "Ja, dat mag.",
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", list(ACTORS))
async def test_nobody_else_reads_or_changes_sannes_data(world: Story, who: str) -> None:
    story, actor = world, ACTORS[who]
    before = state(story)
    with session_scope(runtime_of(story.app).engine) as session:
        last = session.execute(select(func.max(OutboxMessage.id))).scalar_one()
    for data in payloads(story):
        calls = await story.press(actor, data)
        assert leaks(calls, actor["id"]) == [], (who, data)
        assert not [
            c
            for c in calls
            if c.params.get("chat_id") == 7001 and c.method != "answerCallbackQuery"
        ], (who, data)
    for text in COMMANDS:
        calls = await story.say(actor, text)
        shown = [t.replace('"Sanne"', "") for t in leaks(calls, actor["id"])]
        assert [t for t in shown if "Sanne" in t or SECRET in t or QUESTION in t] == [], (who, text)
    assert state(story) == before, who
    with session_scope(runtime_of(story.app).engine) as session:
        to_sanne = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.chat_id == 7001,  # type: ignore[arg-type]
                OutboxMessage.id > last,  # type: ignore[arg-type, operator]
            )
        ).scalar_one()
    assert to_sanne == 0, "nothing queued for Sanne on someone else's behalf"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_nothing_personal_goes_to_a_group_chat(world: Story) -> None:
    """Catalogue item 12's second figure: commands that would show personal data, typed in a
    group (by Mirjam herself, or by Sanne), send nothing to the group; Sanne's crisis message
    there is answered in her own chat and alerts Mirjam."""
    from telegram import Update

    from tests.offline import make_text_update

    group = {"id": -100123, "type": "group", "title": "Lotgenoten"}
    for who in (PRO, PUPIL):
        for text in ("/overzicht", "/voorbereiding Sanne", "/mijngegevens", "/afspraak", CRISIS):
            update = make_text_update(text, from_user=who, chat=group)
            await world.app.process_update(Update.de_json(update, world.app.bot))
            calls = await world.flush()
            assert [c for c in calls if c.params.get("chat_id") == group["id"]] == [], text
            if who is PUPIL and text == CRISIS:
                # Not ignored either: help in her own chat, and Mirjam alerted.
                assert any(
                    "0800-0113" in (c.params.get("text") or "")
                    for c in calls
                    if c.params.get("chat_id") == 7001
                )
                assert any(
                    CRISIS in (c.params.get("text") or "")
                    for c in calls
                    if c.params.get("chat_id") == 5001
                )
