"""Operations from the command line: `duwtje outbox ...` and `duwtje backup`."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.settings import load_settings
from bot.setup import prepare_database
from storage.crypto import FieldCipher
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import NewMessage, enqueue
from tests.conftest import TEST_KEY
from tests.factories import NOW
from tests.test_cli import duwtje

ENV = {"DUWTJE_ENCRYPTION_KEYS": TEST_KEY, "COLUMNS": "200"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "duwtje.toml"
    path.write_text('[database]\nurl = "sqlite:///d.db"\n', encoding="utf-8")
    settings = load_settings(path, ENV)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    cipher = FieldCipher([TEST_KEY])
    with session_scope(engine) as session:
        enqueue(
            session=session,
            now=NOW,
            cipher=cipher,
            messages=[
                NewMessage(
                    key=f"m{i}",
                    chat_id=i,
                    recipient_kind="client",
                    kind="nudge",
                    payload={"text": "geheim"},
                )
                for i in range(4)
            ],
        )
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()  # type: ignore[arg-type]
        rows[0].status, rows[0].last_error = OutboxStatus.FAILED, "Forbidden: bot was blocked"
        rows[1].status = OutboxStatus.UNKNOWN
        rows[2].status, rows[2].claimed_at = OutboxStatus.SENDING, NOW - timedelta(hours=1)
    engine.dispose()
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    done = duwtje(*args, "--config", str(config), cwd=config.parent, env=ENV)
    return done.returncode, done.stdout, done.stderr


def test_outbox_status_counts(config: Path) -> None:
    code, out, _ = run(config, "outbox", "status")
    assert code == 0
    for line in ("pending: 1", "sending: 1", "failed: 1", "unknown: 1"):
        assert line in out
    assert "oldest due message waits" in out


def test_outbox_list_shows_problems_never_texts(config: Path) -> None:
    code, out, _ = run(config, "outbox", "list")
    assert code == 0
    assert "failed" in out and "unknown" in out and "sending" in out  # stuck
    assert "bot was blocked" in out and "geheim" not in out


def test_outbox_retry_and_cancel(config: Path) -> None:
    assert run(config, "outbox", "retry", "1")[0] == 0
    assert run(config, "outbox", "cancel", "4")[0] == 0
    code, _, err = run(config, "outbox", "cancel", "4")
    assert code == 1 and "no message 4" in err
    _, out, _ = run(config, "outbox", "status")
    assert "pending: 1" in out and "failed: 1" in out  # 1 back to pending, 4 cancelled


def test_backup_copies_a_running_sqlite_database(config: Path) -> None:
    target = config.parent / "backups" / "copy.db"
    code, out, err = run(config, "backup", str(target))
    assert code == 0, err
    assert "To restore" in out
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM outbox_message").fetchone() == (4,)
    assert target.stat().st_mode & 0o777 == 0o600
    code, _, err = run(config, "backup", str(target))
    assert code == 1 and "exists already" in err


def test_backup_of_postgres_shows_the_command_without_the_password(tmp_path: Path) -> None:
    path = tmp_path / "duwtje.toml"
    path.write_text(
        '[database]\nurl = "postgresql://duwtje:geheim@db.local/duwtje"\n', encoding="utf-8"
    )
    done = duwtje("backup", "/tmp/x.dump", "--config", str(path), cwd=tmp_path, env=ENV)
    assert done.returncode == 0
    assert "pg_dump --format=custom --file /tmp/x.dump 'postgresql://duwtje@db.local/duwtje'" in (
        done.stdout
    )
    assert "geheim" not in done.stdout
