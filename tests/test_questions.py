"""A client's question answered through the bot (the first part of the bridge to a human): by
"Beantwoorden" or a Telegram reply to the relayed question; the answer reaches the client by
name, is kept encrypted, and the question goes open, answered, closed. Nobody else's professional
can answer it."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import runtime_of
from services.admin import invite_professional
from storage.db import session_scope
from storage.models import Organisation, OutboxMessage, Question, QuestionStatus
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, onboarded, texts

QUESTION = "Mag ik de toets ook later maken?"
ANSWER = "Ja, dat kan. Zullen we het donderdag samen plannen?"


def to(calls: list[Call], chat: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == chat]


async def asked(story: Story) -> Call:
    """Sanne sends Mirjam a question; the relayed question as Mirjam gets it."""
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = to(await story.say(PUPIL, QUESTION), 7001)
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    [relay] = to(calls, 5001)
    assert QUESTION in relay.params["text"]
    assert [label for label, _ in story.buttons(relay)] == ["Beantwoorden", "Afgehandeld"]
    return relay


def question(story: Story) -> Question:
    with session_scope(runtime_of(story.app).engine) as session:
        found: Question = session.execute(select(Question)).scalar_one()
        return found


async def test_the_professional_answers_and_the_client_gets_it_by_name(story: Story) -> None:
    relay = await asked(story)
    calls = await story.press(PRO, dict(story.buttons(relay))["Beantwoorden"])
    assert any("Typ je antwoord voor Sanne" in t for t in texts(calls, chat=5001))
    calls = await story.say(PRO, ANSWER)
    [answer] = to(calls, 7001)
    text = answer.params["text"]
    assert text.startswith("💬 <b>Mirjam antwoordt op je vraag</b>")
    assert QUESTION in text and ANSWER in text
    assert any("naar Sanne gestuurd" in t for t in texts(calls, chat=5001))
    kept = question(story)
    assert kept.status == QuestionStatus.ANSWERED and kept.answered_at is not None
    assert kept.answer_enc is not None and ANSWER not in kept.answer_enc
    assert runtime_of(story.app).cipher.decrypt(kept.answer_enc) == ANSWER
    calls = await story.press(PUPIL, dict(story.buttons(answer))["Duidelijk, dank je"])
    assert any("Fijn dat het duidelijk is" in t for t in texts(calls, chat=7001))
    assert question(story).status == QuestionStatus.CLOSED
    # A second answer to the same question is not sent: it was answered.
    await story.press(PRO, dict(story.buttons(relay))["Beantwoorden"])
    assert to(await story.say(PRO, "Nog iets"), 7001) == []


async def test_a_telegram_reply_to_the_relayed_question_is_the_answer(story: Story) -> None:
    await asked(story)
    with session_scope(runtime_of(story.app).engine) as session:
        relayed = session.execute(
            select(OutboxMessage.telegram_message_id).where(
                OutboxMessage.idempotency_key.like("question:%")  # type: ignore[attr-defined]
            )
        ).scalar_one()
    calls = await story.say(PRO, ANSWER, reply_to=relayed)
    [answer] = to(calls, 7001)
    assert ANSWER in answer.params["text"]
    assert question(story).status == QuestionStatus.ANSWERED
    calls = await story.say(PRO, "Nog een antwoord", reply_to=relayed)
    assert to(calls, 7001) == []
    assert any("al beantwoord" in t for t in texts(calls, chat=5001))


async def test_handled_otherwise_closes_it_without_a_message(story: Story) -> None:
    relay = await asked(story)
    calls = await story.press(PRO, dict(story.buttons(relay))["Afgehandeld"])
    assert to(calls, 7001) == []
    assert any("afgehandeld" in t for t in texts(calls, chat=5001))
    assert question(story).status == QuestionStatus.CLOSED


async def test_another_professional_cannot_answer_it(story: Story) -> None:
    relay = await asked(story)
    with session_scope(runtime_of(story.app).engine) as session:
        link = invite_professional(
            session=session,
            organisation_key="wijkteam-noord",
            name="Peter",
            bot_username="duwtje_test_bot",
            now=story.clock.now(),
        )
    peter = user(5002, "Peter")
    await story.say(peter, f"/start {link.split('start=')[1]}")
    for data in (
        dict(story.buttons(relay))["Beantwoorden"],
        dict(story.buttons(relay))["Afgehandeld"],
    ):
        calls = await story.press(peter, data)
        answers = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
        assert answers and "werkt niet meer" in str(answers[0]), answers
    await story.say(peter, ANSWER)
    assert question(story).status == QuestionStatus.OPEN


async def test_the_client_is_told_when_to_expect_an_answer(story: Story) -> None:
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Organisation, 1).answer_days = 1
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = to(await story.say(PUPIL, QUESTION), 7001)
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    [sent] = texts(calls, "editMessageText", chat=7001)
    assert "meestal binnen 1 werkdag." in sent
