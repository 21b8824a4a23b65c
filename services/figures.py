"""Counting for the anonymous report (issue 12): the rows of storage/report_rows.py turned into
numbers per line and per week or month. Nothing here is shown yet; services/report.py makes
the tables, hides small numbers and writes them out.

What is counted, so the report can say it in words:
- invited: invitations of clients made in the period (not a group's open carer link);
- started: trajecten begun in the period, and parents who joined one (both after consent);
- active: people who did at least one step or check-in;
- steps: steps done, once per traject (a together step done by a parent counts once);
- check-ins: check-ins filled in (a weekly one counts each week);
- nudges: the nudges that went (the ladder, a welcome back, a professional's "nudge now"),
  and how many were followed by something done within 48 hours;
- questions: asked, and the median time until the answer went;
- appointments: asked for, and confirmed ones by the day they take place;
- per step: how many trajecten reached it (got it or answered it), marked its video watched,
  and did it;
- scores: the average of each check-in question's scores.
People who had everything erased are counted from their Departure row only (a month and a few
counts over their whole time with us), never in a week: the row "erased" in each table.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content import Content
from content.lines import ItemKind, Line
from reminders.localtime import at_local
from services.group_posts import POLL_OPTIONS
from services.trajecten import DONE_KINDS, WATCHED_KIND
from storage.models import AppointmentStatus, GroupPollKind, NudgeKind
from storage.report_rows import Rows

KNOWN_POLLS = {str(kind) for kind in GroupPollKind}
NO_LINE = "-"  # a person without a line (yet): kept apart, so the sums still add up
OTHER_STEPS = "-"  # steps added for one traject only, counted together
FOLLOWED_WITHIN = timedelta(hours=48)
# What a step's completion is (a reflection comes after its "done"; it does not complete twice).
COMPLETION_KINDS = tuple(k for k in DONE_KINDS if k != "reflection")
CHECKIN_DONE = "checkin-done"
STEP_KINDS = tuple(k for k in COMPLETION_KINDS if k != CHECKIN_DONE)  # a step, not a check-in
REPLY_KINDS = (*DONE_KINDS, "checkin", WATCHED_KIND)
NUDGE_KINDS = (NudgeKind.LADDER, NudgeKind.WELCOME, NudgeKind.PROFESSIONAL)

# Counts per line and bucket; `active` is a number of distinct people and does not add up.
ADDITIVE = (
    "invited",
    "started",
    "steps",
    "checkins",
    "nudges",
    "followed",
    "questions",
    "appointments_asked",
    "appointments_confirmed",
)
GROUP_ADDITIVE = ("meetings", "coming", "not_coming", "polls", "votes")


@dataclass(frozen=True)
class Bucket:
    key: str  # "2026-03" or "2026-W05"
    start: date  # local, inclusive
    end: date  # local, exclusive


def buckets(first: date, last: date, per: str) -> list[Bucket]:
    """Weeks (Monday to Sunday, ISO numbers) or calendar months covering first..last, the first
    and last cut to the period."""
    found: list[Bucket] = []
    day = first
    while day <= last:
        if per == "week":
            following = day + timedelta(days=7 - day.weekday())
            year, week, _ = day.isocalendar()
            key = f"{year}-W{week:02d}"
        else:
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            key = f"{day.year}-{day.month:02d}"
        end = min(following, last + timedelta(days=1))
        found.append(Bucket(key, day, end))
        day = end
    return found


@dataclass
class Scores:
    values: list[int] = field(default_factory=list)
    people: set[int] = field(default_factory=set)


@dataclass
class Reach:
    reached: set[int] = field(default_factory=set)
    watched: set[int] = field(default_factory=set)
    completed: set[int] = field(default_factory=set)


@dataclass
class Counted:
    """Everything counted, by line key (NO_LINE for none) and bucket index."""

    buckets: list[Bucket]
    counts: dict[tuple[str, int], Counter[str]]
    active: dict[tuple[str, int], set[int]]  # people active per line and bucket
    active_period: dict[str, set[int]]  # per line over the whole period
    answer_hours: dict[tuple[str, int], list[float]]
    scores: dict[tuple[str, int, str, str], Scores]  # line, bucket, step, item
    reach: dict[str, dict[str, Reach]]  # line -> step key -> trajecten
    erased: dict[str, Counter[str]]  # per line: the Departure rows
    groups: dict[int, Counter[str]]  # per bucket
    group_polls: Counter[tuple[str, int]]  # (poll kind, option index) -> votes
    groups_now: int
    members_now: int
    lines: list[str]  # the lines with anything counted, in content order, NO_LINE last


def count(
    rows: Rows, content: Content, zone: ZoneInfo, first: date, last: date, per: str
) -> Counted:
    periods = buckets(first, last, per)
    edges = [at_local(b.start, time(0), zone) for b in periods]

    def bucket_of(moment: datetime) -> int:
        return bisect.bisect_right(edges, moment) - 1

    line_of_traject = {t.id: t.line_key for t in rows.trajecten}
    client_lines: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for t in rows.trajecten:
        client_lines[t.client_id].append((t.started_at, t.line_key))
    for m in rows.members:
        if m.traject_id in line_of_traject:
            client_lines[m.client_id].append((m.created_at, line_of_traject[m.traject_id]))
    for found in client_lines.values():
        found.sort()

    def line_at(client_id: int, moment: datetime) -> str:
        """The line someone was on at that moment (the one begun last before it)."""
        found = client_lines.get(client_id)
        if not found:
            return NO_LINE
        index = bisect.bisect_right(found, (moment, "\uffff")) - 1
        return str(found[max(index, 0)][1])

    def line_of(traject_id: int | None, client_id: int, moment: datetime) -> str:
        if traject_id is not None and traject_id in line_of_traject:
            return str(line_of_traject[traject_id])
        return line_at(client_id, moment)

    counts: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    start, end = edges[0], at_local(last + timedelta(days=1), time(0), zone)

    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    for created_at, line_key in rows.invites:
        counts[(line_key or NO_LINE, bucket_of(created_at))]["invited"] += 1
    for t in rows.trajecten:
        if inside(t.started_at):
            counts[(t.line_key, bucket_of(t.started_at))]["started"] += 1
    for m in rows.members:
        if inside(m.created_at) and m.traject_id in line_of_traject:
            counts[(line_of_traject[m.traject_id], bucket_of(m.created_at))]["started"] += 1

    active: dict[tuple[str, int], set[int]] = defaultdict(set)
    active_period: dict[str, set[int]] = defaultdict(set)
    completions: dict[tuple[int, str, int | None], tuple[datetime, str]] = {}
    scores: dict[tuple[str, int, str, str], Scores] = defaultdict(Scores)
    reach: dict[str, dict[str, Reach]] = defaultdict(lambda: defaultdict(Reach))
    for r in rows.replies:
        line_key = line_of(r.traject_id, r.client_id, r.created_at)
        index = bucket_of(r.created_at)
        if r.kind in DONE_KINDS:
            active[(line_key, index)].add(r.client_id)
            active_period[line_key].add(r.client_id)
        if r.traject_id is None or r.step_key is None:
            continue
        if r.kind in COMPLETION_KINDS:
            key = (r.traject_id, r.step_key, r.occurrence)
            if key not in completions or r.created_at < completions[key][0]:
                completions[key] = (r.created_at, r.kind)
        if r.kind == "checkin" and r.item_key and r.value is not None and r.value.isdigit():
            scored = scores[(line_key, index, r.step_key, r.item_key)]
            scored.values.append(int(r.value))
            scored.people.add(r.client_id)
        step = reach[line_key][r.step_key]
        step.reached.add(r.traject_id)
        if r.kind == WATCHED_KIND:
            step.watched.add(r.traject_id)
        elif r.kind in COMPLETION_KINDS:
            step.completed.add(r.traject_id)
    for t in rows.trajecten:  # waiting at a step that came in the period, not answered yet
        if t.step_key is not None and inside(t.step_sent_at):
            reach[t.line_key][t.step_key].reached.add(t.id)
    for (traject_id, _step, occurrence), (at, kind) in completions.items():
        cell = counts[(line_of_traject.get(traject_id, NO_LINE), bucket_of(at))]
        if kind == CHECKIN_DONE:
            cell["checkins"] += 1
        elif occurrence is None:
            cell["steps"] += 1

    for n in rows.nudges:
        cell = counts[(line_of(n.traject_id, n.client_id, n.due_at), bucket_of(n.due_at))]
        cell["nudges"] += 1
        if n.followed_at is not None and n.followed_at - n.due_at <= FOLLOWED_WITHIN:
            cell["followed"] += 1
    answer_hours: dict[tuple[str, int], list[float]] = defaultdict(list)
    for q in rows.questions:
        asked = (line_at(q.client_id, q.asked_at), bucket_of(q.asked_at))
        counts[asked]["questions"] += 1
        if q.answered_at is not None:
            answer_hours[asked].append((q.answered_at - q.asked_at).total_seconds() / 3600)
    for a in rows.appointments:
        if inside(a.created_at):
            counts[(line_at(a.client_id, a.created_at), bucket_of(a.created_at))][
                "appointments_asked"
            ] += 1
        if a.status == AppointmentStatus.CONFIRMED and inside(a.starts_at):
            counts[(line_at(a.client_id, a.starts_at), bucket_of(a.starts_at))][
                "appointments_confirmed"
            ] += 1

    erased: dict[str, Counter[str]] = defaultdict(Counter)
    first_month = first.replace(day=1)
    for d in rows.departures:
        cell = erased[d.line_key or NO_LINE]
        cell["started"] += int(first_month <= d.joined_month <= last)
        cell["active"] += int(d.steps_done > 0)
        cell["steps"] += d.steps_done
        cell["questions"] += d.questions
        cell["nudges"] += d.nudges
        cell["followed"] += d.nudges_followed

    groups: dict[int, Counter[str]] = defaultdict(Counter)
    for meeting in rows.meetings:
        cell = groups[bucket_of(meeting.starts_at)]
        cell["meetings"] += 1
        cell["coming"] += meeting.coming
        cell["not_coming"] += meeting.not_coming
    polls: Counter[tuple[str, int]] = Counter()
    for poll in rows.polls:
        options = POLL_OPTIONS.get(GroupPollKind(poll.kind)) if poll.kind in KNOWN_POLLS else None
        if options is None:
            continue  # a kind we no longer ask: it has no row in the polls table to add up to
        votes = _poll_counts(poll.counts)[: len(options)]
        cell = groups[bucket_of(poll.created_at)]
        cell["polls"] += 1
        cell["votes"] += sum(votes)
        for option, value in enumerate(votes):
            polls[(poll.kind, option)] += value
    live = [g for g in rows.groups if g.status == "active"]

    seen = {line for line, _ in counts} | set(active_period) | set(erased) | set(reach)
    ordered = [key for key in content.lines if key in seen]
    ordered += sorted(seen - set(ordered) - {NO_LINE})  # a line no longer shipped
    if NO_LINE in seen:
        ordered.append(NO_LINE)
    return Counted(
        buckets=periods,
        counts=dict(counts),
        active=dict(active),
        active_period=dict(active_period),
        answer_hours=dict(answer_hours),
        scores=dict(scores),
        reach={line: dict(steps) for line, steps in reach.items()},
        erased=dict(erased),
        groups=dict(groups),
        group_polls=polls,
        groups_now=len(live),
        members_now=sum(g.members or 0 for g in live),
        lines=ordered,
    )


def _poll_counts(raw: str) -> list[int]:
    try:
        values = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(values, list):
        return []
    return [v if isinstance(v, int) and v >= 0 else 0 for v in values]


def median(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.median(found) if found else None


def score_items(line: Line) -> list[tuple[str, str]]:
    """(step key, item key) of every scale question of the line's check-ins, in order."""
    return [
        (step.key, item.key)
        for step in line.steps
        if step.items
        for item in step.items
        if item.kind == ItemKind.SCALE
    ]
