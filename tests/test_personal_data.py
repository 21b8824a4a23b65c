"""A person's data, found from the schema (storage/personal.py): the export covers every
personal column, and erasure leaves nothing (the brief's catalogue, items 10 and 11).

One client is planted with a marker in every text column of every row about them (a row is
added to any personal table the story left empty, filled from the schema alone), their stored
(encrypted) values recorded, then erased: neither the markers nor those stored values are in
the SQLite file or its WAL after the checkpoint and VACUUM, nor in any text column on
PostgreSQL, and decrypting everything that remains finds no marker either.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Engine

from bot.app import runtime_of
from services.data_rights import collect, erase
from services.unit import Unit
from storage import personal
from storage.crypto import DecryptionError
from storage.db import compact, session_scope
from storage.models import Client, Departure, metadata
from storage.types import UTCDateTime
from tests.story import PRO, PUPIL, Story, onboarded, texts

SANNE = 1
LINKS = {"recipient_kind", "subject_kind"}
# The audit trail outlives an erasure (who did what, when: ids and a fixed vocabulary, never
# personal text); its free `detail` goes with the person. Its vocabulary is not planted.
AUDIT_VOCABULARY = {"actor_kind", "action"}
_numbers = itertools.count(1)


def marker(length: int | None) -> str:
    """A text no encrypted value, id or template contains ('~' and '#' are not base64)."""
    text = f"~M#{next(_numbers):04d}#marker~"
    return text[: length or len(text)] if (length or 99) >= 5 else text[:5]


def plant_missing_rows(engine: Engine, now: datetime) -> None:
    """One row in every personal table the story left empty for Sanne, from the schema."""
    with session_scope(engine) as session:
        connection = session.connection()
        present = {table.name for table, _ in personal.rows_of(connection, SANNE)}
        ids = {
            t.name: {r["id"] for tt, r in personal.rows_of(connection, SANNE) if tt is t}
            for t, _ in personal.rows_of(connection, SANNE)
        }
        for link in personal.links():
            if link.table.name in present:
                continue
            values: dict[str, Any] = {}
            for column in link.table.columns:
                if column.primary_key:
                    continue
                if column.foreign_keys:
                    target = next(iter(column.foreign_keys)).column.table.name
                    if column.nullable and not ids.get(target):
                        values[column.name] = None  # an optional link to what Sanne has not
                    else:
                        values[column.name] = min(ids.get(target) or {1})
                elif isinstance(column.type, UTCDateTime):
                    values[column.name] = now
                elif isinstance(column.type, Date):
                    values[column.name] = date(2026, 3, 2)
                elif isinstance(column.type, Boolean):
                    values[column.name] = False
                elif isinstance(column.type, Integer):
                    values[column.name] = 1
                elif is_text(column):
                    values[column.name] = "x"
            new = connection.execute(insert(link.table).values(**values)).inserted_primary_key
            ids.setdefault(link.table.name, set()).add(new[0] if new else None)
            present.add(link.table.name)


def is_text(column: Any) -> bool:
    kind = column.type
    return isinstance(kind, String | Text) or isinstance(getattr(kind, "impl", None), String | Text)


def text_columns(table: Table) -> list[str]:
    return [
        c.name for c in table.columns if is_text(c) and not c.primary_key and not c.foreign_keys
    ]


def plant_markers(story: Story) -> tuple[set[str], set[str]]:
    """A marker in every text column of every row about Sanne; (markers, stored values)."""
    runtime = runtime_of(story.app)
    markers: set[str] = set()
    stored: set[str] = set()
    with session_scope(runtime.engine) as session:
        connection = session.connection()
        for table, row in list(personal.rows_of(connection, SANNE)):
            values: dict[str, Any] = {}
            for name in text_columns(table):
                if name in LINKS:
                    continue  # how the row names the person: kept, or it would not be found
                if table.name == "audit_entry" and name in AUDIT_VOCABULARY:
                    continue
                column = table.c[name]
                text = marker(getattr(column.type, "length", None))
                markers.add(text)
                if name == "media_enc":
                    values[name] = runtime.cipher.encrypt_bytes(text.encode())
                elif name.endswith("_enc"):
                    values[name] = runtime.cipher.encrypt(text)
                else:
                    values[name] = text
                if name.endswith("_enc"):
                    stored.add(values[name])
            primary = list(table.primary_key.columns)
            if values:
                connection.execute(
                    update(table).where(*[c == row[c.name] for c in primary]).values(**values)
                )
    return markers, stored


def everything_readable(story: Story) -> str:
    """Every text value left in the database, with every encrypted one decrypted too."""
    runtime = runtime_of(story.app)
    found: list[str] = []
    with session_scope(runtime.engine) as session:
        connection = session.connection()
        for table in metadata.sorted_tables:
            columns = text_columns(table)
            if not columns:
                continue
            for row in connection.execute(select(*[table.c[c] for c in columns])):
                for name, value in zip(columns, row, strict=True):
                    if not value:
                        continue
                    found.append(str(value))
                    if name.endswith("_enc") and not str(value).startswith("json:"):
                        with contextlib.suppress(DecryptionError):
                            found.append(
                                runtime.cipher.decrypt_bytes(value).decode("utf-8", "replace")
                            )
    return "\n".join(found)


async def a_full_story(story: Story) -> None:
    """Sanne does what clients do: an answer, a question answered, a reaction, a crisis
    message, an appointment asked, her data exported."""
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    [offer] = [
        c for c in await story.say(PUPIL, "Mag ik later komen?") if c.params.get("chat_id") == 7001
    ]
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    [relay] = [c for c in calls if c.params.get("chat_id") == 5001]
    await story.press(PRO, dict(story.buttons(relay))["Beantwoorden"])
    await story.say(PRO, "Ja hoor.")
    await story.say(PUPIL, "ik kan niet meer")
    [menu] = [c for c in await story.say(PUPIL, "/afspraak") if c.params.get("chat_id") == 7001]
    calls = await story.press(PUPIL, dict(story.buttons(menu))["Bellen"])
    [edit] = [c for c in calls if c.method == "editMessageText"]
    await story.press(PUPIL, story.buttons(edit)[0][1])
    calls = await story.say(PUPIL, "/mijngegevens")
    documents = [c for c in calls if c.method == "sendDocument"]
    assert len(documents) == 2


def test_the_personal_tables_come_from_the_schema() -> None:
    found = {link.table.name for link in personal.links()}
    direct = {
        t.name
        for t in metadata.sorted_tables
        if any(fk.column.table.name == "client" for fk in t.foreign_keys)
    }
    assert direct <= found
    assert {"feedback", "traject_checkin", "traject_override"} <= found, "reached through a key"


async def test_the_export_covers_every_personal_column(story: Story) -> None:
    await a_full_story(story)
    runtime = runtime_of(story.app)
    plant_missing_rows(runtime.engine, story.clock.now())
    markers, _ = plant_markers(story)
    with session_scope(runtime.engine) as session:
        unit = Unit(
            session=session, now=story.clock.now(), content=runtime.content, cipher=runtime.cipher
        )
        exported = collect(unit, SANNE)
    tables = [metadata.tables["client"], *[link.table for link in personal.links()]]
    tables += [personal.by_recipient()[0], personal.by_subject()[0]]
    missing = [
        f"{table.name}.{column.name}"
        for table in tables
        for column in table.columns
        if not exported.get(table.name)
        or column.name.removesuffix("_enc") not in exported[table.name][0]
    ]
    assert missing == [], "personal columns the export leaves out"
    dumped = repr(exported)
    for media in re.findall(r"base64:([A-Za-z0-9+/=]+)", dumped):  # files come as base64
        dumped += base64.b64decode(media).decode("utf-8", "replace")
    assert [m for m in markers if m not in dumped] == [], "every planted text, readable"


async def test_erasure_leaves_nothing_in_the_database_or_its_wal(story: Story) -> None:
    await a_full_story(story)
    runtime = runtime_of(story.app)
    plant_missing_rows(runtime.engine, story.clock.now())
    markers, stored = plant_markers(story)
    assert len(markers) > 50 and len(stored) > 20
    assert any(m in everything_readable(story) for m in markers), "the check can fail"

    with session_scope(runtime.engine) as session:
        unit = Unit(
            session=session, now=story.clock.now(), content=runtime.content, cipher=runtime.cipher
        )
        erase(unit, session.get_one(Client, SANNE), actor=("administrator", None))
        unit.flush()
    compact(runtime.engine)

    with session_scope(runtime.engine) as session:
        kept = [(t.name, row) for t, row in personal.rows_of(session.connection(), SANNE)]
    assert kept and {name for name, _ in kept} == {"audit_entry"}, "only the audit trail stays"
    assert all(row["detail"] is None for _, row in kept)
    left = everything_readable(story)
    assert [m for m in markers if m in left] == []
    assert [s for s in stored if s in left] == []
    with session_scope(runtime.engine) as session:
        [departed] = session.execute(select(Departure)).scalars()
        assert (departed.role, departed.line_key) == ("client", None), "no planted text copied"
    url = runtime.engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [path, Path(f"{path}-wal")]
        raw = b"".join(p.read_bytes() for p in files if p.exists())
        assert len(raw) > 10_000
        assert [m for m in markers if m.encode() in raw] == []
        assert [s for s in stored if s.encode() in raw] == []


async def test_vergeetmij_asks_then_erases_and_the_professional_hears_without_content(
    story: Story,
) -> None:
    await a_full_story(story)
    [ask] = [c for c in await story.say(PUPIL, "/vergeetmij") if c.params.get("chat_id") == 7001]
    assert "Dit kan niet terug" in ask.params["text"]
    calls = await story.press(PUPIL, dict(story.buttons(ask))["Nee, toch niet"])
    assert "ik wis niets" in texts(calls, "editMessageText", chat=7001)[0]
    calls = await story.press(PUPIL, dict(story.buttons(ask))["Ja, wis alles"])
    assert "Ik heb alles van je gewist" in texts(calls, "editMessageText", chat=7001)[0]
    [told] = texts(calls, chat=5001)
    assert "Een cliënt heeft Duwtje verlaten" in told and "Leerling" in told
    assert "Sanne" not in told
    deleted = [c for c in calls if c.method == "deleteMessage" and c.params["chat_id"] == 7001]
    assert len(deleted) >= 5, "the bot's recent messages in her chat"
    with session_scope(runtime_of(story.app).engine) as session:
        kept = {t.name for t, _ in personal.rows_of(session.connection(), SANNE)}
    assert kept == {"audit_entry"}, "only the audit trail (ids and what happened) stays"
    with session_scope(runtime_of(story.app).engine) as session:
        [left] = session.execute(select(Departure)).scalars()
    # What reports count survives, anonymously.
    assert (left.role, left.line_key, left.steps_done, left.questions) == (
        "pupil",
        "faalangst",
        1,
        1,
    )
    assert left.joined_month.day == 1
    # She is a stranger now: /start without a link gets the welcome for people we do not know.
    calls = await story.say(PUPIL, "/start")
    assert "uitnodiging" in texts(calls, chat=7001)[0].lower()
