"""Words people type are never a template and never break Telegram's HTML (catalogue item 13),
and a flood of messages is kept whole while the bot answers kindly once (issue 10, point 8)."""

from __future__ import annotations

import pytest

from content.telegram_text import check_html
from storage.models import Reply
from tests.offline import Call
from tests.story import PUPIL, Story, onboarded

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
INJECTIONS = [
    "{{7*7}}",
    "{% for x in range(3) %}x{% endfor %}",
    "<b>vet</b> en <script>",
    "Tom & Jerry &amp; &",
    "\u202eesrever thgir-ot-tfel",
    "lang " * 1000,  # 5,000 characters
]


def sent(calls: list[Call], chat: int) -> list[str]:
    return [
        c.params.get("text") or c.params.get("caption") or ""
        for c in calls
        if c.method in ("sendMessage", "editMessageText") and c.params.get("chat_id") == chat
    ]


@SQLITE_ONLY
async def test_injections_are_shown_as_typed_and_parse_cleanly(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    evaluated = problems = 0
    for text in INJECTIONS:
        [offer] = [c for c in await story.say(PUPIL, text) if c.params.get("chat_id") == 7001]
        calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
        relayed = sent(calls, 5001)
        assert relayed, text[:20]
        for message in [*relayed, *sent(calls, 7001), offer.params["text"]]:
            problems += len(check_html(message)[0])
            evaluated += "49" in message and "{{7*7}}" not in check_html(message)[1]
        visible = "".join(check_html(m)[1] for m in relayed)
        assert text.strip()[:300] in visible, "shown exactly as typed"
    assert (evaluated, problems) == (0, 0)


@SQLITE_ONLY
async def test_a_flood_is_kept_whole_and_answered_once_a_minute(story: Story) -> None:
    await onboarded(story)
    before = story.rows(Reply)
    answers: list[str] = []
    for number in range(30):
        answers += sent(await story.say(PUPIL, f"bericht {number}"), 7001)
    assert story.rows(Reply) == before + 30, "every message kept"
    notices = [a for a in answers if "veel berichten snel achter elkaar" in a]
    assert len(notices) == 1 and len(answers) == 21, "20 answered, then one kind word"
    calls = await story.say(PUPIL, "ik wil dood")
    assert any("0800-0113" in t for t in sent(calls, 7001)), "a crisis is always answered"
    assert any("ik wil dood" in t for t in sent(calls, 5001))
