"""Feedback: a professional's short reaction to one of a client's answers.

"Antwoorden" on a client's page sends the newest answers as cards, one message each, with a
"Reageer" button; the professional's next text is the reaction (or they reply to a card with
Telegram's own reply). The client gets it as a message from their professional by name, and it
is kept (encrypted) with the answer.
"""

from __future__ import annotations

from content.telegram_text import clip
from services import colleagues
from services.audit import audit
from services.callbacks import Callback, as_int, pack
from services.client_page import answer_text, own_client, step_of, traject_of
from services.messages import Button, keyboard
from services.parent_consent import answers_visible
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import client_page as queries
from storage.models import Client, Feedback, Professional, Reply
from storage.outbox import PRIORITY_PERSONAL

CARDS = 8  # the newest answers, one message each
AWAITING = "feedback:"
FEEDBACK_LIMIT = 1000  # characters: a short reaction, not a letter


def show_cards(unit: Unit, professional: Professional, callback: Callback) -> None:
    client = own_client(unit, professional, callback)
    if client is None:
        return
    unit.answer_callback()
    language = professional.language
    name = unit.name(client.name_enc)
    since = queries.last_meeting(session=unit.session, client_id=client.id or 0)
    found = (  # nothing of theirs is shown before the professional confirmed who they are
        queries.answers_since(session=unit.session, client_id=client.id or 0, since=since)
        if answers_visible(client)
        else []
    )
    if not found:
        to_professional(
            unit,
            professional,
            kind="answer_card",
            text=unit.render("answer_cards_none", language, name=name),
        )
        return
    traject = traject_of(unit, client)
    audit(
        unit,
        actor=("professional", professional.id),
        action="viewed_answers",
        subject=("client", client.id),
    )
    for answer in found[-CARDS:]:
        step = step_of(unit, traject, answer.step_key)
        to_professional(
            unit,
            professional,
            kind="answer_card",
            # The key ties the card to the answer: a Telegram reply to it is feedback on it.
            key=f"card:{answer.id}:{unit.update_id}",
            text=unit.render(
                "answer_card",
                language,
                name=name,
                step=step.title.get(language) if step else unit.label("page.message", language),
                answer=answer_text(unit, step, answer, language),
                when=answer.created_at.strftime("%d-%m"),
            ),
            buttons=keyboard(
                [[Button(unit.label("page.react", language), data=pack("fb", "r", answer.id))]]
            ),
        )


def ask(unit: Unit, professional: Professional, callback: Callback) -> None:
    """ "Reageer" under a card: the next thing they type is the reaction."""
    reply = _own_reply(unit, professional, callback.int_part(1))
    if reply is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    client = unit.session.get_one(Client, reply.client_id)
    professional.awaiting = f"{AWAITING}{reply.id}"
    unit.answer_callback()
    to_professional(
        unit,
        professional,
        kind="feedback_ask",
        text=unit.render("feedback_ask", professional.language, name=unit.name(client.name_enc)),
    )


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the reaction they were asked for. False: not waiting for one."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    professional.awaiting = None
    reply_id = awaiting.removeprefix(AWAITING)
    reply = _own_reply(unit, professional, as_int(reply_id))
    if reply is None:
        return False
    send(unit, professional, reply, text)
    return True


def reply_to_card(
    unit: Unit, professional: Professional, text: str, *, replied_message_id: int
) -> bool:
    """A Telegram reply to an answer card. False: not a reply to one of the cards."""
    reply_id = queries.card_reply_id(
        session=unit.session,
        chat_id=professional.chat_id or 0,
        telegram_message_id=replied_message_id,
    )
    reply = _own_reply(unit, professional, reply_id)
    if reply is None:
        return False
    send(unit, professional, reply, text)
    return True


def send(unit: Unit, professional: Professional, reply: Reply, text: str) -> None:
    client = unit.session.get_one(Client, reply.client_id)
    text = clip(text.strip(), FEEDBACK_LIMIT)
    unit.session.add(
        Feedback(
            reply_id=reply.id or 0,
            professional_id=professional.id or 0,
            text_enc=unit.cipher.encrypt(text),
            created_at=unit.now,
        )
    )
    traject = traject_of(unit, client)
    step = step_of(unit, traject, reply.step_key)
    to_client(
        unit,
        client,
        kind="feedback",
        priority=PRIORITY_PERSONAL,
        text=unit.render(
            "feedback",
            client.language,
            professional=professional.name,
            step=step.title.get(client.language) if step else "",
            text=text,
        ),
    )
    audit(
        unit,
        actor=("professional", professional.id),
        action="gave_feedback",
        subject=("client", client.id),
    )
    to_professional(
        unit,
        professional,
        kind="feedback_sent",
        text=unit.render("feedback_sent", professional.language, name=unit.name(client.name_enc)),
    )


def _own_reply(unit: Unit, professional: Professional, reply_id: int | None) -> Reply | None:
    """A reply of one of this professional's confirmed clients, or None."""
    reply = unit.session.get(Reply, reply_id) if reply_id is not None else None
    if reply is None:
        return None
    client = unit.session.get(Client, reply.client_id)
    if (
        client is None
        or not colleagues.may_act(unit, professional, client)
        or not answers_visible(client)
    ):
        return None
    return reply


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`fb:c:<client>` (the cards) and `fb:r:<reply>` (react to one)."""
    if callback.part(0) == "c":
        show_cards(unit, professional, callback)
    elif callback.part(0) == "r":
        ask(unit, professional, callback)
    else:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
