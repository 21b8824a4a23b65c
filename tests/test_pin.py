"""An organisation's PIN before client data shows: chosen, entered, valid until the end of the
working day, the digits deleted from the chat, only a hash stored; alerts still come."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import runtime_of
from services.pin import hash_pin, matches
from storage.db import session_scope
from storage.models import Organisation, Professional
from tests.story import PRO, PUPIL, Story, onboarded, texts

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def require_pin(story: Story) -> None:
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Organisation, 1).require_pin = True


def test_only_a_salted_hash_is_kept() -> None:
    one, two = hash_pin("4821"), hash_pin("4821")
    assert one != two and "4821" not in one
    assert matches("4821", one) and not matches("4822", one) and not matches("4821", "junk")


@SQLITE_ONLY
async def test_client_data_waits_for_the_pin_until_the_end_of_the_working_day(
    story: Story,
) -> None:
    await onboarded(story)  # Monday 10:00 in Amsterdam
    require_pin(story)
    calls = await story.say(PRO, "/overzicht")
    assert "Kies er een van 4 tot 8 cijfers" in texts(calls, chat=5001)[0]
    assert "Sanne" not in "".join(texts(calls, chat=5001))
    assert "geen pincode" in texts(await story.say(PRO, "12"), chat=5001)[0]
    calls = await story.say(PRO, "4821")
    assert "Je pincode is ingesteld" in texts(calls, chat=5001)[0]
    assert [c for c in calls if c.method == "deleteMessage"], "the digits leave the chat"
    with session_scope(runtime_of(story.app).engine) as session:
        stored = session.get_one(Professional, 1).pin_hash or ""
    assert stored.startswith("scrypt$") and "4821" not in stored
    assert "Sanne" in texts(await story.say(PRO, "/overzicht"), chat=5001)[0]

    story.clock.advance(timedelta(hours=8))  # 18:00: the working day is over
    calls = await story.press(PRO, "cl:o:1")
    assert "Typ je pincode" in texts(calls, chat=5001)[0]
    assert "klopt niet" in texts(await story.say(PRO, "0000"), chat=5001)[0]
    assert "Typ je pincode" in texts(await story.say(PRO, "/pin"), chat=5001)[0], (
        "no new PIN without the old one"
    )
    assert "Dank je" in texts(await story.say(PRO, "4821"), chat=5001)[0]
    assert any("Sanne" in t for t in texts(await story.press(PRO, "cl:o:1"), chat=5001))

    # An alert does not wait for any PIN.
    story.clock.advance(timedelta(hours=8))
    calls = await story.say(PUPIL, "ik wil dood")
    assert any("ik wil dood" in t for t in texts(calls, chat=5001))
