"""The anonymous report (issue 12) against a seeded organisation (tests/report_seed.py): every
number computed again here from the plan of events, small numbers hidden (also where a sum
would give them away), the three formats, and `duwtje report` from the command line."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from content import Content, load_content
from services.report import ALL, Report, organisation_report
from services.report_output import to_csv, to_html, to_json
from services.suppression import Mark, Relation, derivable, suppress
from storage.db import session_scope
from storage.models import Client, Professional
from tests.report_seed import AMS, FIRST, LAST, NOW, WEEKS, Plan, seed, week_of

LINES = ("faalangst", "activiteit")
COMPLETION = {"done", "choice", "scale", "text", "checkin-done"}
ACTIVE = COMPLETION | {"reflection"}


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
def seeded(engine: Engine, content: Content) -> Iterator[tuple[Plan, Report]]:
    with session_scope(engine) as session:
        plan = seed(session, content)
    with session_scope(engine) as session:
        report = organisation_report(
            session, content, organisation_key="noord", first=FIRST, last=LAST, per=None, now=NOW
        )
    yield plan, report


def raw(report: Report, table: str) -> dict[str, dict[str, Any]]:
    found = report.table(table)
    assert found is not None, f"no table {table}"
    return {row.key: row.values for row in found.rows}


# -- the plan, counted here ------------------------------------------------------------------


def expected_take_part(plan: Plan, line: str) -> dict[str, Counter[str]]:
    wanted = LINES if line == ALL else (line,)
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for at, key in plan.invites:
        if key in wanted and week_of(at):
            rows[week_of(at) or ""]["invited"] += 1
    for at, key in plan.starts:
        if key in wanted and week_of(at):
            rows[week_of(at) or ""]["started"] += 1
    first_done: dict[tuple[int, str, int | None], tuple[Any, str]] = {}
    active: dict[str, set[int]] = defaultdict(set)
    for at, key, client, traject, step, kind, occurrence in plan.replies:
        if key not in wanted or not week_of(at):
            continue
        if kind in ACTIVE:
            active[week_of(at) or ""].add(client)
            active["total"].add(client)
        if kind in COMPLETION:
            mark = (traject, step, occurrence)
            if mark not in first_done or at < first_done[mark][0]:
                first_done[mark] = (at, kind)
    for (_, _, occurrence), (at, kind) in first_done.items():
        if kind == "checkin-done":
            rows[week_of(at) or ""]["checkins"] += 1
        elif occurrence is None:
            rows[week_of(at) or ""]["steps"] += 1
    for week, people in active.items():
        rows[week]["active"] = len(people)
    erased = [d for d in plan.departures if d.line_key in wanted]
    rows["erased"] = Counter(
        started=sum(date(2026, 1, 1) <= d.joined_month <= LAST for d in erased),
        active=sum(d.steps_done > 0 for d in erased),
        steps=sum(d.steps_done for d in erased),
    )
    for measure in ("invited", "started", "steps", "checkins"):
        rows["total"][measure] = sum(rows[w][measure] for w in [*WEEKS, "erased"])
    rows["total"]["active"] += rows["erased"]["active"]
    return rows


def expected_contact(plan: Plan, line: str) -> dict[str, Counter[str]]:
    wanted = LINES if line == ALL else (line,)
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for due, key, followed in plan.nudges:
        if key in wanted and week_of(due):
            rows[week_of(due) or ""]["nudges"] += 1
            if followed is not None and followed - due <= timedelta(hours=48):
                rows[week_of(due) or ""]["followed"] += 1
    for asked, key, _answered in plan.questions:
        if key in wanted and week_of(asked):
            rows[week_of(asked) or ""]["questions"] += 1
    for made, starts, key, status in plan.appointments:
        if key not in wanted:
            continue
        if week_of(made):
            rows[week_of(made) or ""]["appointments_asked"] += 1
        if status == "confirmed" and week_of(starts):
            rows[week_of(starts) or ""]["appointments_confirmed"] += 1
    erased = [d for d in plan.departures if d.line_key in wanted]
    rows["erased"] = Counter(
        questions=sum(d.questions for d in erased),
        nudges=sum(d.nudges for d in erased),
        followed=sum(d.nudges_followed for d in erased),
    )
    for measure in (
        "nudges",
        "followed",
        "questions",
        "appointments_asked",
        "appointments_confirmed",
    ):
        rows["total"][measure] = sum(rows[w][measure] for w in [*WEEKS, "erased"])
    return rows


# -- the numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("line", [ALL, *LINES])
def test_taking_part_per_week_matches_the_plan(seeded: tuple[Plan, Report], line: str) -> None:
    plan, report = seeded
    assert report.per == "week"  # four weeks: per week unless asked
    expected = expected_take_part(plan, line)
    got = raw(report, f"take_part:{line}")
    assert list(got) == [*WEEKS, "erased", "total"]
    for row in got:
        for measure in ("invited", "started", "active", "steps", "checkins"):
            if row == "erased" and measure in ("invited", "checkins"):
                assert got[row][measure] is None  # an erased person keeps no such count
                continue
            assert got[row][measure] == expected[row][measure], (row, measure)
    assert expected["total"]["active"] > 5  # the seed is not empty for this line


@pytest.mark.parametrize("line", [ALL, *LINES])
def test_contact_per_week_matches_the_plan(seeded: tuple[Plan, Report], line: str) -> None:
    plan, report = seeded
    expected = expected_contact(plan, line)
    got = raw(report, f"contact:{line}")
    for row in got:
        for measure in ("nudges", "followed", "questions"):
            assert got[row][measure] == expected[row][measure], (row, measure)
        if row != "erased":
            for measure in ("appointments_asked", "appointments_confirmed"):
                assert got[row][measure] == expected[row][measure], (row, measure)
    # A nudge followed after 60 hours is no success: the plan has some.
    late = [n for n in plan.nudges if n[2] is not None and n[2] - n[0] > timedelta(hours=48)]
    assert late


def test_the_share_followed_and_the_median_answer_time(seeded: tuple[Plan, Report]) -> None:
    plan, report = seeded
    table = report.table(f"contact:{ALL}")
    assert table is not None
    total = next(r for r in table.rows if r.key == "total")
    columns = {c.key: c for c in table.columns}
    sent, followed = total.values["nudges"], total.values["followed"]
    assert report.value(table, total, columns["followed_share"]) == round(followed / sent, 3)
    hours = [
        (answered - asked).total_seconds() / 3600
        for asked, _line, answered in plan.questions
        if answered is not None and week_of(asked)
    ]
    assert len(hours) >= 5
    assert report.value(table, total, columns["answer_time"]) == round(statistics.median(hours), 1)
    # A week with fewer than 5 answers shows no median.
    for row in table.rows[:4]:
        answered = [a for a, _line, b in plan.questions if b and week_of(a) == row.key]
        if len(answered) < 5:
            assert report.value(table, row, columns["answer_time"]) == "×"


def test_per_step_reach_watched_and_done(seeded: tuple[Plan, Report], content: Content) -> None:
    plan, report = seeded
    reached: dict[str, set[int]] = defaultdict(set)
    watched: dict[str, set[int]] = defaultdict(set)
    done: dict[str, set[int]] = defaultdict(set)
    for at, line, _client, traject, step, kind, _occurrence in plan.replies:
        if line != "faalangst" or not week_of(at):
            continue
        reached[step].add(traject)
        if kind == "watched":
            watched[step].add(traject)
        elif kind in COMPLETION:
            done[step].add(traject)
    for line, traject, step, sent in plan.waiting:
        if line == "faalangst" and week_of(sent):
            reached[step].add(traject)
    got = raw(report, "steps:faalangst")
    assert list(got) == [s.key for s in content.lines["faalangst"].steps]
    for step in content.lines["faalangst"].steps:
        values = got[step.key]
        assert values["reached"] == len(reached[step.key]), step.key
        assert values["completed"] == len(done[step.key]), step.key
        if step.video_url:
            assert values["watched"] == len(watched[step.key]) > 0
        else:
            assert values["watched"] is None  # no video: nothing to watch
    assert got["wat-is-het"]["reached"] >= got["wat-is-het"]["watched"]  # type: ignore[operator]


def test_check_in_scores_average_per_question(seeded: tuple[Plan, Report]) -> None:
    plan, report = seeded
    table = report.table("scores:faalangst")
    assert table is not None
    column = next(c for c in table.columns if c.key == "weekcheck.zeker")
    for row in table.rows:
        found = [
            (client, value)
            for at, line, client, step, item, value in plan.scores
            if line == "faalangst"
            and step == "weekcheck"
            and item == "zeker"
            and week_of(at)
            and (row.key == "total" or week_of(at) == row.key)
        ]
        shown = report.value(table, row, column)
        if len({client for client, _ in found}) < 5:
            assert shown == "×", row.key
        else:
            assert shown == round(statistics.mean(v for _, v in found), 1), row.key


def test_groups_meetings_rsvps_and_polls(seeded: tuple[Plan, Report]) -> None:
    plan, report = seeded
    groups = raw(report, "groups")
    for week in WEEKS:
        held = [m for m in plan.meetings if week_of(m[0]) == week]
        polls = [p for p in plan.polls if week_of(p[0]) == week]
        assert groups[week]["meetings"] == len(held)
        assert groups[week]["coming"] == sum(m[1] for m in held)
        assert groups[week]["not_coming"] == sum(m[2] for m in held)
        assert groups[week]["polls"] == len(polls)
        assert groups[week]["votes"] == sum(sum(p[2]) for p in polls)
    assert groups["total"]["meetings"] == 3 and groups["total"]["coming"] == 10
    now = raw(report, "groups_now")["now"]
    assert (now["groups"], now["members"]) == (plan.groups_now, plan.members_now)
    polls = raw(report, "polls")
    assert polls["week.light"]["votes"] == 3 and polls["week.okay"]["votes"] == 7
    assert polls["meeting.good"]["votes"] == 4


def test_months_for_a_longer_period(engine: Engine, content: Content) -> None:
    with session_scope(engine) as session:
        plan = seed(session, content)
        report = organisation_report(
            session,
            content,
            organisation_key="noord",
            first=date(2025, 12, 1),
            last=date(2026, 3, 31),
            per=None,
            now=NOW,
        )
    assert report.per == "month"
    got = raw(report, f"take_part:{ALL}")
    assert list(got) == ["2025-12", "2026-01", "2026-02", "2026-03", "erased", "total"]
    january = sum(1 for at, _ in plan.invites if at.astimezone(AMS).strftime("%Y-%m") == "2026-01")
    assert got["2026-01"]["invited"] == january


# -- small numbers ---------------------------------------------------------------------------


def test_every_count_below_five_shows_as_small(seeded: tuple[Plan, Report]) -> None:
    _plan, report = seeded
    data = json.loads(to_json(report))
    small = shown = 0
    for table, source in zip(data["tables"], report.tables, strict=True):
        rates = {c["key"] for c in table["columns"] if c["rate"]}
        for row, raw_row in zip(table["rows"], source.rows, strict=True):
            for key, value in row["values"].items():
                truth = raw_row.values.get(key)
                if key in rates or truth is None:
                    continue
                if truth < 5:
                    assert value == "<5", (table["key"], row["key"], key, truth)
                    small += 1
                else:
                    assert value in (truth, "×"), (table["key"], row["key"], key)
                    shown += isinstance(value, int)
    assert small > 20 and shown > 50  # the seed has plenty of both


def _relations(data: dict[str, Any]) -> list[tuple[tuple[str, str, str], list[Any]]]:
    """The sums a reader can see in the JSON, worked out here: a table's total and its weeks
    (and the erased row), all lines and each line, nudges and the followed ones, a step and
    those who did it or watched its video, the group totals and the polls."""
    tables = {t["key"]: t for t in data["tables"]}
    found: list[tuple[tuple[str, str, str], list[Any]]] = []
    additive = {
        "take_part": ("invited", "started", "steps", "checkins"),
        "contact": (
            "nudges",
            "followed",
            "questions",
            "appointments_asked",
            "appointments_confirmed",
        ),
        "groups": ("meetings", "coming", "not_coming", "polls", "votes"),
    }
    for key, table in tables.items():
        rows = {r["key"]: r["values"] for r in table["rows"]}
        for measure in additive.get(table["kind"], ()):
            parts = [(key, w, measure) for w in rows if w not in ("total",)]
            parts = [p for p in parts if rows[p[1]].get(measure) is not None]
            found.append(((key, "total", measure), parts))
        if table["kind"] == "contact":
            for row in rows:
                found.append(((key, row, "nudges"), [(key, row, "followed"), ("?", key, row)]))
        if table["kind"] == "steps":
            for row, values in rows.items():
                found.append(((key, row, "reached"), [(key, row, "completed"), ("?c", key, row)]))
                if values["watched"] is not None:
                    found.append(((key, row, "reached"), [(key, row, "watched"), ("?w", key, row)]))
    for kind in ("take_part", "contact"):
        for row in tables[f"{kind}:{ALL}"]["rows"]:
            for measure in additive[kind]:
                if row["values"].get(measure) is None:
                    continue
                found.append(
                    (
                        (f"{kind}:{ALL}", row["key"], measure),
                        [(f"{kind}:{line}", row["key"], measure) for line in LINES],
                    )
                )
    found.append(
        (
            ("groups", "total", "votes"),
            [("polls", r["key"], "votes") for r in tables["polls"]["rows"]],
        )
    )
    return found


def test_no_small_number_can_be_worked_out_by_subtraction(seeded: tuple[Plan, Report]) -> None:
    _plan, report = seeded
    data = json.loads(to_json(report))
    tables = {t["key"]: t for t in data["tables"]}

    def cell(ident: Any) -> Any:
        table, row, column = ident
        return next(r for r in tables[table]["rows"] if r["key"] == row)["values"][column]

    known = {
        ident: cell(ident)
        for total, parts in _relations(data)
        for ident in [total, *parts]
        if ident[0] in tables and isinstance(cell(ident), int)
    }
    worked_out: dict[Any, int] = {}
    changed = True
    while changed:  # what a patient reader with a calculator finds
        changed = False
        for total, parts in _relations(data):
            missing = [i for i in [total, *parts] if i not in known]
            if len(missing) != 1:
                continue
            value = (
                sum(known[p] for p in parts)
                if missing[0] == total
                else known[total] - sum(known[p] for p in parts if p != missing[0])
            )
            known[missing[0]] = worked_out[missing[0]] = value
            changed = True
    small = {i: v for i, v in worked_out.items() if v < 5}
    assert not small, small
    assert worked_out  # the check found something to work out (hidden cells that are not small)


def test_suppression_hides_a_partner_and_never_a_total_alone() -> None:
    shown = {"total": 12, "a": 9, "b": 3}
    marks = suppress(shown, [Relation("total", ("a", "b"))])
    assert marks == {"b": Mark.SMALL, "a": Mark.HIDDEN}
    # Two small parts: neither can be worked out; nothing more is hidden.
    assert suppress({"t": 7, "a": 3, "b": 4}, [Relation("t", ("a", "b"))]) == {
        "a": Mark.SMALL,
        "b": Mark.SMALL,
    }
    # A part that is never shown (not followed = 20 - 17) is small: one of the two goes.
    marks = suppress(
        {"sent": 20, "followed": 17}, [Relation("sent", ("followed", "rest"))], unshown={"rest": 3}
    )
    assert marks == {"followed": Mark.HIDDEN}
    assert (
        derivable(
            {"sent": 20, "followed": 17},
            [Relation("sent", ("followed", "rest"))],
            marks,
            unshown={"rest": 3},
        )
        == {}
    )
    # Chains: hiding one cell may expose another relation; it goes on until none is left.
    relations = [Relation("t", ("a", "b")), Relation("a", ("c", "d"))]
    shown = {"t": 30, "a": 20, "b": 10, "c": 2, "d": 18}
    marks = suppress(shown, relations)
    assert marks["c"] == Mark.SMALL and not derivable(shown, relations, marks).get("c")
    # Zero is below five too.
    assert suppress({"x": 0}, []) == {"x": Mark.SMALL}


# -- the formats -----------------------------------------------------------------------------


def test_csv_has_one_row_per_cell_and_the_same_values(seeded: tuple[Plan, Report]) -> None:
    _plan, report = seeded
    data = json.loads(to_json(report))
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    cells = sum(len(t["rows"]) * len(t["columns"]) for t in data["tables"])
    assert len(rows) == cells
    first = data["tables"][0]
    row = next(
        r
        for r in rows
        if r["table"] == first["kind"]
        and r["line"] == first["line"]
        and r["row"] == "total"
        and r["column"] == "invited"
    )
    assert row["value"] == str(first["rows"][-1]["values"]["invited"])


def test_the_report_holds_no_names_texts_or_ids(engine: Engine, content: Content) -> None:
    with session_scope(engine) as session:
        seed(session, content)
        professionals = [p.name for p in session.exec(select(Professional)).all()]
        ids = {str(c.id) for c in session.exec(select(Client)).all()}
        report = organisation_report(
            session, content, organisation_key="noord", first=FIRST, last=LAST, per=None, now=NOW
        )
    for text in (to_json(report), to_csv(report), to_html(report)):
        for name in professionals:
            assert name not in text
    data = json.loads(to_json(report))
    keys = {row["key"] for t in data["tables"] for row in t["rows"]}
    assert not keys & ids  # rows are weeks, steps, answers: never a person


def test_in_english(engine: Engine, content: Content) -> None:
    with session_scope(engine) as session:
        seed(session, content)
        report = organisation_report(
            session,
            content,
            organisation_key="noord",
            first=FIRST,
            last=LAST,
            per="week",
            now=NOW,
            language="en",
        )
    page = to_html(report)
    assert "Duwtje&#39;s reach" in page
    assert "Taking part: All lines" in page and "Nudges per week: followed or not" in page
    assert 'lang="en"' in page and "Meedoen" not in page


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, content: Content) -> Path:
    from bot.settings import load_settings
    from bot.setup import prepare_database
    from storage.db import make_engine
    from tests.test_cli_admin import ENV

    path = tmp_path / "duwtje.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///d.db"\n'
        '[organisation]\nkey = "wijkteam-zuid"\nname = "Wijkteam Zuid"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, ENV)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        seed(session, content)
    engine.dispose()
    return path


def test_duwtje_report_writes_each_format(config: Path) -> None:
    from tests.test_cli_admin import run

    for format in ("html", "csv", "json"):
        out = config.parent / f"jaar.{format}"
        code, _stdout, stderr = run(
            config,
            "report",
            "--org",
            "noord",
            "--from",
            "2026-01-05",
            "--to",
            "2026-02-01",
            "--format",
            format,
            "--out",
            str(out),
        )
        assert code == 0, stderr
        assert f"Wrote {out}" in stderr
        assert out.stat().st_size > 1000
    data = json.loads((config.parent / "jaar.json").read_text(encoding="utf-8"))
    assert data["per"] == "week" and data["tables"][0]["kind"] == "take_part"
    assert (config.parent / "jaar.html").read_text(encoding="utf-8").count("<svg") == 3
    code, stdout, _ = run(
        config,
        "report",
        "--org",
        "noord",
        "--from",
        "2026-01-05",
        "--to",
        "2026-02-01",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(stdout)["from"] == "2026-01-05"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--org", "nergens", "--from", "2026-01-01", "--to", "2026-12-31"],
            "no organisation 'nergens'",
        ),
        (["--org", "noord", "--from", "1-1-2026", "--to", "2026-12-31"], "YYYY-MM-DD"),
        (["--org", "noord", "--from", "2026-12-31", "--to", "2026-01-01"], "swap them"),
        (
            ["--org", "noord", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "pdf"],
            "html, csv, json",
        ),
        (
            ["--org", "noord", "--from", "2026-01-01", "--to", "2026-12-31", "--per", "dag"],
            "'week' or 'month'",
        ),
        (
            ["--org", "noord", "--from", "2025-01-01", "--to", "2026-12-31", "--per", "week"],
            "use --per month",
        ),
    ],
)
def test_duwtje_report_explains_a_wrong_question(config: Path, args: list[str], says: str) -> None:
    from tests.test_cli_admin import run

    code, stdout, stderr = run(config, "report", *args)
    assert code != 0
    assert says in stdout + stderr
    assert "Traceback" not in stderr


def test_a_sum_without_parts_or_a_lone_part_ends() -> None:
    # "All lines" of a caseload without lines: a total with no parts; it must not loop.
    assert suppress({"all": 0}, [Relation("all", ())]) == {"all": Mark.SMALL}
    # One line: all lines equals it; hiding one hides the other.
    shown = {"all": 9, "line": 9, "t": 12, "x": 3}
    relations = [Relation("all", ("line",)), Relation("t", ("all", "x"))]
    marks = suppress(shown, relations)
    assert marks["x"] == Mark.SMALL and len(marks) == 3  # two more hidden: all, then line or t
    assert "x" not in derivable(shown, relations, marks)


# -- what a reader with linear programming can work out ----------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "per"),
    [(FIRST, LAST, "week"), (date(2026, 1, 1), date(2026, 1, 31), "month")],  # 4 buckets, 1
)
def test_no_small_number_can_be_pinned_down_with_the_bounds_a_reader_knows(
    engine: Engine, content: Content, first: date, last: date, per: str
) -> None:
    """Stronger than the subtraction above: the reader also knows a "<5" is 0-4, a "×" is 5 or
    more, and that people active in the period are at least those of any week. For every
    small number (shown or a difference), the smallest and largest value it can have given
    everything in the JSON are found with scipy's linear programming; they must differ."""
    import numpy as np
    from scipy.optimize import linprog

    with session_scope(engine) as session:
        seed(session, content)
        report = organisation_report(
            session, content, organisation_key="noord", first=first, last=last, per=per, now=NOW
        )
    data = json.loads(to_json(report))
    buckets = [r["key"] for r in data["tables"][0]["rows"] if r["key"] not in ("erased", "total")]
    tables = {t["key"]: t for t in data["tables"]}
    truth = {
        (t.key, r.key, c): v for t in report.tables for r in t.rows for c, v in r.values.items()
    }

    def shown(ident: Any) -> Any:
        table, row, column = ident
        return next(r for r in tables[table]["rows"] if r["key"] == row)["values"][column]

    equations: list[tuple[dict[Any, int], int]] = []  # sum(coef * cell) = constant
    hidden: dict[Any, int] = {}  # parts never shown, with their true values

    def equal(total: Any, parts: list[Any], minus: list[Any] = ()) -> None:  # type: ignore[assignment]
        terms: dict[Any, int] = defaultdict(int)
        terms[total] += 1
        for p in parts:
            terms[p] -= 1
        for m in minus:
            terms[m] += 1
        equations.append((dict(terms), 0))

    for total, parts in _relations(data):
        for part in parts:
            if part[0].startswith("?"):
                kind, table, row = part
                column = {"?": "followed", "?c": "completed", "?w": "watched"}[kind]
                base = "nudges" if kind == "?" else "reached"
                hidden[part] = truth[(table, row, base)] - truth[(table, row, column)]
        equal(total, parts)
    for line in (ALL, *LINES):
        key = f"take_part:{line}"
        kept = ("kept", key)
        hidden[kept] = truth[(key, "total", "active")] - truth[(key, "erased", "active")]
        equal((key, "total", "active"), [kept, (key, "erased", "active")])
        if len(buckets) == 1:  # one month: the period's people are that month's
            equal(kept, [(key, buckets[0], "active")])
        else:
            for week in buckets:  # the period's people are at least each week's
                slack = ("slack", key, week)
                hidden[slack] = hidden[kept] - truth[(key, week, "active")]
                equal(kept, [(key, week, "active"), slack])
        steps = ("steps", key)
        hidden[steps] = truth[(key, "total", "steps")] - truth[(key, "erased", "steps")]
        equal(steps, [(key, week, "steps") for week in buckets])
        if line != ALL:
            plain = [s.key for s in content.lines[line].steps if s.kind != "checkin"]
            equal(steps, [(f"steps:{line}", step, "completed") for step in plain])
    for week in [*buckets, "total"]:
        overlap = ("overlap", week)
        parts = [(f"take_part:{line}", week, "active") for line in LINES]
        hidden[overlap] = sum(truth[p] for p in parts) - truth[(f"take_part:{ALL}", week, "active")]
        equal((f"take_part:{ALL}", week, "active"), parts, [overlap])

    cells = sorted({c for terms, _ in equations for c in terms}, key=str)
    index = {c: i for i, c in enumerate(cells)}
    bounds: list[tuple[float, float | None]] = []
    for cell in cells:
        if cell in hidden:
            bounds.append((0, None))
            continue
        value = shown(cell)
        if value == "<5":
            bounds.append((0, 4))
        elif value == "×":
            bounds.append((5, None))
        else:
            bounds.append((value, value))
    a_eq = np.zeros((len(equations), len(cells)))
    for row, (terms, _) in enumerate(equations):
        for cell, coefficient in terms.items():
            a_eq[row, index[cell]] += coefficient
    b_eq = np.zeros(len(equations))
    sensitive = [
        c
        for c in cells
        if (c in hidden and hidden[c] < 5 and not (c[0] == "overlap" and hidden[c] == 0))
        or (c not in hidden and shown(c) == "<5")
    ]
    assert len(sensitive) > 20
    pinned = {}
    for cell in sensitive:
        objective = np.zeros(len(cells))
        objective[index[cell]] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status == 0, (cell, low.message, high.message)
        if -high.fun - low.fun < 0.5:
            pinned[cell] = round(low.fun)
    assert not pinned, pinned


def test_suppression_uses_the_bounds_a_reader_knows() -> None:
    """A "<5" is 0-4 and a "×" is 5 or more: two small parts of 8 are both 4; parts that
    already add up to the total make the others 0; 5 nudges of which a hidden ≥5 followed."""
    for shown, relations, unshown in (
        ({"t": 8, "a": 4, "b": 4}, [Relation("t", ("a", "b"))], {}),
        ({"t": 12, "a": 12, "b": 0, "c": 0}, [Relation("t", ("a", "b", "c"))], {}),
        ({"sent": 5, "followed": 5}, [Relation("sent", ("followed", "rest"))], {"rest": 0}),
    ):
        marks = suppress(shown, relations, unshown=unshown)
        assert any(m == Mark.SMALL for m in marks.values()) or unshown
        small = {c for c, v in {**shown, **unshown}.items() if v < 5}
        assert not set(derivable(shown, relations, marks, unshown=unshown)) & small, marks
