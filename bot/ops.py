"""Operations from the command line: the outbox, backups."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot.clock import SystemClock
from bot.errors import UserError
from bot.settings import Settings
from bot.setup import prepare_database
from storage import outbox_admin as outbox
from storage.db import make_engine, normalise_url, session_scope


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def outbox_status(settings: Settings) -> tuple[dict[str, int], float | None]:
    now = SystemClock().now()
    with _session(settings) as session:
        oldest = outbox.oldest_due(session=session, now=now)
        return outbox.counts(session=session), (now - oldest).total_seconds() if oldest else None


def outbox_rows(settings: Settings, statuses: Sequence[str], limit: int) -> list[outbox.OutboxRow]:
    with _session(settings) as session:
        return outbox.list_rows(
            session=session, statuses=statuses, now=SystemClock().now(), limit=limit
        )


def outbox_change(settings: Settings, message_id: int, *, retry: bool) -> None:
    with _session(settings) as session:
        if retry:
            changed = outbox.retry(session=session, message_id=message_id, now=SystemClock().now())
        else:
            changed = outbox.cancel(session=session, message_id=message_id)
    if not changed:
        what = "not sent yet or failed" if retry else "still waiting to go out"
        raise UserError(f"no message {message_id} that is {what} (see `duwtje outbox list`)")


def backup(settings: Settings, target: Path) -> str:
    """A consistent copy of a SQLite database while the bot runs (SQLite's online backup), or,
    for PostgreSQL, the pg_dump command to run. Returns what was done, in words."""
    url = make_url(normalise_url(settings.database.url))
    if url.get_backend_name() != "sqlite":
        # Never the password on screen or in a shell history: pg_dump reads PGPASSWORD.
        user = f"{url.username}@" if url.username else ""
        port = f":{url.port}" if url.port else ""
        plain = f"postgresql://{user}{url.host or ''}{port}/{url.database or ''}"

        return (
            "PostgreSQL is backed up with its own tool. Run (with PGPASSWORD set):\n"
            f"  pg_dump --format=custom --file {target} '{plain}'\n"
            f"and restore with: pg_restore --clean --if-exists --dbname '{plain}' {target}"
        )
    if target.exists():
        raise UserError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(str(url.database))
    try:
        with closing(sqlite3.connect(str(target))) as copy:
            source.backup(copy)
            # Who holds the sender lease is the running process's business, not the data's:
            # a restored copy must not wait for a lease held by a process long gone.
            copy.execute("DELETE FROM lease")
            copy.commit()

    finally:
        source.close()
    os.chmod(target, 0o600)
    return (
        f"Backed up {url.database} to {target}. To restore: stop Duwtje, replace the database "
        f"file with the backup (and remove any -wal and -shm files next to it), start Duwtje."
    )
