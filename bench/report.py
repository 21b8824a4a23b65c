"""The anonymous year report (issue 12, point 5): one organisation with 5,000 clients and a
year of activity, `duwtje report --format html` (per month) in under 10 seconds.

What is timed is the whole report as the command makes it: the rows read, counted, every small
number hidden, and the HTML page written with its three charts (`report_ms`; the JSON is
timed too, `json_ms`). The baseline (`orm_rows_ms`) loads the same year of replies and nudges
of the organisation as ORM objects and does nothing with them: what a simpler report would
start from. `ratio` is report_ms / orm_rows_ms.

The check (`wrong_counts`, must be 0): the report's own totals of invitations, trajecten
started, nudges, followed nudges and questions (before hiding) against COUNT(*) queries of the
seed, and every count below 5 in the JSON shown as "<5".

The database is a migrated SQLite file seeded in bulk through sqlite3: 25 professionals, 5,000
clients on the shipped lines (a tenth parents), each with an invitation and a traject begun in
the year, steps done over the year (some videos watched), weekly check-ins with scores, two
nudges a month (a third followed), questions (most answered), appointments, 20 peer groups
meeting every week with polls, and 150 erased people. `--quick`: 500 clients.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench import Figures
from content import Content, load_content
from content.lines import StepKind
from services.report import ALL, organisation_report
from services.report_output import to_html, to_json
from storage.db import SQLITE_PRAGMAS, make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Client, Nudge, Reply
from storage.types import sqlite_timestamp

TARGET = "report_ms < 10000 (a year of one organisation with 5,000 clients, HTML)"
FIRST, LAST = date(2025, 1, 1), date(2025, 12, 31)
START = datetime(2024, 12, 31, 23, tzinfo=UTC)  # 1 January in Amsterdam
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
PROFESSIONALS = 25
GROUPS = 20
DEPARTURES = 150
_KIND = {
    StepKind.INFO: "done",
    StepKind.EXERCISE: "done",
    StepKind.CHOICE: "choice",
    StepKind.SCALE: "scale",
    StepKind.QUESTION: "text",
    StepKind.CHECKIN: "checkin-done",
}


def run(quick: bool) -> Figures:
    clients = 500 if quick else 5_000
    rounds = 3
    content = load_content()
    with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
        path = Path(folder) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        seeding = time.perf_counter()
        seeded = _seed(path, content, clients)
        seed_s = time.perf_counter() - seeding
        engine = make_engine(f"sqlite:///{path}")
        try:
            _report(engine, content, "html")  # warm: templates, matplotlib's import
            measured = [_report(engine, content, "html") for _ in range(rounds)]
            json_ms, page = _report(engine, content, "json")
            baseline = [_orm_rows(engine) for _ in range(rounds)]
            wrong = _wrong_counts(engine, content, page)
        finally:
            engine.dispose()
    report_ms = round(statistics.median(ms for ms, _ in measured), 1)
    orm_ms = round(statistics.median(baseline), 1)
    return {
        "clients": clients,
        "replies": seeded["replies"],
        "nudges": seeded["nudges"],
        "seed_s": round(seed_s, 1),
        "rounds": rounds,
        "report_ms": report_ms,
        "json_ms": round(json_ms, 1),
        "html_bytes": len(measured[-1][1]),
        "orm_rows_ms": orm_ms,
        "ratio": round(report_ms / orm_ms, 3) if orm_ms else None,
        "wrong_counts": wrong,
        "met": report_ms < 10_000 and wrong == 0,
    }


def _report(engine: Engine, content: Content, format: str) -> tuple[float, str]:
    started = time.perf_counter()
    with session_scope(engine) as session:
        made = organisation_report(
            session, content, organisation_key="noord", first=FIRST, last=LAST, per=None, now=NOW
        )
    text = to_html(made) if format == "html" else to_json(made)
    return (time.perf_counter() - started) * 1000, text


def _orm_rows(engine: Engine) -> float:
    started = time.perf_counter()
    with session_scope(engine) as session:
        replies = session.execute(select(Reply)).scalars().all()
        nudges = session.execute(select(Nudge)).scalars().all()
        assert replies and nudges
    return (time.perf_counter() - started) * 1000


def _wrong_counts(engine: Engine, content: Content, page: str) -> int:
    """The report's totals against COUNT(*) of the seed, and no count below 5 shown."""
    wrong = 0
    with session_scope(engine) as session:
        made = organisation_report(
            session, content, organisation_key="noord", first=FIRST, last=LAST, per=None, now=NOW
        )

        def count(sql: str) -> int:
            return int(session.connection().exec_driver_sql(sql).scalar_one())

        erased = made.table(f"take_part:{ALL}")
        assert erased is not None
        totals = {**erased.rows[-1].values}
        contact = made.table(f"contact:{ALL}")
        assert contact is not None
        totals.update(contact.rows[-1].values)
        departures = {
            "started": count("SELECT COUNT(*) FROM departure WHERE joined_month >= '2025-01-01'"),
            "nudges": count("SELECT COALESCE(SUM(nudges), 0) FROM departure"),
            "followed": count("SELECT COALESCE(SUM(nudges_followed), 0) FROM departure"),
            "questions": count("SELECT COALESCE(SUM(questions), 0) FROM departure"),
        }
        expected = {
            "invited": count("SELECT COUNT(*) FROM invite WHERE role != 'professional'"),
            "started": count("SELECT COUNT(*) FROM traject")
            + count("SELECT COUNT(*) FROM traject_member")
            + departures["started"],
            "nudges": count("SELECT COUNT(*) FROM nudge WHERE kind = 'ladder'")
            + departures["nudges"],
            "followed": count(
                "SELECT COUNT(*) FROM nudge WHERE kind = 'ladder' AND followed_at IS NOT NULL"
            )
            + departures["followed"],
            "questions": count("SELECT COUNT(*) FROM question") + departures["questions"],
        }
        clients = int(session.execute(select(func.count()).select_from(Client)).scalar_one())
        assert clients
    wrong += sum(totals[key] != value for key, value in expected.items())
    for table in json.loads(page)["tables"]:
        rates = {c["key"] for c in table["columns"] if c["rate"]}
        for row in table["rows"]:
            for key, value in row["values"].items():
                wrong += key not in rates and isinstance(value, int) and value < 5
    return wrong


