"""T3: the sweep over 100,000 enrolments in at most 50 ms and at most 3x raw sqlite3 running the
same SQL, in the same run, on the same database.

What is timed is how the sweep finds what is due: every query of one sweep tick as the sweep
runs them (`storage.nudges.due_nudges`, with the caps and the last text as correlated
subqueries; `storage.checkins.due_checkins` and `due_reminders`; `storage.digests.
due_professionals`; the organisations for a welcome back), rows in, in one transaction. The
nudges those rows become are rendered and queued by T4 (`duwtje bench enqueue`), so that part
is not timed twice. The database (bench/enrolments.py) has 1% of its enrolments due at once:
the afternoon peak. The baseline (`raw_sql_ms`) is sqlite3 running the very statements the
sweep sent (captured from the engine), with the same parameters, fetching every row.

`wrong_rows` must be 0: the sweep's due nudges are exactly the seeded due enrolments.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench import Figures
from bench.enrolments import NOW, seed
from bot.run import freeze_long_lived
from content import load_content
from storage import checkins, digests, nudges
from storage.db import SQLITE_PRAGMAS, make_engine, session_scope
from storage.organisations import in_school_regions

TARGET = "sweep_ms <= 50 and sweep_ms <= 3 x raw_sql_ms (100,000 enrolments, 1% due)"


def run(quick: bool) -> Figures:
    enrolments = 10_000 if quick else 100_000
    due = enrolments // 100
    rounds = 11 if quick else 21
    content = load_content()
    with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
        path = Path(folder) / "bench.db"
        seed(path, content, enrolments=enrolments, due=due)
        freeze_long_lived()
        engine = make_engine(f"sqlite:///{path}")
        try:
            found, statements = _capture(engine)
            _round(engine)  # warm: statements compiled, pages cached
            measured = [_round(engine) for _ in range(rounds)]
            raw = [_raw(path, statements) for _ in range(rounds)]
        finally:
            engine.dispose()
    sweep_ms = round(statistics.median(measured), 2)
    raw_ms = round(statistics.median(raw), 2)
    return {
        "enrolments": enrolments,
        "due": found,
        "rounds": rounds,
        "sweep_ms": sweep_ms,
        "raw_sql_ms": raw_ms,
        "ratio": round(sweep_ms / raw_ms, 2),
        "wrong_rows": abs(found - due),
        "met": sweep_ms <= 50 and sweep_ms <= 3 * raw_ms and found == due,
    }


def _sweep_reads(engine: Engine) -> int:
    """Every read of one sweep tick; returns how many nudges were due."""
    with session_scope(engine) as session:
        due = nudges.due_nudges(session=session, now=NOW)
        checkins.due_checkins(session=session, now=NOW)
        checkins.due_reminders(session=session, now=NOW)
        digests.due_professionals(session=session, now=NOW)
        in_school_regions(session=session)
        return len(due)


def _round(engine: Engine) -> float:
    started = time.perf_counter()
    _sweep_reads(engine)
    return (time.perf_counter() - started) * 1000


def _capture(engine: Engine) -> tuple[int, list[tuple[str, Any]]]:
    """One sweep's reads, with the SQL and parameters the engine sent (selects only)."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        found = _sweep_reads(engine)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return found, sent


def _raw(path: Path, statements: list[tuple[str, Any]]) -> float:
    """The same statements through sqlite3, in one transaction as the sweep's."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    for statement, parameters in statements:  # warm the page cache as the sweep's round was
        connection.execute(statement, parameters).fetchall()
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for statement, parameters in statements:
        connection.execute(statement, parameters).fetchall()
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed * 1000
