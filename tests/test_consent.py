"""The privacy notice: what it tells a newcomer, and a new version asked again (once), with the
agreement recorded by version; "no" stops all messages and offers erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import Client, ClientStatus, ConsentRecord
from tests.story import PUPIL, Story, onboarded, professional_and_pupil_link, texts

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def old_consent(story: Story) -> None:
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Client, 1).consent_version = "2020-01-1"


def versions(story: Story) -> list[str]:
    with session_scope(runtime_of(story.app).engine) as session:
        return [r.notice_version for r in session.execute(select(ConsentRecord)).scalars()]


@SQLITE_ONLY
async def test_the_notice_names_what_a_newcomer_needs(story: Story) -> None:
    token = await professional_and_pupil_link(story, "faalangst")
    [notice] = texts(await story.say(PUPIL, f"/start {token}"), chat=7001)
    for needed in (
        "Mirjam",
        "versleuteld",
        "90 dagen",
        "Telegram is een ander bedrijf",
        "niet end-to-end versleuteld",
        "112",
        "113",
        "zonder nadeel",
        "/privacy",
        "/mijngegevens",
        "/vergeetmij",
        "/stop",
    ):
        assert needed in notice, needed


@SQLITE_ONLY
async def test_a_new_notice_version_is_asked_once_and_recorded(story: Story) -> None:
    await onboarded(story)
    current = runtime_of(story.app).content.notice_version
    old_consent(story)
    calls = await story.say(PUPIL, "/voortgang")
    asked = [c for c in calls if "privacyuitleg is veranderd" in (c.params.get("text") or "")]
    assert len(asked) == 1
    assert [label for label, _ in story.buttons(asked[0])] == ["Ja, ik doe mee", "Nee, liever niet"]
    again = await story.say(PUPIL, "/voortgang")
    assert not [c for c in again if "privacyuitleg" in (c.params.get("text") or "")], "once"
    calls = await story.press(PUPIL, dict(story.buttons(asked[0]))["Ja, ik doe mee"])
    assert "Je kunt gewoon verder" in texts(calls, "editMessageText", chat=7001)[0]
    assert versions(story) == [current, current]
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, 1).consent_version == current


@SQLITE_ONLY
async def test_no_to_a_new_version_stops_and_offers_erasure(story: Story) -> None:
    await onboarded(story)
    old_consent(story)
    [asked] = [
        c
        for c in await story.say(PUPIL, "/voortgang")
        if "privacyuitleg" in (c.params.get("text") or "")
    ]
    calls = await story.press(PUPIL, dict(story.buttons(asked))["Nee, liever niet"])
    [stopped] = [c for c in calls if c.params.get("chat_id") == 7001 and c.method == "sendMessage"]
    assert [label for label, _ in story.buttons(stopped)] == ["Alles van mij wissen"]
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, 1).status == ClientStatus.STOPPED
    calls = await story.press(PUPIL, dict(story.buttons(stopped))["Alles van mij wissen"])
    assert "Dit kan niet terug" in texts(calls, "editMessageText", chat=7001)[0]


@SQLITE_ONLY
async def test_privacy_shows_the_notice_and_stop_offers_erasure(story: Story) -> None:
    await onboarded(story)
    [notice] = texts(await story.say(PUPIL, "/privacy"), chat=7001)
    assert "/vergeetmij" in notice and "90 dagen" in notice
    calls = await story.say(PUPIL, "/stop")
    [stopped] = [c for c in calls if c.params.get("chat_id") == 7001]
    assert "geen berichten meer" in stopped.params["text"]
    assert [label for label, _ in story.buttons(stopped)] == ["Alles van mij wissen"]
    assert any("Sanne" in t for t in texts(calls, chat=5001)), "the professional is told"


def test_invite_tokens_are_32_random_bytes() -> None:
    import base64

    from storage.invites import hash_token, new_token

    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(base64.urlsafe_b64decode(t + "=")) == 32 for t in tokens)
    assert all(len(hash_token(t)) == 64 and t not in hash_token(t) for t in tokens)