def _seed(path: Path, content: Content, clients: int) -> dict[str, int]:
    rng = random.Random(7)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    db.execute("BEGIN IMMEDIATE")
    t = sqlite_timestamp
    db.execute(
        "INSERT INTO organisation (id, key, name, privacy_contact, time_zone, language, "
        "created_at) VALUES (1, 'noord', 'Wijkteam Noord', 'privacy@example.nl', "
        "'Europe/Amsterdam', 'nl', ?)",
        (t(START),),
    )
    db.executemany(
        "INSERT INTO professional (id, organisation_id, name, language, digest_time, created_at) "
        "VALUES (?, 1, ?, 'nl', '08:30', ?)",
        [(n, f"Collega {n}", t(START)) for n in range(1, PROFESSIONALS + 1)],
    )
    lines = [line for line in content.lines.values() if line.key != "mantelzorg"]
    people: list[tuple[object, ...]] = []
    trajecten: list[tuple[object, ...]] = []
    members: list[tuple[object, ...]] = []
    invites: list[tuple[object, ...]] = []
    replies: list[tuple[object, ...]] = []
    nudges: list[tuple[object, ...]] = []
    questions: list[tuple[object, ...]] = []
    appointments: list[tuple[object, ...]] = []
    reply_id = 0
    year = timedelta(days=365)
    for client_id in range(1, clients + 1):
        professional = client_id % PROFESSIONALS + 1
        line = lines[client_id % len(lines)]
        started = START + timedelta(days=1, seconds=rng.uniform(0, 86_400 * 340))
        parent = client_id % 10 == 0 and client_id > 10
        role = "parent" if parent else ("pupil" if line.key == "faalangst" else "resident")
        people.append((client_id, professional, role, t(started)))
        invites.append(
            (
                f"{client_id:064x}",
                role,
                None if parent else line.key,
                professional,
                t(started - timedelta(hours=5)),
                t(started + timedelta(days=14)),
                client_id - 1 if parent else None,
            )
        )
        if parent:  # joins the traject of the client before them
            members.append((client_id - 1, client_id, t(started)))
            continue
        trajecten.append((client_id, client_id, line.key, t(started)))
        at = started
        for step in line.sequence()[: rng.randint(1, len(line.sequence()))]:
            at += timedelta(days=rng.uniform(0.5, 9))
            if at >= NOW:
                break
            if step.video_url and rng.random() < 0.5:
                reply_id += 1
                replies.append(
                    (reply_id, client_id, client_id, step.key, None, None, "watched", None, t(at))
                )
            reply_id += 1
            replies.append(
                (
                    reply_id,
                    client_id,
                    client_id,
                    step.key,
                    None,
                    None,
                    _KIND[step.kind],
                    None,
                    t(at),
                )
            )
        for recurring in line.recurring():
            week = started + timedelta(days=7)
            occurrence = 0
            while week < START + year:
                occurrence += 1
                if rng.random() < 0.6:
                    for item in recurring.items:
                        if item.scale is None:
                            continue
                        reply_id += 1
                        replies.append(
                            (
                                reply_id,
                                client_id,
                                client_id,
                                recurring.key,
                                item.key,
                                occurrence,
                                "checkin",
                                str(rng.randint(item.scale.min, item.scale.max)),
                                t(week),
                            )
                        )
                    reply_id += 1
                    replies.append(
                        (
                            reply_id,
                            client_id,
                            client_id,
                            recurring.key,
                            None,
                            occurrence,
                            "checkin-done",
                            None,
                            t(week),
                        )
                    )
                week += timedelta(days=7)
        due = started + timedelta(days=3)
        while due < START + year:
            followed = due + timedelta(hours=rng.uniform(1, 40)) if rng.random() < 0.33 else None
            nudges.append((client_id, client_id, t(due), t(followed) if followed else None))
            due += timedelta(days=rng.uniform(10, 20))
        for _ in range(rng.randint(0, 3)):
            asked = started + timedelta(days=rng.uniform(0, 20))
            reply_id += 1
            replies.append(
                (reply_id, client_id, None, None, None, None, "question", None, t(asked))
            )
            answered = asked + timedelta(hours=rng.uniform(1, 70)) if rng.random() < 0.85 else None
            questions.append(
                (client_id, professional, reply_id, t(asked), t(answered) if answered else None)
            )
        if rng.random() < 0.3:
            made = started + timedelta(days=rng.uniform(0, 15))
            appointments.append(
                (
                    client_id,
                    professional,
                    rng.choice(("confirmed", "requested")),
                    t(made + timedelta(days=3)),
                    t(made),
                )
            )
    db.executemany(
        "INSERT INTO client (id, organisation_id, professional_id, role, language, status, "
        "created_at, consent_version) VALUES (?, 1, ?, ?, 'nl', 'active', ?, '1')",
        people,
    )
    db.executemany(
        "INSERT INTO traject (id, client_id, line_key, status, started_at, nudge_rung) "
        "VALUES (?, ?, ?, 'active', ?, 0)",
        trajecten,
    )
    db.executemany(
        "INSERT INTO traject_member (traject_id, client_id, relation, created_at) "
        "VALUES (?, ?, 'parent', ?)",
        members,
    )
    db.executemany(
        "INSERT INTO invite (organisation_id, token_hash, role, line_key, professional_id, "
        "created_at, expires_at, traject_id) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        invites,
    )
    db.executemany(
        "INSERT INTO reply (id, client_id, traject_id, step_key, item_key, occurrence, kind, "
        "value, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        replies,
    )
    db.executemany(
        "INSERT INTO nudge (client_id, traject_id, kind, rung, due_at, followed_at) "
        "VALUES (?, ?, 'ladder', 1, ?, ?)",
        nudges,
    )
    db.executemany(
        "INSERT INTO question (client_id, professional_id, reply_id, status, asked_at, "
        "answered_at) VALUES (?, ?, ?, 'answered', ?, ?)",
        questions,
    )
    db.executemany(
        "INSERT INTO appointment (client_id, professional_id, kind, status, starts_at, "
        "created_at) VALUES (?, ?, 'call', ?, ?, ?)",
        appointments,
    )
    _groups(db, rng)
    db.executemany(
        "INSERT INTO departure (organisation_id, role, line_key, joined_month, left_on, "
        "steps_done, questions, nudges, nudges_followed) VALUES (1, 'pupil', 'faalangst', ?, ?, "
        "?, ?, ?, ?)",
        [
            (
                date(2025, 1 + n % 12, 1).isoformat(),
                date(2025, 12, 1 + n % 28).isoformat(),
                n % 9,
                n % 3,
                n % 7,
                n % 4,
            )
            for n in range(DEPARTURES)
        ],
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"replies": len(replies), "nudges": len(nudges)}


