"""The engine and the unit of work.

SQLite is the embedded default and is tuned for one busy process: WAL (readers never block the
writer), `synchronous=NORMAL` (no fsync per commit; WAL keeps it crash-safe), a busy timeout (a
second writer waits instead of failing), foreign keys on, and `secure_delete` (erased data is
overwritten, not left in free pages). Every transaction starts with `BEGIN IMMEDIATE`, so a
read-then-write transaction never fails half-way on a lock upgrade. PostgreSQL runs the same code.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from storage.types import as_utc, sqlite_timestamp

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Every SQLite connection's settings. No automatic checkpoint: SQLite would run one inside the
# commit that fills the WAL (50 ms for a sweep of ten thousand nudges, an fsync included), on
# the bot's event loop; `duwtje run` checkpoints from a thread instead (`checkpoint`, every
# `jobs.checkpoint_seconds`), and SQLite checkpoints by itself when the last connection closes.
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "foreign_keys=ON",
    "secure_delete=ON",
    "wal_autocheckpoint=0",
    "journal_size_limit=67108864",  # after a checkpoint, a WAL over 64 MB shrinks back
)


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 (SQLAlchemy would otherwise pick psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("use a SQLite file (sqlite:///path.db); an in-memory database is lost")
    _create_private_file(Path(parsed.database))
    engine = create_engine(
        url,
        echo=echo,
        # Parameters can be personal (chat ids, encrypted text): keep them out of error messages.
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private_file(path: Path) -> None:
    """A new database file is readable by its owner only; SQLite gives its WAL the same mode."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class UnitSession(Session):
    """The session of one unit of work: it holds on to what it loaded until it closes.

    SQLAlchemy's identity map holds objects weakly, so an organisation looked up in one function
    and dropped was loaded again by the next `get`: a SELECT each time, four in one answer to a
    step. A unit of work is short (one update, one job tick), so keeping them costs little.
    """


def _keep(session: Session, instance: object) -> None:
    session.info.setdefault(_KEPT, []).append(instance)


_KEPT, _MEMO = "duwtje.kept", "duwtje.memo"
for _event in ("loaded_as_persistent", "pending_to_persistent"):
    event.listen(UnitSession, _event, _keep)


def memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict for values read in this transaction (one traject's overrides, read three times in
    one answer); emptied when the transaction ends, so nothing outlives what it was read in.
    Whoever writes what a memo holds clears it (`forget`)."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_MEMO, {})
    return memos.setdefault(name, {})


def forget(session: Session, name: str) -> None:
    session.info.get(_MEMO, {}).pop(name, None)


@event.listens_for(Session, "after_transaction_end")
def _end_memos(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_MEMO, None)


class DriverSQL:
    """A statement in the driver's own SQL, for the few that run on every update (the claim of
    the update id, who is writing, nudges followed): SQLAlchemy's handling of a statement costs
    more than running it (issue 13, T1), as with the outbox's bulk insert. Written with `?`;
    psycopg gets `%s`. Parameters are what the driver stores: timestamps via `stored_moment`."""

    def __init__(self, sql: str) -> None:
        self._by_dialect = {"sqlite": sql, "postgresql": sql.replace("?", "%s")}

    def run(self, session: Session, *params: Any) -> Any:
        connection = session.connection()
        return connection.exec_driver_sql(self._by_dialect[connection.dialect.name], params)


def stored_moment(session: Session, value: datetime) -> Any:
    """A timestamp as the driver stores it in a UTC column (storage/types.py UTCDateTime)."""
    if session.get_bind().dialect.name == "sqlite":
        return sqlite_timestamp(value)
    return as_utc(value)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = UnitSession(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server `server_url` points at, dropped at the
    end (for tests and the chaos scenarios: runs never see each other's data). Yields its URL."""
    server = normalise_url(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def checkpoint(engine: Engine) -> None:
    """Move what the WAL holds into the database file without waiting for anyone (SQLite's
    PASSIVE checkpoint); nothing to do on PostgreSQL. Blocking: run it from a thread."""
    if engine.dialect.name != "sqlite":
        return
    # Outside any transaction (ours all begin IMMEDIATE, and a checkpoint cannot run in one).
    connection = engine.raw_connection()
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
    finally:
        connection.close()


def compact(engine: Engine) -> None:
    """After an erasure: SQLite's WAL into the file and truncated, then VACUUM, so no page of
    the file or its WAL still holds what was erased (`secure_delete` already overwrote the rows
    themselves). Blocking, outside any transaction: run it from a thread. On PostgreSQL the
    rows are gone for every query at once and autovacuum reclaims the space."""
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        connection.close()
