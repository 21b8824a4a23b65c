"""Authorisation, offline: another professional of the same organisation never sees, changes or
sends anything about Mirjam's client, whatever command, button data or Telegram reply they
try; a stand-in only during leave, and after a transfer only the new professional."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import (
    AuditEntry,
    Client,
    Feedback,
    Invite,
    Meeting,
    OutboxMessage,
    Professional,
    Reply,
    Traject,
)
from tests.factories import make_professional
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, onboarded

DAAN = user(5002, "Daan")  # a colleague at the same organisation, with no clients
SECRET = "Mijn geheime antwoord"


def count(story: Story, model: type) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def shown_to_daan(calls: list[Call]) -> list[str]:
    """Whatever reached Daan's chat, as text."""
    return [
        str(c.params.get("text") or c.params.get("caption") or c.params.get("document_bytes"))
        for c in calls
        if c.params.get("chat_id") == 5002 and c.method != "answerCallbackQuery"
    ]


@pytest.fixture
async def setting(story: Story) -> Story:
    """Mirjam with Sanne (confirmed, an answer in her own words, a page and cards opened, an
    open invite), and Daan."""
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await story.say(PUPIL, SECRET)
    await story.press(PRO, "cl:o:1")
    await story.press(PRO, "fb:c:1")
    await story.say(PRO, "/nieuw")
    await story.press(PRO, "nw:l:pupil:faalangst")
    await story.press(PRO, "nw:o:pupil:faalangst")
    with session_scope(runtime_of(story.app).engine) as session:
        make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
    return story


def snapshot(story: Story) -> tuple[object, ...]:
    with session_scope(runtime_of(story.app).engine) as session:
        sanne = session.get_one(Client, 1)
        daan = session.execute(select(Professional).where(Professional.name == "Daan")).scalar_one()
        return (
            sanne.professional_id,
            sanne.confirmed_at,
            sanne.nudges_enabled,
            sanne.status,
            session.execute(select(func.count()).select_from(Feedback)).scalar_one(),
            session.execute(select(func.count()).select_from(Meeting)).scalar_one(),
            session.execute(select(func.count()).select_from(Traject)).scalar_one(),
            [i.revoked_at for i in session.execute(select(Invite)).scalars()],
            session.execute(
                select(func.count()).where(
                    AuditEntry.actor_kind == "professional",  # type: ignore[arg-type]
                    AuditEntry.actor_id == daan.id,  # type: ignore[arg-type]
                )
            ).scalar_one(),
            daan.away_until,
        )


def ids(story: Story, model: type) -> list[int]:
    with session_scope(runtime_of(story.app).engine) as session:
        return list(session.execute(select(model.id)).scalars())  # type: ignore[attr-defined]


async def test_no_button_data_shows_or_changes_another_professionals_client(
    setting: Story,
) -> None:
    story = setting
    before = snapshot(story)
    messages_to_sanne = max(ids(story, OutboxMessage))
    replies, invites, trajecten = ids(story, Reply), ids(story, Invite), ids(story, Traject)
    numbers = sorted({1, 2, 3, *replies, *invites, *trajecten})
    forged = [
        *(f"cl:{what}:{n}" for what, n in itertools.product("ogunmptvx", numbers)),
        *(f"fb:{what}:{n}" for what, n in itertools.product("cr", numbers)),
        *(f"ex:{what}:{n}" for what, n in itertools.product("apt", numbers)),
        *(f"cf:{what}:{n}" for what, n in itertools.product("yn", numbers)),
        *(f"vb:v:{n}" for n in numbers),
        *(f"ta:{what}:{n}" for what, n in itertools.product("mas", numbers)),
        *(f"ta:{what}:{n}:gedachten" for what, n in itertools.product("skt", numbers)),
        *(f"ta:l:{n}:mantelzorg" for n in numbers),
        *(f"ta:p:{n}:mantelzorg:3" for n in numbers),
        *(f"tr:{n}:{m}" for n, m in itertools.product(numbers, (1, 2))),
        *(f"iv:x:{n}" for n in numbers),
        *(f"nw:p:{n}" for n in numbers),
        *(f"nw:c:{n}" for n in numbers),
        "cl:o:-1",
        "cl:o:99999999999999999999",
        "cl:o",
        "fb:r:",
    ]
    for data in forged:
        calls = await story.press(DAAN, data)
        assert not any("Sanne" in t or SECRET in t for t in shown_to_daan(calls)), data
    assert snapshot(story) == before
    with session_scope(runtime_of(story.app).engine) as session:
        to_sanne = session.execute(
            select(func.count()).where(
                OutboxMessage.chat_id == 7001,  # type: ignore[arg-type]
                OutboxMessage.id > messages_to_sanne,  # queued since  # type: ignore[arg-type, operator]
            )
        ).scalar_one()
    assert to_sanne == 0, "nothing was sent to Sanne on Daan's behalf"


async def test_no_command_or_reply_shows_another_professionals_client(setting: Story) -> None:
    story = setting
    before = snapshot(story)
    with session_scope(runtime_of(story.app).engine) as session:
        card_ids = list(
            session.execute(
                select(OutboxMessage.telegram_message_id).where(
                    OutboxMessage.kind.in_(("answer_card", "client_page"))  # type: ignore[attr-defined]
                )
            ).scalars()
        )
    assert card_ids
    for text in (
        "/overzicht",
        "/voorbereiding",
        "/voorbereiding Sanne",
        "/voorbereiding s",
        "/uitnodigingen",
        "/samenvatting",
        "05-03 14:00",
        "Sanne",
    ):
        calls = await story.say(DAAN, text)
        # What Daan typed may be said back to him ("I can't find anyone called 'Sanne'").
        shown = [t.replace(f'"{text.split()[-1]}"', "") for t in shown_to_daan(calls)]
        assert not any("Sanne" in t or SECRET in t for t in shown), (text, shown)
    for message_id in card_ids:  # a forged Telegram reply to Mirjam's cards
        calls = await story.say(DAAN, "Goed gedaan!", reply_to=message_id)
        assert not any("Sanne" in t for t in shown_to_daan(calls))
        assert not [c for c in calls if c.params.get("chat_id") == 7001]
    assert snapshot(story) == before
    assert count(story, Feedback) == 0
