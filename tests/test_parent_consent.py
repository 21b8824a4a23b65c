"""A pupil younger than 16 (the age rule): their professional sees none of their answers until
a linked parent agreed to the notice, or the professional recorded that consent was arranged
another way (where no parent can take part); both are recorded and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import AuditEntry, Client, ConsentRecord
from tests.offline import user
from tests.story import PRO, PUPIL, Story, onboarded, texts

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KARIN = user(7101, "Karin")
ANSWER = "Ik vond de toets heel eng"


async def young_pupil_answered(story: Story) -> None:
    first = await onboarded(story, age="y")
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = [c for c in await story.say(PUPIL, ANSWER) if c.params.get("chat_id") == 7001]
    await story.press(PUPIL, dict(story.buttons(offer))["Nee, het was een antwoord"])


def shown(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(
        str(c.params.get("text") or c.params.get("caption") or c.params.get("document_bytes"))
        for c in calls
        if c.params.get("chat_id") == 5001
    )


async def nothing_of_hers_shows(story: Story) -> None:
    for data in ("cl:o:1", "fb:c:1", "cl:g:1", "ex:t:1", "vb:v:1"):
        assert ANSWER not in shown(await story.press(PRO, data)), data


@SQLITE_ONLY
async def test_answers_wait_for_a_parents_agreement(story: Story) -> None:
    await young_pupil_answered(story)
    page = shown(await story.press(PRO, "cl:o:1"))
    assert "jonger dan 16" in page and ANSWER not in page
    await nothing_of_hers_shows(story)

    [role_question] = [c for c in await story.say(PRO, "/nieuw") if c.method == "sendMessage"]
    await story.press(PRO, dict(story.buttons(role_question))["Ouder"])
    link = texts(await story.press(PRO, "nw:p:1"), "editMessageText")[0]
    token = link.split("start=")[1].split()[0]
    [notice] = [c for c in await story.say(KARIN, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(KARIN, dict(story.buttons(notice))["Ja, ik doe mee"])
    assert "Karin gaf toestemming" in shown(calls)
    with session_scope(runtime_of(story.app).engine) as session:
        given = [
            (r.client_id, r.given_by) for r in session.execute(select(ConsentRecord)).scalars()
        ]
        assert (1, "parent") in given
        assert session.get_one(Client, 1).parent_consent_pending is False
    assert ANSWER in shown(await story.press(PRO, "fb:c:1"))


@SQLITE_ONLY
async def test_the_professional_records_consent_arranged_otherwise(story: Story) -> None:
    await young_pupil_answered(story)
    [page] = [c for c in await story.press(PRO, "cl:o:1") if c.params.get("chat_id") == 5001]
    calls = await story.press(PRO, dict(story.buttons(page))["Toestemming anders geregeld"])
    assert "toestemming op een andere manier geregeld" in shown(calls)
    with session_scope(runtime_of(story.app).engine) as session:
        assert [r.given_by for r in session.execute(select(ConsentRecord)).scalars()] == [
            "self",
            "professional",
        ]
        actions = [a.action for a in session.execute(select(AuditEntry)).scalars()]
    assert "parent_consent_professional" in actions
    assert ANSWER in shown(await story.press(PRO, "fb:c:1"))


@SQLITE_ONLY
async def test_sixteen_or_older_needs_no_parent(story: Story) -> None:
    first = await onboarded(story, age="o")
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    page = shown(await story.press(PRO, "cl:o:1"))
    assert "✔ gedaan" in page and "jonger dan 16" not in page
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, 1).parent_consent_pending is False
