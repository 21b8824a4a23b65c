"""`/maand`: a professional's own caseload in the report's figures, this month and back, with
small numbers hidden, and the month as an HTML page (a document)."""

from __future__ import annotations

from sqlmodel import select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import OutboxMessage
from tests.story import PRO, PUPIL, Story, onboarded, texts


async def test_this_month_then_the_one_before_and_the_page(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])  # one step done
    calls = await story.say(PRO, "/maand")
    [message] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]
    text = message.params["text"]
    assert "Jouw cijfers van mrt 2026" in text and "(tot nu)" in text
    assert "<b>Alle lijnen</b>" in text and "<b>Sterk in je hoofd</b>" in text
    # One pupil, one step: every count is small, so it shows as <5, never as 1.
    assert "Begonnen &lt;5 · actief &lt;5 · stappen &lt;5" in text
    assert " 1 " not in text.replace("&lt;", "")
    buttons = dict(story.buttons(message))
    assert set(buttons) == {"Als pagina met grafieken", "« Vorige maand"}  # no next: it is now

    back = await story.press(PRO, buttons["« Vorige maand"])
    [earlier] = texts(back, chat=5001)
    assert "Jouw cijfers van feb 2026" in earlier and "(tot nu)" not in earlier
    assert "nog niets te tellen" in earlier

    sent = await story.press(PRO, buttons["Als pagina met grafieken"])
    [document] = [c for c in sent if c.method == "sendDocument"]
    assert "als pagina, met grafieken" in document.params["caption"]
    with session_scope(runtime_of(story.app).engine) as session:
        kinds = session.exec(select(OutboxMessage.kind)).all()
    assert "report" in kinds


async def test_a_forged_month_or_a_client_gets_nothing(story: Story) -> None:
    await onboarded(story)
    for forged in ("mf:209912", "mf:202613", "mf:abc", "mf:201001"):
        calls = await story.press(PRO, forged)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and "werkt niet meer" in answers[-1].params.get("text", ""), forged
        assert not texts(calls, chat=5001)
    calls = await story.say(PUPIL, "/maand")
    assert not any("cijfers" in t for t in texts(calls))