def _groups(db: sqlite3.Connection, rng: random.Random) -> None:
    t = sqlite_timestamp
    db.executemany(
        "INSERT INTO peer_group (id, chat_id, status, organisation_id, professional_id, language, "
        "created_at, linked_at, encourage_days, posts, members) "
        "VALUES (?, ?, 'active', 1, 1, 'nl', ?, ?, 0, 0, ?)",
        [(g, -100_000 - g, t(START), t(START), rng.randint(4, 30)) for g in range(1, GROUPS + 1)],
    )
    meetings, polls = [], []
    for group in range(1, GROUPS + 1):
        for week in range(52):
            starts = START + timedelta(days=7 * week + group % 7, hours=19)
            meetings.append(
                (
                    group,
                    t(starts),
                    t(starts - timedelta(days=3)),
                    rng.randint(0, 12),
                    rng.randint(0, 4),
                    t(starts - timedelta(days=4)),
                )
            )
            counts = [rng.randint(0, 6) for _ in range(4)]
            polls.append(
                (
                    group,
                    f"bench:{group}:{week}",
                    json.dumps(counts),
                    sum(counts),
                    t(starts + timedelta(days=1)),
                    t(starts + timedelta(days=3)),
                )
            )
    db.executemany(
        "INSERT INTO group_meeting (group_id, starts_at, minutes, link, repeat_days, status, "
        "announce_at, coming, not_coming, created_at) "
        "VALUES (?, ?, 90, 'https://meet.jit.si/x', 7, 'held', ?, ?, ?, ?)",
        meetings,
    )
    db.executemany(
        "INSERT INTO group_poll (group_id, kind, outbox_key, counts, voters, created_at, "
        "closes_at) VALUES (?, 'week', ?, ?, ?, ?, ?)",
        polls,
    )
