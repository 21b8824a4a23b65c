"""The anonymous report (issue 12): tables of counts per line and per week or month, with every
small number hidden (services/suppression.py), for `duwtje report` and `/maand`.

The tables hold the numbers; which cells are shown is decided once for the whole report, over
every sum it contains (a total and its weeks, all lines and each line, nudges and the followed
ones, a step's reach and its completions), so no small number can be worked out by
subtraction anywhere in it. Rates (the share followed, the median time to an answer, average
scores) are shown only when what they are computed from is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from sqlmodel import Session

from content import Content
from content.lines import Line, StepKind
from content.report_words import ReportWords
from reminders.localtime import at_local
from services import figures, suppression
from services.figures import ADDITIVE, GROUP_ADDITIVE, NO_LINE, OTHER_STEPS, Counted
from services.group_posts import POLL_OPTIONS
from services.suppression import Mark, Relation
from storage.models import GroupPollKind
from storage.report_rows import Scope, fetch

ALL = "*"  # the key of "all lines" in table keys
TOTAL, ERASED = "total", "erased"
MONTH_OR_WEEK_DAYS = 92  # longer periods go per month unless asked otherwise
MIN_PEOPLE_FOR_AVERAGE = suppression.THRESHOLD

CellId = tuple[str, str, str]  # table, row, column
Value = int | float | str | None  # a number, "<5", "×", or None (does not apply)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    rate: bool = False  # a share, a median or an average: not a count


@dataclass
class Row:
    key: str
    label: str
    values: dict[str, int | float | None] = field(default_factory=dict)  # before hiding


@dataclass
class Table:
    key: str  # "take_part:faalangst", "steps:faalangst", "groups", ...
    kind: str
    title: str
    heading: str  # the first column's name
    columns: list[Column]
    rows: list[Row]
    line: str | None = None


@dataclass
class Report:
    language: str
    title: str
    subtitle: str
    per: str
    first: date
    last: date
    generated: str
    notes: list[str]
    definitions: list[str]
    tables: list[Table]
    marks: dict[CellId, Mark]
    words: ReportWords
    bucket_labels: list[str]  # short, for charts

    def value(self, table: Table, row: Row, column: Column) -> Value:
        """What the report shows in a cell: a number, "<5", "×" or None."""
        mark = self.marks.get((table.key, row.key, column.key))
        if mark is not None:
            return str(mark)
        return row.values.get(column.key)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    def say(self, key: str, **values: object) -> str:
        return self.words.say(key, self.language, **values)


def default_per(first: date, last: date) -> str:
    return "month" if (last - first).days >= MONTH_OR_WEEK_DAYS else "week"


def build(
    session: Session,
    content: Content,
    words: ReportWords,
    *,
    organisation_id: int,
    organisation_name: str,
    zone: ZoneInfo,
    first: date,
    last: date,
    per: str,
    now: datetime,
    language: str,
    professional_id: int | None = None,
) -> Report:
    scope = Scope(
        organisation_id=organisation_id,
        start=at_local(first, time(0), zone),
        end=at_local(last + timedelta(days=1), time(0), zone),
        now=now,
        first=first,
        last=last,
        professional_id=professional_id,
    )
    rows = fetch(
        session, scope, reply_kinds=figures.REPLY_KINDS, nudge_kinds=tuple(figures.NUDGE_KINDS)
    )
    counted = figures.count(rows, content, zone, first, last, per)
    return _Builder(content, words, language, counted, erased_row=professional_id is None).report(
        title=words.say("title", language),
        subtitle=words.say(
            "subtitle",
            language,
            organisation=words.say("caseload", language) if professional_id else organisation_name,
            start=_day(first),
            end=_day(last),
        ),
        per=per,
        first=first,
        last=last,
        generated=words.say("generated", language, date=_day(now.astimezone(zone).date())),
    )


def _day(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


class _Builder:
    def __init__(
        self,
        content: Content,
        words: ReportWords,
        language: str,
        counted: Counted,
        *,
        erased_row: bool,
    ) -> None:
        self.content = content
        self.words = words
        self.language = language
        self.c = counted
        self.erased_row = erased_row and bool(counted.erased)
        self.relations: list[Relation[CellId]] = []
        self.unshown: dict[CellId, int] = {}
        self.harmless_zero: set[CellId] = set()
        self.tables: list[Table] = []

    def say(self, key: str, **values: object) -> str:
        return self.words.say(key, self.language, **values)

    # -- rows and labels ------------------------------------------------------------------

    def bucket_rows(self) -> list[Row]:
        rows = [Row(b.key, self.bucket_label(b)) for b in self.c.buckets]
        if self.erased_row:
            rows.append(Row(ERASED, self.say("row_erased")))
        rows.append(Row(TOTAL, self.say("total")))
        return rows

    def bucket_label(self, bucket: figures.Bucket) -> str:
        if "-W" in bucket.key:
            year, week = bucket.key.split("-W")
            return self.say("week", number=int(week), year=year)
        return f"{self.say(f'month_{bucket.start.month}')} {bucket.start.year}"

    def short_labels(self) -> list[str]:
        labels = []
        for b in self.c.buckets:
            if "-W" in b.key:
                labels.append(f"w{int(b.key.split('-W')[1])}")
            else:
                labels.append(f"{self.say(f'month_{b.start.month}')} {b.start.year % 100:02d}")
        return labels

    def line_title(self, line: str) -> str:
        if line == ALL:
            return self.say("all_lines")
        if line == NO_LINE:
            return self.say("no_line")
        known = self.content.lines.get(line)
        return known.title.get(self.language) if known else line

    def columns(self, *keys: str, rates: Iterable[str] = ()) -> list[Column]:
        rated = set(rates)
        names = {"steps": "steps_done"}
        return [Column(k, self.say(names.get(k, k)), rate=k in rated) for k in keys]

    # -- the tables -------------------------------------------------------------------------

    def report(self, **head: object) -> Report:
        lines = [ALL, *self.c.lines]
        for line in lines:
            self.take_part(line)
            self.contact(line)
        for line in self.c.lines:
            self.steps(line)
            self.scores(line)
        self.groups()
        self.cross_line_sums(lines)
        shown = {
            (t.key, r.key, col.key): int(r.values[col.key])  # type: ignore[arg-type]
            for t in self.tables
            for r in t.rows
            for col in t.columns
            if not col.rate and r.values.get(col.key) is not None
        }
        marks = suppression.suppress(
            shown, self.relations, unshown=self.unshown, harmless_zero=self.harmless_zero
        )
        self.rates(marks)
        return Report(
            language=self.language,
            title=str(head["title"]),
            subtitle=str(head["subtitle"]),
            per=str(head["per"]),
            first=head["first"],  # type: ignore[arg-type]
            last=head["last"],  # type: ignore[arg-type]
            generated=str(head["generated"]),
            notes=[self.say("intro"), self.say("small"), self.say("hidden")]
            + ([self.say("erased")] if self.erased_row else []),
            definitions=[
                self.say(f"def_{k}")
                for k in (
                    "invited",
                    "started",
                    "active",
                    "steps",
                    "checkins",
                    "nudges",
                    "questions",
                    "appointments",
                    "reach",
                    "scores",
                    "groups",
                )
            ],
            tables=self.tables,
            marks=marks,
            words=self.words,
            bucket_labels=self.short_labels(),
        )

    def _per_line(self, line: str, measure: str, index: int) -> int:
        if line == ALL:
            return sum(self.c.counts.get((key, index), Counter())[measure] for key in self.c.lines)
        return self.c.counts.get((line, index), Counter())[measure]

    def _erased(self, line: str, measure: str) -> int:
        if line == ALL:
            return sum(self.c.erased.get(key, Counter())[measure] for key in self.c.lines)
        return self.c.erased.get(line, Counter())[measure]

    def _additive(self, table: Table, line: str, measures: Iterable[str]) -> None:
        """Fill the counts of each bucket, the erased row and the total, and note their sums:
        the buckets add up to `kept` (never shown: the people still here), which plus the
        erased row is the total. Sums nested that way let suppression follow a reader who
        combines them (the total minus the per-step counts gives the erased row)."""
        buckets = range(len(self.c.buckets))
        for measure in measures:
            parts = []
            for index, row in zip(buckets, table.rows, strict=False):
                row.values[measure] = self._per_line(line, measure, index)
                parts.append((table.key, row.key, measure))
            kept: CellId = (table.key, "kept", measure)
            self.unshown[kept] = sum(int(table.rows[i].values[measure] or 0) for i in buckets)
            self.relations.append(Relation(kept, tuple(parts)))
            with_erased = self.erased_row and measure in _ERASED_MEASURES
            erased = self._erased(line, measure) if with_erased else 0
            if self.erased_row:
                table.rows[-2].values[measure] = erased if with_erased else None
            table.rows[-1].values[measure] = self.unshown[kept] + erased
            self.relations.append(
                Relation(
                    (table.key, TOTAL, measure),
                    (kept, (table.key, ERASED, measure)) if with_erased else (kept,),
                )
            )

    def take_part(self, line: str) -> None:
        table = Table(
            f"take_part:{line}",
            "take_part",
            self.say("take_part", line=self.line_title(line)),
            self.say("col_period"),
            self.columns("invited", "started", "active", "steps", "checkins"),
            self.bucket_rows(),
            line=line,
        )
        self._additive(table, line, ("invited", "started", "steps", "checkins"))
        self._active_column(table, line)
        self.tables.append(table)

    def _active_column(self, table: Table, line: str) -> None:
        """Active people per bucket and in the period: distinct people, so no plain sums, but
        what a reader knows still holds: the period's count (`kept`, never shown) is at least
        each bucket's (by an unshown slack), equals it with one bucket, and plus the erased
        row gives the total."""
        buckets = table.rows[: len(self.c.buckets)]
        for index, row in enumerate(buckets):
            row.values["active"] = len(self._active(line, index))
        period = (
            set().union(*self.c.active_period.values())
            if line == ALL
            else self.c.active_period.get(line, set())
        )
        kept: CellId = (table.key, "kept", "active")
        self.unshown[kept] = len(period)
        if len(buckets) == 1:
            self.relations.append(Relation(kept, ((table.key, buckets[0].key, "active"),)))
        else:
            for row in buckets:
                slack: CellId = (table.key, f"slack:{row.key}", "active")
                self.unshown[slack] = len(period) - int(row.values["active"] or 0)
                self.relations.append(Relation(kept, ((table.key, row.key, "active"), slack)))
        erased = self._erased(line, "active") if self.erased_row else 0
        if self.erased_row:
            table.rows[-2].values["active"] = erased
            self.relations.append(
                Relation((table.key, TOTAL, "active"), (kept, (table.key, ERASED, "active")))
            )
        else:
            self.relations.append(Relation((table.key, TOTAL, "active"), (kept,)))
        table.rows[-1].values["active"] = len(period) + erased

    def _active(self, line: str, index: int) -> set[int]:
        if line == ALL:
            return set().union(*(self.c.active.get((k, index), set()) for k in self.c.lines))
        return self.c.active.get((line, index), set())

    def contact(self, line: str) -> None:
        table = Table(
            f"contact:{line}",
            "contact",
            self.say("contact", line=self.line_title(line)),
            self.say("col_period"),
            self.columns(
                "nudges",
                "followed",
                "followed_share",
                "questions",
                "answer_time",
                "appointments_asked",
                "appointments_confirmed",
                rates=("followed_share", "answer_time"),
            ),
            self.bucket_rows(),
            line=line,
        )
        self._additive(
            table,
            line,
            ("nudges", "followed", "questions", "appointments_asked", "appointments_confirmed"),
        )
        for row in table.rows:  # "not followed" = nudges - followed: never shown, may be small
            sent, followed = row.values["nudges"], row.values["followed"]
            if sent is None or followed is None:
                continue
            hidden: CellId = (table.key, row.key, "not_followed")
            self.unshown[hidden] = int(sent) - int(followed)
            self.relations.append(
                Relation((table.key, row.key, "nudges"), ((table.key, row.key, "followed"), hidden))
            )
        self.tables.append(table)

    def steps(self, line: str) -> None:
        known = self.content.lines.get(line)
        reach = self.c.reach.get(line, {})
        order: list[tuple[str, str, bool]] = []  # key, label, has a video
        if known is not None:
            order = [(s.key, s.title.get(self.language), bool(s.video_url)) for s in known.steps]
        listed = {key for key, _, _ in order}
        extra = [key for key in reach if key not in listed]
        if extra:
            order.append((OTHER_STEPS, self.say("other_steps"), False))
        table = Table(
            f"steps:{line}",
            "steps",
            self.say("steps", line=self.line_title(line)),
            self.say("col_step"),
            self.columns("reached", "watched", "completed"),
            [],
            line=line,
        )
        for key, label, video in order:
            found = (
                [reach[k] for k in extra if k in reach]
                if key == OTHER_STEPS
                else ([reach[key]] if key in reach else [])
            )
            row = Row(key, label)
            row.values["reached"] = sum(len(r.reached) for r in found)
            row.values["completed"] = sum(len(r.completed) for r in found)
            row.values["watched"] = sum(len(r.watched) for r in found) if video else None
            for part in ("completed", "watched"):
                if row.values[part] is None:
                    continue
                rest: CellId = (table.key, key, f"not_{part}")
                self.unshown[rest] = int(row.values["reached"]) - int(row.values[part])  # type: ignore[arg-type]
                self.relations.append(
                    Relation((table.key, key, "reached"), ((table.key, key, part), rest))
                )
            table.rows.append(row)
        if not table.rows:
            return
        self.tables.append(table)
        if known is None:
            return  # a line no longer shipped: which rows are check-ins is not known
        checkins = {s.key for s in known.steps if s.kind == StepKind.CHECKIN}
        step_rows = [r.key for r in table.rows if r.key not in checkins]
        self.relations.append(
            Relation(
                (f"take_part:{line}", "kept", "steps"),
                tuple((table.key, key, "completed") for key in step_rows),
            )
        )
        # Check-ins: the ones in the row are in this table; the weekly ones count each week.
        weekly: CellId = (table.key, "weekly", "checkins")
        in_row = [
            r
            for r in table.rows
            if r.key in checkins and r.key not in {s.key for s in known.recurring()}
        ]
        counted = self.c.counts
        total_checkins = sum(
            counted.get((line, i), Counter())["checkins"] for i in range(len(self.c.buckets))
        )
        self.unshown[weekly] = total_checkins - sum(int(r.values["completed"] or 0) for r in in_row)
        self.harmless_zero.add(weekly)
        self.relations.append(
            Relation(
                (f"take_part:{line}", "kept", "checkins"),
                (*((table.key, r.key, "completed") for r in in_row), weekly),
            )
        )

    def scores(self, line: str) -> None:
        known: Line | None = self.content.lines.get(line)
        if known is None:
            return
        items = figures.score_items(known)
        if not any(
            (line, i, step, item) in self.c.scores
            for i in range(len(self.c.buckets))
            for step, item in items
        ):
            return
        texts = {(s.key, i.key): i.text.get(self.language) for s in known.steps for i in s.items}
        steps = {s.key: s.title.get(self.language) for s in known.steps}
        seen = Counter(texts[key] for key in items)
        for key in items:  # the same question in two check-ins: say which check-in
            if seen[texts[key]] > 1:
                texts[key] = f"{steps[key[0]]}: {texts[key]}"
        table = Table(
            f"scores:{line}",
            "scores",
            self.say("scores", line=self.line_title(line)),
            self.say("col_period"),
            [Column(f"{s}.{i}", texts[(s, i)], rate=True) for s, i in items],
            [r for r in self.bucket_rows() if r.key != ERASED],
            line=line,
        )
        self.tables.append(table)

    def groups(self) -> None:
        buckets = range(len(self.c.buckets))
        table = Table(
            "groups",
            "groups",
            self.say("groups"),
            self.say("col_period"),
            self.columns(*("meetings", "coming", "not_coming")),
            [r for r in self.bucket_rows() if r.key != ERASED],
        )
        table.columns += [
            Column("polls", self.say("poll_count")),
            Column("votes", self.say("votes")),
        ]
        for measure in GROUP_ADDITIVE:
            for index in buckets:
                table.rows[index].values[measure] = self.c.groups.get(index, Counter())[measure]
            table.rows[-1].values[measure] = sum(
                self.c.groups.get(i, Counter())[measure] for i in buckets
            )
            self.relations.append(
                Relation(
                    ("groups", TOTAL, measure),
                    tuple(("groups", table.rows[i].key, measure) for i in buckets),
                )
            )
        now = Table(
            "groups_now",
            "groups_now",
            self.say("groups_now"),
            "",
            [Column("groups", self.say("group_count")), Column("members", self.say("members"))],
            [
                Row(
                    "now",
                    self.say("groups_now"),
                    {"groups": self.c.groups_now, "members": self.c.members_now},
                )
            ],
        )
        polls = Table(
            "polls",
            "polls",
            self.say("polls"),
            self.say("col_answer"),
            [Column("votes", self.say("votes"))],
            [],
        )
        renderer = self.content.renderer
        for kind in GroupPollKind:
            question = renderer.label(f"group_poll.{kind}", self.language)
            for index, option in enumerate(POLL_OPTIONS[kind]):
                answer = renderer.label(f"group_poll.{kind}_{option}", self.language)
                polls.rows.append(
                    Row(
                        f"{kind}.{option}",
                        f"{question}: {answer}",
                        {"votes": self.c.group_polls[(str(kind), index)]},
                    )
                )
        self.relations.append(
            Relation(
                ("groups", TOTAL, "votes"), tuple(("polls", r.key, "votes") for r in polls.rows)
            )
        )
        self.tables += [table, now, polls]

    def cross_line_sums(self, lines: list[str]) -> None:
        """All lines = the sum of the lines, for every count that adds up."""
        each = [line for line in lines if line != ALL]
        for kind in ("take_part", "contact"):
            table = next(t for t in self.tables if t.key == f"{kind}:{ALL}")
            for row in table.rows:
                for column in table.columns:
                    if (
                        column.rate
                        or column.key not in ADDITIVE
                        or row.values.get(column.key) is None
                    ):
                        continue
                    self.relations.append(
                        Relation(
                            (table.key, row.key, column.key),
                            tuple((f"{kind}:{line}", row.key, column.key) for line in each),
                        )
                    )
        # Active people: each line counts its own, all lines each person once; the overlap
        # (people on two lines in the same week) is never shown, and none of it is no news.
        table = next(t for t in self.tables if t.key == f"take_part:{ALL}")
        for row_key in [*(b.key for b in self.c.buckets), "kept"]:
            overlap: CellId = (table.key, f"overlap:{row_key}", "active")
            mine: CellId = (table.key, row_key, "active")
            value = self.unshown[mine] if row_key == "kept" else table_value(table, row_key)
            per_line: list[CellId] = [(f"take_part:{line}", row_key, "active") for line in each]
            self.unshown[overlap] = sum(self._cell(cell) for cell in per_line) - value
            self.harmless_zero.add(overlap)
            self.relations.append(Relation(mine, tuple(per_line), (overlap,)))
        # Erased people who were active add up over the lines too (each has one line).
        if self.erased_row:
            self.relations.append(
                Relation(
                    (f"take_part:{ALL}", ERASED, "active"),
                    tuple((f"take_part:{line}", ERASED, "active") for line in each),
                )
            )

    def _cell(self, cell: CellId) -> int:
        if cell in self.unshown:
            return self.unshown[cell]
        table = next(t for t in self.tables if t.key == cell[0])
        return table_value(table, cell[1], cell[2])

    # -- rates, once the counts are decided ---------------------------------------------------

    def rates(self, marks: dict[CellId, Mark]) -> None:
        for table in self.tables:
            if table.kind == "contact":
                self._contact_rates(table, marks)
            elif table.kind == "scores":
                self._score_rates(table, marks)

    def _contact_rates(self, table: Table, marks: dict[CellId, Mark]) -> None:
        line = table.line or ALL
        for index, row in enumerate(table.rows):
            sent, followed = row.values["nudges"], row.values["followed"]
            hidden = any((table.key, row.key, k) in marks for k in ("nudges", "followed"))
            if hidden or not sent:
                marks[(table.key, row.key, "followed_share")] = Mark.HIDDEN
            else:
                row.values["followed_share"] = round(int(followed or 0) / int(sent), 3)
            if row.key == ERASED:
                row.values["answer_time"] = None
                continue
            hours = self._answer_hours(line, None if row.key == TOTAL else index)
            if len(hours) < suppression.THRESHOLD:
                marks[(table.key, row.key, "answer_time")] = Mark.HIDDEN
            else:
                row.values["answer_time"] = round(figures.median(hours) or 0.0, 1)

    def _answer_hours(self, line: str, index: int | None) -> list[float]:
        found: list[float] = []
        for (key, i), hours in self.c.answer_hours.items():
            if (line == ALL or key == line) and (index is None or i == index):
                found.extend(hours)
        return found

    def _score_rates(self, table: Table, marks: dict[CellId, Mark]) -> None:
        line = table.line or ""
        for index, row in enumerate(table.rows):
            for column in table.columns:
                step, item = column.key.split(".", 1)
                found = [
                    s
                    for (key, i, s_key, i_key), s in self.c.scores.items()
                    if key == line
                    and s_key == step
                    and i_key == item
                    and (row.key == TOTAL or i == index)
                ]
                people = set().union(*(s.people for s in found)) if found else set()
                values = [v for s in found for v in s.values]
                if len(people) < MIN_PEOPLE_FOR_AVERAGE:
                    marks[(table.key, row.key, column.key)] = Mark.HIDDEN
                else:
                    row.values[column.key] = round(mean(values), 1)


def table_value(table: Table, row_key: str, column: str = "active") -> int:
    row = next(r for r in table.rows if r.key == row_key)
    return int(row.values.get(column) or 0)


# What a Departure row holds (it has no invitation, check-ins or appointments).
_ERASED_MEASURES = ("started", "steps", "questions", "nudges", "followed")


class ReportError(ValueError):
    """A report that cannot be made as asked: the message says what to change."""


def organisation_report(
    session: Session,
    content: Content,
    *,
    organisation_key: str,
    first: date,
    last: date,
    per: str | None,
    now: datetime,
    language: str | None = None,
) -> Report:
    """`duwtje report`: one organisation's figures over first..last (local dates, inclusive)."""
    from storage.organisations import get_organisation_by_key, list_organisations

    organisation = get_organisation_by_key(session=session, key=organisation_key)
    if organisation is None:
        known = ", ".join(o.key for o in list_organisations(session=session)) or "none yet"
        raise ReportError(
            f"no organisation '{organisation_key}' (known: {known}; see `duwtje org list`)"
        )
    if last < first:
        raise ReportError(f"--to {last} is before --from {first}: swap them")
    if (last - first).days > MAX_DAYS:
        raise ReportError(f"at most {MAX_DAYS // 365} years at once: make the period shorter")
    if per is not None and per not in PERS:
        raise ReportError(f"--per is 'week' or 'month', not '{per}'")
    if per == "week" and (last - first).days >= MAX_WEEKLY_DAYS:
        raise ReportError("per week at most a year at once: use --per month, or a shorter period")
    return build(
        session,
        content,
        content.report,
        organisation_id=organisation.id or 0,
        organisation_name=organisation.name,
        zone=ZoneInfo(organisation.time_zone),
        first=first,
        last=last,
        per=per or default_per(first, last),
        now=now,
        language=language or organisation.language,
    )


PERS = ("week", "month")
MAX_DAYS = 3 * 366
# Per week, more than a year makes a table too long to read, and the check of what could be
# worked out (services/suppression.py) grows with it.
MAX_WEEKLY_DAYS = 371
