"""Colleagues, offline: leave with a stand-in (/afwezig: the digest, questions and alerts go to
the stand-in, who may open those clients meanwhile, and not after), and handing a client over
from their page (the colleague and the client are told; the previous professional sees
nothing more). Never more than that: a stand-in does not hand over, strangers see nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import AuditEntry, Client, Professional, Question
from tests.factories import make_professional
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, onboarded, texts

PETER = user(5002, "Peter")
STALE = "werkt niet meer"


def to(calls: list[Call], chat: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == chat]


def peter(story: Story) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        made = make_professional(
            session, name="Peter", telegram_user_id=5002, chat_id=5002, bound_at=story.clock.now()
        )
        return made.id or 0


def stale(calls: list[Call]) -> bool:
    """A stale-button answer, and nothing sent to a professional (steps may go to clients)."""
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    shown = [
        c for c in calls if c.method.startswith("send") and c.params.get("chat_id") in (5001, 5002)
    ]
    return len(answers) == 1 and STALE in answers[0].params["text"] and not shown


async def go_on_leave(story: Story, last_day: str) -> int:
    peter_id = peter(story)
    [ask] = to(await story.say(PRO, "/afwezig"), 5001)
    assert [label for label, _ in story.buttons(ask)] == ["Peter"]
    [until] = texts(await story.press(PRO, f"aw:s:{peter_id}"), "editMessageText")
    assert "Peter vervangt je" in until and "laatste dag" in until
    [again] = to(await story.say(PRO, "als het weer kan"), 5001)
    assert "laatste dag" in again.params["text"], "a date it cannot read: asked again"
    calls = await story.say(PRO, last_day)
    [done] = to(calls, 5001)
    assert "Geregeld" in done.params["text"] and "naar Peter" in done.params["text"]
    [told] = to(calls, 5002)
    assert "Je vervangt Mirjam" in told.params["text"]
    return peter_id


async def test_during_leave_the_stand_in_gets_the_digest_and_the_questions(story: Story) -> None:
    first = await onboarded(story)  # Monday 2 March
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await go_on_leave(story, "06-03")  # away until Friday, back on Saturday
    assert stale(await story.press(PETER, "vb:v:2"))  # nobody else's client

    [offer] = to(await story.say(PUPIL, "Mag mijn moeder mee naar het gesprek?"), 7001)
    assert "Mirjam is er even niet, Peter neemt het over" in offer.params["text"]
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    assert any("moeder" in c.params["text"] for c in to(calls, 5002)), "the question: to Peter"
    assert to(calls, 5001) == []
    assert "Peter" in texts(calls, "editMessageText", chat=7001)[0]
    with session_scope(runtime_of(story.app).engine) as session:
        question = session.execute(select(Question)).scalar_one()
        assert question.professional_id == 1, "still Mirjam's client's question"

    story.clock.advance(timedelta(days=1))  # Tuesday after 08:30
    calls = await story.tick()
    assert to(calls, 5001) == [], "no digest to someone on leave"
    [digest] = to(calls, 5002)
    text = digest.params["text"]
    assert "Hoi Peter" in text and "Je vervangt Mirjam" in text and "Sanne" in text
    own, standing_in = to(await story.say(PETER, "/overzicht"), 5002)
    assert "nog geen cliënten" in own.params["text"]
    assert standing_in.params["text"].startswith("<b>Cliënten van Mirjam</b> (1)")
    assert [label for label, _ in story.buttons(standing_in)] == ["Sanne"]
    [page] = to(await story.press(PETER, dict(story.buttons(digest))["Sanne"]), 5002)
    assert page.params["text"].startswith("<b>Sanne</b>")
    transfer = dict(story.buttons(page))["Overdragen aan een collega"]
    assert stale(await story.press(PETER, transfer)), "a stand-in does not hand clients over"

    story.clock.advance(timedelta(days=4))  # Saturday: back
    assert stale(await story.press(PETER, "cl:o:1"))
    [only_own] = to(await story.say(PETER, "/overzicht"), 5002)
    assert "Mirjam" not in only_own.params["text"]
    story.clock.advance(timedelta(days=2))  # Monday
    calls = await story.tick()
    assert to(calls, 5002) == [] and len(to(calls, 5001)) == 1, "Mirjam's digest is hers again"


async def test_back_early_ends_the_standing_in_at_once(story: Story) -> None:
    await onboarded(story)
    await go_on_leave(story, "20-03")
    [status] = to(await story.say(PRO, "/afwezig"), 5001)
    assert "tot en met 20-03-2026" in status.params["text"]
    calls = await story.say(PRO, "/terug")
    assert "Welkom terug" in to(calls, 5001)[0].params["text"]
    assert "Mirjam is terug" in to(calls, 5002)[0].params["text"]
    assert stale(await story.press(PETER, "cl:o:1"))
    actions = audit_actions(story)
    assert actions.count("leave_started") == 1 and actions.count("leave_ended") == 1


def audit_actions(story: Story) -> list[str]:
    with session_scope(runtime_of(story.app).engine) as session:
        return list(session.execute(select(AuditEntry.action)).scalars())  # type: ignore[call-overload]


async def test_a_client_handed_over_moves_with_their_open_questions(story: Story) -> None:
    await onboarded(story)
    peter_id = peter(story)
    [offer] = to(await story.say(PUPIL, "Kan het gesprek ook online?"), 7001)
    await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    [page] = to(await story.press(PRO, "cl:o:1"), 5001)
    [ask] = to(
        await story.press(PRO, dict(story.buttons(page))["Overdragen aan een collega"]), 5001
    )
    assert "Aan welke collega" in ask.params["text"]
    calls = await story.press(PRO, dict(story.buttons(ask))["Peter"])
    assert "overgedragen aan Peter" in texts(calls, "editMessageText", chat=5001)[0]
    [received] = to(calls, 5002)
    assert "Mirjam heeft Sanne aan jou overgedragen" in received.params["text"]
    [told] = to(calls, 7001)
    assert "Vanaf nu helpt Peter je verder" in told.params["text"]
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Client.professional_id)).scalar_one() == peter_id
        assert session.execute(select(Question.professional_id)).scalar_one() == peter_id
    assert stale(await story.press(PRO, "cl:o:1")), "Mirjam sees nothing of Sanne any more"
    [peters] = to(await story.press(PETER, dict(story.buttons(received))["Sanne"]), 5002)
    assert peters.params["text"].startswith("<b>Sanne</b>")
    assert stale(await story.press(PRO, f"tr:1:{peter_id}")), "an old transfer button"
    assert "transferred_client" in audit_actions(story)


async def test_nobody_to_stand_in_is_said_plainly(story: Story) -> None:
    await onboarded(story)
    [ask] = to(await story.say(PRO, "/afwezig"), 5001)
    assert "nog geen collega" in ask.params["text"] and story.buttons(ask) == []
    stranger = user(5003, "Iemand")
    [unknown] = texts(await story.say(stranger, "/afwezig"))
    assert "Dat commando ken ik niet" in unknown
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Professional.away_until)).scalar_one() is None
