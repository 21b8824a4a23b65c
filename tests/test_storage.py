"""Storage on both engines: migrations match the models, timestamps stay UTC, constraints hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.crypto import DecryptionError, FieldCipher, new_key
from storage.db import make_engine, normalise_url, session_scope
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Client, OutboxMessage, Reply, Traject, metadata
from storage.organisations import ensure_organisation
from tests.factories import NOW, make_client, make_organisation, make_traject

REQUIRED_TABLES = {
    "organisation",
    "professional",
    "client",
    "traject",
    "reply",
    "outbox_message",
    "invite",
    "consent_record",
    "audit_entry",
    "processed_update",
}


def test_it_migrates_to_exactly_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert set(inspect(engine).get_table_names()) >= REQUIRED_TABLES


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_it_stores_and_returns_aware_utc(engine: Engine) -> None:
    amsterdam_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 14, 30, tzinfo=amsterdam_summer)
    with session_scope(engine) as session:
        organisation = make_organisation(session, created_at=moment)
        organisation_id = organisation.id
    with session_scope(engine) as session:
        value = session.execute(
            text("SELECT created_at FROM organisation WHERE id = :id"), {"id": organisation_id}
        ).scalar_one()
        assert value is not None
        loaded = session.get_one(type(organisation), organisation_id)
    assert loaded.created_at == datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_it_refuses_naive_timestamps(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        make_organisation(session, created_at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_an_idempotency_key_is_used_once(engine: Engine) -> None:
    def outbox(key: str) -> OutboxMessage:
        return OutboxMessage(
            idempotency_key=key,
            chat_id=1,
            recipient_kind="client",
            kind="nudge",
            payload_enc="x",
            due_at=NOW,
            created_at=NOW,
        )

    with session_scope(engine) as session:
        session.add(outbox("nudge:1:step:1"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(outbox("nudge:1:step:1"))
    with session_scope(engine) as session:
        count = session.execute(select(OutboxMessage.id)).all()
    assert len(count) == 1


def test_sqlite_timestamps_are_stored_as_sqlalchemy_stores_them() -> None:
    """The outbox's bulk insert formats timestamps itself: it must match the ORM's text exactly,
    or `due_at <= now` (a text comparison on SQLite) would go wrong."""
    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from storage.types import sqlite_timestamp

    dialect = sqlite.dialect()
    processor = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    for moment in (
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        NOW,
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=1))),
    ):
        assert sqlite_timestamp(moment) == processor(moment.astimezone(UTC).replace(tzinfo=None))


def test_a_template_message_is_stored_once_in_the_clear_and_personal_ones_encrypted(
    engine: Engine,
) -> None:
    """A nudge (no name, no free text, the same for thousands) is plain JSON, serialised once;
    anything personal is encrypted."""
    from storage.outbox import NewMessage, enqueue, unseal

    cipher = FieldCipher([new_key()])
    nudge = {"text": "Joh, ga er lekker mee aan de slag!", "buttons": []}
    personal = {"text": "Hoi Sanne, Mirjam schrijft: goed gedaan", "buttons": []}
    messages = [
        NewMessage(
            key=f"nudge:{n}",
            chat_id=n,
            recipient_kind="client",
            kind="nudge",
            payload=nudge,
            personal=False,
        )
        for n in (1, 2)
    ] + [
        NewMessage(
            key="fb:1", chat_id=1, recipient_kind="client", kind="feedback", payload=personal
        )
    ]
    with session_scope(engine) as session:
        enqueue(session=session, messages=messages, now=NOW, cipher=cipher)
    with session_scope(engine) as session:
        stored = dict(
            session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.payload_enc)).all()
        )
    assert stored["nudge:1"] == stored["nudge:2"] and stored["nudge:1"].startswith("json:")
    assert "Sanne" not in stored["fb:1"] and "Mirjam" not in stored["fb:1"]
    assert [unseal(stored[key], cipher=cipher) for key in ("nudge:2", "fb:1")] == [nudge, personal]


def test_telegram_ids_fit_64_bits(engine: Engine) -> None:
    supergroup = -1001234567890123
    with session_scope(engine) as session:
        client = make_client(session, telegram_user_id=2**52 + 1, chat_id=supergroup)
        client_id = client.id
    with session_scope(engine) as session:
        loaded = session.get_one(Client, client_id)
    assert (loaded.telegram_user_id, loaded.chat_id) == (2**52 + 1, supergroup)


def test_foreign_keys_are_enforced_and_erasing_a_client_cascades(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Reply(client_id=999_999, kind="text", created_at=NOW))
    with session_scope(engine) as session:
        traject = make_traject(session)
        session.add(
            Reply(client_id=traject.client_id, traject_id=traject.id, kind="text", created_at=NOW)
        )
        client_id = traject.client_id
    with session_scope(engine) as session:
        session.delete(session.get_one(Client, client_id))
    with session_scope(engine) as session:
        assert session.execute(select(Traject.id)).all() == []
        assert session.execute(select(Reply.id)).all() == []


def test_ensure_organisation_creates_once_and_follows_the_config(engine: Engine) -> None:
    for name in ("Wijkteam Noord", "Wijkteam Noord-West"):
        with session_scope(engine) as session:
            ensure_organisation(
                session=session,
                key="noord",
                name=name,
                privacy_contact="p@example.nl",
                time_zone="Europe/Amsterdam",
                language="nl",
                now=NOW,
            )
    with session_scope(engine) as session:
        rows = session.execute(text("SELECT name FROM organisation")).all()
    assert [row[0] for row in rows] == ["Wijkteam Noord-West"]


def test_a_failed_unit_of_work_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        make_organisation(session)
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.execute(text("SELECT count(*) FROM organisation")).scalar_one() == 0


def test_sqlite_is_tuned(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in (
                "journal_mode",
                "synchronous",
                "foreign_keys",
                "busy_timeout",
                "secure_delete",
                "wal_autocheckpoint",
            )
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "secure_delete": 1,
        "wal_autocheckpoint": 0,  # the bot checkpoints from a thread (storage.db.checkpoint)
    }


def test_a_checkpoint_moves_the_wal_into_the_database_file(tmp_path: Path) -> None:
    from storage.db import checkpoint

    path = tmp_path / "duwtje.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    before = path.stat().st_size
    with session_scope(engine) as session:
        for n in range(200):
            make_organisation(session, key=f"org-{n}", name="x" * 500)
    assert path.stat().st_size == before, "without a checkpoint it all waits in the WAL"
    checkpoint(engine)
    assert path.stat().st_size > before
    engine.dispose()


def test_a_new_sqlite_file_is_private(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "private.db"  # type: ignore[operator]
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    assert path.stat().st_mode & 0o777 == 0o600


def test_plain_postgresql_urls_mean_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_refuses_an_in_memory_database() -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        make_engine("sqlite:///:memory:")


def test_encrypted_fields_round_trip_and_rotate() -> None:
    old, newer = new_key(), new_key()
    stored = FieldCipher([old]).encrypt("Ik durf de toets niet te maken")
    assert "toets" not in stored
    both = FieldCipher([newer, old])
    assert both.decrypt(stored) == "Ik durf de toets niet te maken"
    rotated = both.rotate(stored)
    assert FieldCipher([newer]).decrypt(rotated) == "Ik durf de toets niet te maken"
    with pytest.raises(DecryptionError, match="old key missing"):
        FieldCipher([newer]).decrypt(stored)


@pytest.mark.postgres
def test_each_postgres_run_uses_its_own_database(postgres_server_url: str) -> None:
    assert "/duwtje_test_" in postgres_server_url


def test_migrations_upgrade_a_database_with_data_in_it(database_url: str) -> None:
    """Every migration after 0003 runs over rows that refer to each other (SQLite's batch mode
    copies tables, which foreign keys would otherwise refuse), and keeps them."""
    from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, Text

    engine = make_engine(database_url)
    upgrade(engine, "0003")
    tables = MetaData()
    tables.reflect(engine)

    def row(name: str) -> dict[str, object]:
        values: dict[str, object] = {}
        for column in tables.tables[name].columns:
            if column.nullable or column.server_default is not None:
                continue
            kind = column.type
            if column.primary_key or column.foreign_keys:
                values[column.name] = 1
            elif isinstance(kind, Boolean):
                values[column.name] = False
            elif isinstance(kind, Integer):
                values[column.name] = 1
            elif isinstance(kind, DateTime):
                values[column.name] = NOW
            elif isinstance(kind, String | Text):
                values[column.name] = f"{name}-{column.name}"[: kind.length or 100]
            else:
                values[column.name] = NOW  # the UTC timestamp type
        return values

    order = ["organisation", "professional", "client", "traject", "reply", "question", "meeting"]
    with engine.begin() as connection:
        for name in order:
            connection.execute(tables.tables[name].insert().values(**row(name)))
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        for name in order:
            assert connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() == 1
    engine.dispose()
