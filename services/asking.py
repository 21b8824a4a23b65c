"""A client (or a parent) asks their professional something (issue 9, points 1, 3, 5, 6).

Free text that answers nothing waiting, and a photo or voice note, is kept and offered as a
question: "Ja, stuur het" (`q:y:<reply>`), "Nee, het was een antwoord" (`q:n`: kept with their
answers) or "Annuleer" (`q:x`: not sent, its words removed; that they wrote is logged). A sent
question reaches who answers for the client now (`colleagues.responder`: the stand-in during
leave) at once, with the client's name (a parent as the parent of their child), the photo or
voice note it came with, and a reply button (services/questions.py). Who cannot be reached
(blocked the bot, never opened their link) hands it to the organisation's professionals on
duty; with nobody at all, the client hears so at once, with the organisation's face-to-face
contact. The client always hears when to expect an answer: during the professional's chat
consultation hour "snel" (the question is marked quick), else within the organisation's
answer days and when the next hour is.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlmodel import select

from content.telegram_text import utf16_length
from services import colleagues, consult, safety
from services.callbacks import Callback, pack
from services.invites import confirm_buttons
from services.messages import Button, keyboard
from services.questions import relay_buttons
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage.alerts import on_duty
from storage.models import Client, Organisation, Professional, Question, Reply

log = logging.getLogger(__name__)

LONG = 2000  # characters: a question this long is told it arrived whole
KEPT = 4096  # characters kept of one message (Telegram's own limit for one)
RELAY_PART = 3500  # UTF-16 units per relayed message (Telegram: 4096, with our heading)


def offer(unit: Unit, client: Client, note: Reply) -> None:
    """The kept message offered as a question, with who would get it."""
    owner = unit.session.get_one(Professional, client.professional_id)
    professional = colleagues.responder(unit, owner)
    to_client(
        unit,
        client,
        kind="question",
        text=unit.render(
            "question_offer",
            client.language,
            professional=professional.name,
            away=owner.name if professional is not owner else "",
        ),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("question.send", client.language),
                        data=pack("q", "y", note.id or 0),
                    )
                ],
                [
                    Button(
                        unit.label("question.keep", client.language),
                        data=pack("q", "n", note.id or 0),
                    )
                ],
                [
                    Button(
                        unit.label("question.cancel", client.language),
                        data=pack("q", "x", note.id or 0),
                    )
                ],
            ]
        ),
    )


def answer_offer(unit: Unit, client: Client, callback: Callback) -> None:
    """`q:y|n|x:<reply>`: send it, keep it as an answer, or neither."""
    note_id = callback.int_part(1)
    note = unit.session.get(Reply, note_id) if note_id is not None else None
    if note is None or note.client_id != client.id or note.kind not in ("note", "photo", "voice"):
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    choice = callback.part(0)
    asked = unit.session.exec(select(Question).where(Question.reply_id == note.id)).first()
    if asked is not None or choice not in ("y", "n", "x"):  # sent already (a second press)
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    if choice == "n":
        unit.edit_pressed(unit.render("question_kept", client.language))
        unit.answer_callback()
        return
    if choice == "x":
        # Not sent and not kept: the words go; that something was written stays in the log.
        note.kind, note.text_enc, note.media_enc, note.file_enc = "withdrawn", None, None, None
        unit.edit_pressed(unit.render("question_cancelled", client.language))
        unit.answer_callback()
        return
    send(unit, client, note)
    unit.answer_callback()


def send(unit: Unit, client: Client, note: Reply) -> None:
    owner = unit.session.get_one(Professional, client.professional_id)
    professional = colleagues.responder(unit, owner)
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    recipients = [professional] if safety.reachable(professional) else []
    if not recipients:
        recipients = on_duty(session=unit.session, organisation_id=client.organisation_id)
    if note.kind == "note":
        note.kind = "question"
    question = Question(
        client_id=client.id or 0,
        # Whose question it is: the client's own professional (their stand-in may answer it
        # during leave); someone on duty when theirs cannot be reached.
        professional_id=(
            recipients[0].id if recipients and recipients[0] is not professional else owner.id
        )
        or 0,
        reply_id=note.id or 0,
        asked_at=unit.now,
        quick=bool(recipients) and consult.now_open(unit, recipients[0]),
    )
    unit.session.add(question)
    unit.session.flush()
    text = unit.cipher.decrypt(note.text_enc) if note.text_enc else ""
    for recipient in recipients[:1]:
        _relay(unit, client, question, recipient, text, note)
    if not recipients:
        log.error("question %s has no professional to go to", question.id)
        unit.edit_pressed(
            unit.render(
                "question_undeliverable",
                client.language,
                professional=professional.name,
                contact=organisation.contact,
            )
        )
        return
    answerer = recipients[0]
    zone = ZoneInfo(organisation.time_zone)
    upcoming = consult.next_open(unit, answerer)
    unit.edit_pressed(
        unit.render(
            "question_sent",
            client.language,
            professional=answerer.name,
            answer_days=organisation.answer_days,
            quick=question.quick,
            next_hour=consult.when_text(unit, upcoming, zone, client.language)
            if upcoming and not question.quick
            else "",
            long=len(text) > LONG,
            contact=organisation.contact,
        )
    )


def _relay(
    unit: Unit,
    client: Client,
    question: Question,
    to: Professional,
    text: str,
    note: Reply,
) -> None:
    """The question as the professional gets it: the words (over several messages if need
    be; the buttons under the first), then the photo or voice note it came with."""
    name = safety.describe(unit, client, to.language)
    buttons = (
        # Who is still to be confirmed may be someone else: confirm first, then answer.
        confirm_buttons(unit, client, to.language, unit.name(client.name_enc))
        if client.confirmed_at is None
        else relay_buttons(unit, question, to.language)
    )
    head = unit.render(
        "question_relay",
        to.language,
        name=name,
        text="\ue001",
        unconfirmed=client.confirmed_at is None,
        quick=question.quick,
        media=note.kind if note.kind in ("photo", "voice") else "",
        long=len(text) > LONG,
    )
    room = RELAY_PART - len(head)
    parts = [str(escape(part)) for part in pieces(text, room)] if text else [""]
    to_professional(
        unit,
        to,
        kind="question",
        key=f"question:{question.id}",
        text=head.replace("\ue001", parts[0]),
        buttons=buttons,
    )
    for number, part in enumerate(parts[1:], start=2):
        to_professional(
            unit, to, kind="question", key=f"question:{question.id}:{number}", text=part
        )
    if note.file_enc:
        kind, file_id = unit.cipher.decrypt(note.file_enc).split(":", 1)
        caption = unit.render("question_attachment", to.language, name=name)
        to_professional(
            unit,
            to,
            kind="question",
            key=f"question:{question.id}:file",
            text=caption,
            photo=f"tg:{file_id}" if kind == "photo" else None,
            voice=f"tg:{file_id}" if kind == "voice" else None,
        )


def pieces(text: str, limit: int) -> list[str]:
    """A person's text in parts of at most `limit` UTF-16 units, cut at a line break or a
    space where there is one: nothing of what they wrote is lost."""
    parts: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        cut = limit
        while utf16_length(rest[:cut]) > limit:
            cut -= 1
        space = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:]
    parts.append(rest)
    return [part for part in parts if part.strip()] or [""]
