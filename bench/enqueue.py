"""T4: render and queue 10,000 nudges in one transaction, against raw sqlite3 `executemany` of
the same rows into the same migrated table (same indexes, same pragmas), in the same run.

The nudges go through the sweep's own code (`services.nudges.queue_nudges`, the nudge log's
insert, then the unit of work's flush into the outbox) for 10,000 due trajecten on a mix of
lines, steps and languages, of as many clients seeded beforehand (the log refers to them); the
sweep's query has its own benchmark (T3). `insert_ms` is the outbox flush alone, the part the
raw `executemany` baseline does too.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench import Figures
from bot.run import freeze_long_lived
from content import Content, load_content
from services.nudges import queue_nudges
from services.unit import Unit
from storage import nudges
from storage.crypto import FieldCipher, new_key
from storage.db import SQLITE_PRAGMAS, make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxMessage
from storage.nudges import DueNudge
from storage.outbox import insert_statement

NUDGES = 10_000
TARGET = "total_ms <= 300 and insert_ms <= 2 x raw_executemany_ms"
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # a Monday afternoon: outside quiet hours


def run(quick: bool) -> Figures:
    rounds = 3 if quick else 5
    content = load_content()
    due = _due(content)
    freeze_long_lived()  # as `duwtje run` does once it has started
    measured = [_round(content, due) for _ in range(rounds)]
    # The median round: a shared machine has its hiccups, in our code and in the baseline alike.
    total_ms = statistics.median(m[0] for m in measured)
    insert_ms = statistics.median(m[1] for m in measured)
    raw_ms = statistics.median(m[2] for m in measured)
    return {
        "nudges": NUDGES,
        "rounds": rounds,
        "total_ms": round(total_ms, 1),
        "insert_ms": round(insert_ms, 1),
        "raw_executemany_ms": round(raw_ms, 1),
        "insert_ratio": round(insert_ms / raw_ms, 2),
        "met": total_ms <= 300 and insert_ms <= 2 * raw_ms,
    }


def _due(content: Content) -> list[DueNudge]:
    """Ten thousand stalled trajecten, spread over the shipped lines, their steps, nl and en."""
    places = [(line.key, step.key) for line in content.lines.values() for step in line.steps]
    return [
        DueNudge(
            traject_id=n + 1,
            client_id=n + 1,
            chat_id=100_000 + n,
            language="nl" if n % 4 else "en",
            line_key=places[n % len(places)][0],
            step_key=places[n % len(places)][1],
            nudge_rung=0,
            quiet_hours_start=None,
            quiet_hours_end=None,
            time_zone="Europe/Amsterdam",
        )
        for n in range(NUDGES)
    ]


def _round(content: Content, due: list[DueNudge]) -> tuple[float, float, float]:
    """(total, insert, raw) in milliseconds for one fresh database each."""
    cipher = FieldCipher([new_key()])
    with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        _seed_clients(Path(folder) / "bench.db", due)
        started = time.perf_counter()
        with session_scope(engine) as session:
            unit = Unit(session=session, now=NOW, content=content, cipher=cipher)
            plan = queue_nudges(unit, due)
            nudges.log(session=session, entries=plan.logged)
            inserting = time.perf_counter()
            unit.flush()
        finished = time.perf_counter()
        assert len(plan.logged) == NUDGES and len(unit.queued) == NUDGES
        with session_scope(engine) as session:
            stored = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        assert stored == NUDGES, f"{stored} rows stored, {NUDGES} queued"
        rows = _stored_rows(Path(folder) / "bench.db")
        engine.dispose()
        raw_ms = _raw(Path(folder) / "raw.db", rows)
    return (finished - started) * 1000, (finished - inserting) * 1000, raw_ms


def _seed_clients(path: Path, due: list[DueNudge]) -> None:
    """One organisation, one professional, and the client and traject of every due nudge."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    stamp = "2026-01-05 09:00:00.000000"
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO organisation (id, key, name, privacy_contact, time_zone, language, "
        "created_at) VALUES (1, 'bench', 'Bench', 'privacy@example.nl', 'Europe/Amsterdam', "
        "'nl', ?)",
        (stamp,),
    )
    connection.execute(
        "INSERT INTO professional (id, organisation_id, name, language, digest_time, "
        "created_at) VALUES (1, 1, 'Mirjam', 'nl', '08:30', ?)",
        (stamp,),
    )
    connection.executemany(
        "INSERT INTO client (id, organisation_id, professional_id, role, chat_id, language, "
        "status, created_at, nudges_enabled) VALUES (?, 1, 1, 'resident', ?, ?, 'active', ?, 1)",
        [(d.client_id, d.chat_id, d.language, stamp) for d in due],
    )
    connection.executemany(
        "INSERT INTO traject (id, client_id, line_key, step_key, status, started_at, "
        "nudge_rung, stall_reason) VALUES (?, ?, ?, ?, 'active', ?, 0, 'step')",
        [(d.traject_id, d.client_id, d.line_key, d.step_key, stamp) for d in due],
    )
    connection.execute("COMMIT")
    connection.close()


def _stored_rows(path: Path) -> list[tuple[object, ...]]:
    """The rows exactly as stored, for the baseline to insert again."""
    connection = sqlite3.connect(path)
    columns = ", ".join(insert_statement("?").columns)
    rows = connection.execute(f"SELECT {columns} FROM outbox_message ORDER BY id").fetchall()
    connection.close()
    return rows


def _raw(path: Path, rows: list[tuple[object, ...]]) -> float:
    """The same rows, straight through sqlite3, into the same migrated table."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:  # exactly the bot's own
        connection.execute(f"PRAGMA {pragma}")
    statement = insert_statement("?").sql
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(statement, rows)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed * 1000
