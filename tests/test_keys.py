"""`duwtje keys rotate`: with a new key first, every encrypted value is re-encrypted, and the
old key can go; planted free text is never in the raw database file (catalogue: encryption)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import runtime_of
from storage.crypto import DecryptionError, FieldCipher, new_key
from storage.db import session_scope
from storage.models import metadata
from storage.outbox import PLAIN
from storage.rotation import encrypted_columns, rotate_all
from tests.story import PRO, PUPIL, Story, onboarded

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SECRETS = ["Ik vond het eng op school", "Mag mijn vader ook komen?", "Goed gedaan, knap!"]


async def story_with_secrets(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = [c for c in await story.say(PUPIL, SECRETS[0]) if c.params.get("chat_id") == 7001]
    await story.press(PUPIL, dict(story.buttons(offer))["Nee, het was een antwoord"])
    [offer] = [c for c in await story.say(PUPIL, SECRETS[1]) if c.params.get("chat_id") == 7001]
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    [relay] = [c for c in calls if c.params.get("chat_id") == 5001]
    await story.press(PRO, dict(story.buttons(relay))["Beantwoorden"])
    await story.say(PRO, SECRETS[2])


def stored_values(story: Story) -> list[str]:
    values: list[str] = []
    with session_scope(runtime_of(story.app).engine) as session:
        for table, column in encrypted_columns():
            found = session.execute(select(metadata.tables[table].c[column])).scalars()
            values += [v for v in found if v and not v.startswith(PLAIN)]
    return values


async def test_rotation_lets_the_old_key_go(story: Story) -> None:
    await story_with_secrets(story)
    runtime = runtime_of(story.app)
    before = stored_values(story)
    assert len(before) > 10
    newest = new_key()
    counts = rotate_all(
        runtime.engine, FieldCipher([newest, *runtime.settings.require_encryption_keys()])
    )
    assert sum(counts.values()) == len(before)
    only_new = FieldCipher([newest])
    after = stored_values(story)
    assert not set(after) & set(before)
    for value in after:
        only_new.decrypt_bytes(value)  # raises if anything was left on the old key
    with pytest.raises(DecryptionError):
        FieldCipher([new_key()]).decrypt(after[0])


@SQLITE_ONLY
async def test_free_text_is_never_in_the_raw_database_file(story: Story) -> None:
    await story_with_secrets(story)
    runtime = runtime_of(story.app)
    path = Path(runtime.engine.url.database or "")
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert len(raw) > 10_000
    hits = [s for s in [*SECRETS, "Sanne"] if s.encode() in raw]
    assert hits == [], "plaintext in the database file"
