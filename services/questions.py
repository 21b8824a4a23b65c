"""The professional answers a client's question (the bridge of issue 9, its first part).

A relayed question (services/clients.py) carries "Beantwoorden" (`qa:a:<question>`) and
"Afgehandeld" (`qa:c:<question>`: answered some other way, by phone or face to face). The
answer is the professional's next text after "Beantwoorden", or a Telegram reply to the
relayed question (its outbox key `question:<id>` ties the message to the question). It reaches
the client in their chat by the professional's name, with the question it answers, and is kept
encrypted with the question: open, then answered, then closed when the client presses
"Duidelijk, dank je" (`qc:<question>`) or the professional marks it handled.
"""

from __future__ import annotations

from content.telegram_text import clip
from services import colleagues
from services.audit import audit
from services.callbacks import Callback, as_int, pack
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import client_page as queries
from storage.models import Client, Professional, Question, QuestionStatus, Reply

AWAITING = "answer:"
ANSWER_LIMIT = 2000  # characters: an answer, not a letter
QUOTED = 300  # of the question, shown with the answer


def relay_buttons(unit: Unit, question: Question, language: str) -> Keyboard:
    qid = question.id or 0
    return keyboard(
        [
            [
                Button(unit.label("question.answer", language), data=pack("qa", "a", qid)),
                Button(unit.label("question.handled", language), data=pack("qa", "c", qid)),
            ]
        ]
    )


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`qa:a:<question>` (answer) and `qa:c:<question>` (handled otherwise)."""
    found = _own_question(unit, professional, callback.int_part(1))
    if found is None or found[0].status != QuestionStatus.OPEN:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    question, client = found
    unit.answer_callback()
    name = unit.name(client.name_enc)
    if callback.part(0) == "c":
        question.status = QuestionStatus.CLOSED
        unit.remove_pressed_buttons()
        _audit(unit, professional, client, "question_closed")
        to_professional(
            unit,
            professional,
            kind="question_answer",
            text=unit.render("question_handled", professional.language, name=name),
        )
        return
    professional.awaiting = f"{AWAITING}{question.id}"
    to_professional(
        unit,
        professional,
        kind="question_answer",
        text=unit.render("question_answer_ask", professional.language, name=name),
    )


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the answer to a question they chose to answer."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    professional.awaiting = None
    question_id = awaiting.removeprefix(AWAITING)
    found = _own_question(unit, professional, as_int(question_id))
    if found is None or found[0].status != QuestionStatus.OPEN:
        return False
    answer(unit, professional, found[0], found[1], text)
    return True


def reply_to_relay(
    unit: Unit, professional: Professional, text: str, *, replied_message_id: int
) -> bool:
    """A Telegram reply to a relayed question. False: not a reply to one."""
    question_id = queries.keyed_id(
        session=unit.session,
        chat_id=professional.chat_id or 0,
        telegram_message_id=replied_message_id,
        prefix="question",
    )
    found = _own_question(unit, professional, question_id)
    if found is None:
        return False
    if found[0].status != QuestionStatus.OPEN:
        to_professional(
            unit,
            professional,
            kind="question_answer",
            text=unit.render(
                "question_already", professional.language, name=unit.name(found[1].name_enc)
            ),
        )
        return True
    answer(unit, professional, found[0], found[1], text)
    return True


def answer(
    unit: Unit, professional: Professional, question: Question, client: Client, text: str
) -> None:
    text = clip(text.strip(), ANSWER_LIMIT)
    question.status = QuestionStatus.ANSWERED
    question.answered_at = unit.now
    question.answer_enc = unit.cipher.encrypt(text)
    asked = unit.session.get(Reply, question.reply_id)
    asked_text = unit.cipher.decrypt(asked.text_enc) if asked and asked.text_enc else ""
    to_client(
        unit,
        client,
        kind="question_answer",
        text=unit.render(
            "question_answer",
            client.language,
            professional=professional.name,
            question=clip(asked_text, QUOTED),
            answer=text,
        ),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("question.clear", client.language),
                        data=pack("qc", question.id or 0),
                    )
                ]
            ]
        ),
    )
    _audit(unit, professional, client, "question_answered")
    to_professional(
        unit,
        professional,
        kind="question_answer",
        text=unit.render(
            "question_answered", professional.language, name=unit.name(client.name_enc)
        ),
    )


def client_closed(unit: Unit, client: Client, callback: Callback) -> None:
    """`qc:<question>`: the client says the answer is clear."""
    question_id = callback.int_part(0)
    question = unit.session.get(Question, question_id) if question_id is not None else None
    if question is None or question.client_id != client.id:
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    unit.answer_callback()
    unit.remove_pressed_buttons()
    if question.status == QuestionStatus.ANSWERED:
        question.status = QuestionStatus.CLOSED
    to_client(
        unit, client, kind="question_answer", text=unit.render("question_closed", client.language)
    )


def _own_question(
    unit: Unit, professional: Professional, question_id: int | None
) -> tuple[Question, Client] | None:
    """A question of a client this professional may act for (their own, or as a stand-in)."""
    question = unit.session.get(Question, question_id) if question_id is not None else None
    if question is None:
        return None
    client = unit.session.get(Client, question.client_id)
    if client is None or professional.revoked_at is not None:
        return None
    # Theirs to act for, or sent to them (on duty, when the client's own could not be reached).
    if question.professional_id != professional.id and not colleagues.may_act(
        unit, professional, client
    ):
        return None
    return question, client


def _audit(unit: Unit, professional: Professional, client: Client, action: str) -> None:
    audit(
        unit, actor=("professional", professional.id), action=action, subject=("client", client.id)
    )
