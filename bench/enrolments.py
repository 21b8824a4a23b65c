"""A database with a municipality's worth of enrolments, for the sweep and memory benchmarks.

Seeded in bulk through sqlite3 into a migrated file with the bot's own pragmas: one
organisation, 50 professionals, and `enrolments` clients each on a line with a step waiting.
Their next nudges are spread over the two weeks ahead, except `due` of them, which are due
now: the afternoon peak, when everyone whose moment is 15:30 comes up at once. A year of nudge
log (a few lines per client, some in the last week) makes the caps' subqueries read something,
and every client has a weekly check-in on its own day.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from content import Content
from content.lines import StepKind
from storage.db import SQLITE_PRAGMAS, make_engine
from storage.migrate import upgrade
from storage.types import sqlite_timestamp

NOW = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)  # a Tuesday, 15:30 in Amsterdam
PROFESSIONALS = 50


def seed(path: Path, content: Content, *, enrolments: int, due: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(3)
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    stamp = sqlite_timestamp(NOW - timedelta(days=200))
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO organisation (id, key, name, privacy_contact, time_zone, language, "
        "created_at) VALUES (1, 'gemeente', 'Gemeente', 'privacy@example.nl', "
        "'Europe/Amsterdam', 'nl', ?)",
        (stamp,),
    )
    connection.executemany(
        "INSERT INTO professional (id, organisation_id, name, language, digest_time, "
        "next_digest_at, created_at) VALUES (?, 1, ?, 'nl', '08:30', ?, ?)",
        [
            (n, f"Collega {n}", sqlite_timestamp(NOW + timedelta(hours=17)), stamp)
            for n in range(1, PROFESSIONALS + 1)
        ],
    )
    lines = list(content.lines.values())
    clients, trajecten, checkins, log = [], [], [], []
    due_ids = set(rng.sample(range(1, enrolments + 1), due))
    for n in range(1, enrolments + 1):
        line = lines[n % len(lines)]
        steps = [s for s in line.steps if s.kind != StepKind.INFO and not s.recurring]
        step = rng.choice(steps)
        moment = rng.choice(("afternoon", "afternoon", "evening", "morning", None))
        role = "pupil" if line.key == "faalangst" else "resident"
        clients.append(
            (n, (n % PROFESSIONALS) + 1, role, 100_000 + n, "nl" if n % 5 else "en", moment, stamp)
        )
        sent = NOW - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 5))
        if n in due_ids:
            next_at = NOW - timedelta(minutes=rng.randint(0, 30))
        else:
            next_at = NOW + timedelta(minutes=rng.randint(1, 14 * 24 * 60))
        trajecten.append(
            (n, n, line.key, step.key, sqlite_timestamp(sent), sqlite_timestamp(sent),
             stamp, rng.choice((0, 0, 0, 1, 2)), sqlite_timestamp(next_at))
        )  # fmt: skip
        recurring = next((s for s in line.steps if s.recurring), None)
        if recurring is not None:
            following = NOW + timedelta(days=rng.randint(1, 7), minutes=rng.randint(1, 600))
            checkins.append((n, recurring.key, sqlite_timestamp(following), rng.randint(0, 20)))
        for _ in range(rng.randint(0, 6)):
            at = NOW - timedelta(days=rng.uniform(0.5, 365))
            rung = rng.randint(1, 3)
            log.append((n, n, "ladder", rung, f"{rung}.{rng.randint(0, 4)}", sqlite_timestamp(at)))
    connection.executemany(
        "INSERT INTO client (id, organisation_id, professional_id, role, chat_id, language, "
        "preferred_moment, status, created_at, confirmed_at, nudges_enabled) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, 'active', ?, ?, 1)",
        [(*c, c[-1]) for c in clients],
    )
    connection.executemany(
        "INSERT INTO traject (id, client_id, line_key, step_key, step_sent_at, stall_since, "
        "started_at, nudge_rung, next_nudge_at, status, stall_reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 'step')",
        trajecten,
    )
    connection.executemany(
        "INSERT INTO traject_checkin (traject_id, step_key, next_at, sent_count) "
        "VALUES (?, ?, ?, ?)",
        checkins,
    )
    connection.executemany(
        "INSERT INTO nudge (client_id, traject_id, kind, rung, text_id, due_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        log,
    )
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
