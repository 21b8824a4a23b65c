"""Catalogue 7, time: the sweep (what `duwtje run`'s sweep job runs every tick: nudges,
check-ins and their reminders, digests) driven through two weeks of simulated time in
Europe/Amsterdam: the week of the spring daylight-saving Sunday (29 March 2026, 02:00 -> 03:00)
and the week of the autumn one (25 October 2026, 03:00 -> 02:00), every midnight, a clock
that jumps back an hour just after the digests went, one that jumps forward an hour over
them, and a 26-hour outage. Exactly one per slot: no client gets two automatic messages on
one day, no professional two digests on one day, nobody who was due goes without or more than
three days late, no slot is tried twice, nothing goes out in quiet hours (21:00-08:00), and no
sweep hangs.

A tick every 5 simulated minutes (`--quick`: every 15); the real bot ticks every minute,
but the rules only look at "now", so a coarser tick changes when within the minute, not what.
This is the sweep on a real SQLite file without the network: time is what is under test, and
a real clock cannot be moved by days.
"""

from __future__ import annotations

import tempfile
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlmodel import col

from bench.update import offline_settings
from chaos import Figures
from content import Content, load_content
from reminders.calendar import dutch_public_holidays
from reminders.localtime import local_date
from reminders.quiet import in_quiet_hours
from services.digests import next_digest_at
from services.sweep import sweep
from services.unit import Unit
from storage.crypto import FieldCipher
from storage.db import make_engine, session_scope
from storage.models import (
    Client,
    ConsentRecord,
    Organisation,
    OutboxMessage,
    Professional,
    Role,
    Traject,
    TrajectCheckin,
)

NAME = "clock"
CRITERION = (
    "both daylight-saving weeks, midnights, a -1 h and a +1 h jump, a 26-hour outage: "
    "double_per_day == 0, double_digests == 0, repeated_attempts == 0, missed == 0, late == 0, "
    "messages_in_quiet_hours == 0, no sweep over 2 s"
)
ZONE = ZoneInfo("Europe/Amsterdam")
QUIET = (dtime(21, 0), dtime(8, 0))  # services/nudge_policy.py's defaults
AUTOMATIC = ("nudge", "checkin")  # a client's one automatic message a day
PROFESSIONALS, CASELOAD = 3, 20
LINE, STEP, CHECKIN = "activiteit", "eerste-week", "weekcheck"
HOLIDAYS = dutch_public_holidays(2026, 2026)  # no automatic messages then (Easter, in spring)


@dataclass(frozen=True)
class Week:
    name: str
    start: datetime  # local midnight
    end: datetime
    changeover: datetime  # 02:30 on the daylight-saving Sunday: missing in spring, twice in autumn
    # (at, to, what): at local time `at` the clock reads `to`: a jump either way, or the
    # end of an outage (no ticks in between)
    faults: tuple[tuple[datetime, datetime, str], ...] = ()


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


WEEKS = (
    # Past the last first nudge by Easter and three days: the late ones show up as late.
    Week(
        "spring", _local("2026-03-27T00:00"), _local("2026-04-08T00:00"), _local("2026-03-29T02:30")
    ),
    Week(
        "autumn",
        _local("2026-10-23T00:00"),
        _local("2026-11-03T00:00"),
        _local("2026-10-25T02:30"),
        faults=(
            # Just after the 08:30 digests: an hour back (they must not come again).
            (_local("2026-10-27T08:40"), _local("2026-10-27T07:40"), "jump"),
            # Over the digests: an hour forward (they must still come).
            (_local("2026-10-28T08:00"), _local("2026-10-28T09:00"), "jump"),
            # 26 hours without the bot, over a digest and the afternoon's nudges.
            (_local("2026-10-29T06:00"), _local("2026-10-30T08:00"), "outage"),
        ),
    ),
)


def run(quick: bool) -> Figures:
    step = timedelta(minutes=15 if quick else 5)
    totals: Counter[str] = Counter()
    slowest = 0.0
    content = load_content()
    for week in WEEKS:
        figures, longest = _week(week, step, content)
        totals.update(figures)
        slowest = max(slowest, longest)
    result: Figures = dict(totals)
    result["slowest_sweep_ms"] = round(slowest * 1000, 1)
    result["met"] = (
        result["double_per_day"] == 0
        and result["double_digests"] == 0
        and result["missed"] == 0
        and result["messages_in_quiet_hours"] == 0
        and result["late"] == 0
        and result["repeated_attempts"] == 0
        and result["nudges"] > 0
        and result["checkins"] > 0
        and result["digests"] > 0
        and slowest < 2.0
    )
    return result


def _week(week: Week, step: timedelta, content: Content) -> tuple[Counter[str], float]:
    with tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder:
        settings = offline_settings(Path(folder) / "duwtje.db", source="(chaos clock)")
        cipher = FieldCipher(settings.require_encryption_keys())
        engine = make_engine(settings.database.url)
        dues = _seed(engine, cipher, week, content.notice_version)
        ticks, longest, up, attempts = _tick(engine, content, cipher, week, step)
        rows = _queued(engine)
        engine.dispose()
    figures = _judge(rows, dues, up, attempts)
    figures["ticks"] = ticks
    figures["clock_faults"] = len(week.faults) + 1  # and the daylight-saving Sunday
    return figures, longest


def _seed(engine: Engine, cipher: FieldCipher, week: Week, notice: str) -> dict[int, datetime]:
    """Professionals with a daily digest at 08:30; their clients each with a step waiting
    and a weekly check-in. The first nudges fall due over the whole week, every 160 minutes
    (so at every hour of the day, in quiet hours, over the clock's jumps and in the outage);
    the first client's at 02:30 on the daylight-saving Sunday. Returns client -> when their
    first nudge was due (the check-in five hours later)."""
    start = week.start
    dues: dict[int, datetime] = {}
    with session_scope(engine) as session:
        organisation = session.execute(select(Organisation)).scalars().one()
        for p in range(PROFESSIONALS):
            professional = Professional(
                organisation_id=organisation.id or 0,
                name=f"Werker {p}",
                telegram_user_id=9_000 + p,
                chat_id=9_000 + p,
                created_at=start - timedelta(days=60),
                bound_at=start - timedelta(days=60),
            )
            session.add(professional)
            session.flush()
            professional.next_digest_at = next_digest_at(start, professional, organisation)
            for n in range(CASELOAD):
                number = p * CASELOAD + n
                client = Client(
                    organisation_id=organisation.id or 0,
                    professional_id=professional.id or 0,
                    role=Role.RESIDENT,
                    name_enc=cipher.encrypt(f"Bewoner {number}"),
                    telegram_user_id=100_000 + number,
                    chat_id=100_000 + number,
                    consent_version=notice,
                    created_at=start - timedelta(days=30),
                    confirmed_at=start - timedelta(days=30),
                )
                session.add(client)
                session.flush()
                session.add(
                    ConsentRecord(
                        client_id=client.id or 0, notice_version=notice, agreed_at=client.created_at
                    )
                )
                due = week.changeover if number == 0 else start + timedelta(minutes=160 * number)
                traject = Traject(
                    client_id=client.id or 0,
                    line_key=LINE,
                    step_key=STEP,
                    step_sent_at=due - timedelta(days=3),
                    started_at=start - timedelta(days=20),
                    next_nudge_at=due.astimezone(UTC),
                )
                session.add(traject)
                session.flush()
                session.add(
                    TrajectCheckin(
                        traject_id=traject.id or 0,
                        step_key=CHECKIN,
                        next_at=(due + timedelta(hours=5)).astimezone(UTC),
                    )
                )
                dues[client.id or 0] = due.astimezone(UTC)
    return dues


def _tick(
    engine: Engine, content: Content, cipher: FieldCipher, week: Week, step: timedelta
) -> tuple[int, float, list[datetime], Counter[str]]:
    """Sweep every `step` from the week's start to its end, with its faults; returns the
    number of ticks, the slowest, the moments the bot was up (what it believed "now"), and
    what the sweeps said they queued (more than the outbox holds: a slot tried twice, its
    idempotency key refusing the second)."""
    attempts: Counter[str] = Counter()
    now = week.start.astimezone(UTC)
    end = week.end.astimezone(UTC)
    faults = sorted(week.faults)
    ticks, longest = 0, 0.0
    up: list[datetime] = []
    while now < end:
        if faults and now >= faults[0][0]:
            _, to, _what = faults.pop(0)
            now = to.astimezone(UTC)  # a jump either way, or the end of an outage
        started = time.perf_counter()
        with session_scope(engine) as session:
            unit = Unit(session=session, now=now, content=content, cipher=cipher)
            attempts.update(sweep(unit))
            unit.flush()
        longest = max(longest, time.perf_counter() - started)
        up.append(now)
        ticks += 1
        now += step
    return ticks, longest, up, attempts


@dataclass(frozen=True)
class Row:
    kind: str
    recipient: int
    due_at: datetime
    created_at: datetime


def _queued(engine: Engine) -> list[Row]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                col(OutboxMessage.kind),
                col(OutboxMessage.recipient_id),
                col(OutboxMessage.due_at),
                col(OutboxMessage.created_at),
                col(OutboxMessage.idempotency_key),
            )
        ).all()
    # A digest in several parts is one digest: count its first part.
    return [
        Row(kind, recipient or 0, due_at, created_at)
        for kind, recipient, due_at, created_at, key in rows
        if kind != "digest" or key.endswith(":0")
    ]


def _judge(
    rows: list[Row], dues: dict[int, datetime], up: list[datetime], attempts: Counter[str]
) -> Counter[str]:
    """A message goes at its due time, or when the bot is next up after it (the sender only
    runs then): the rules are judged on that moment, in local time."""
    running = sorted(up)

    def goes(row: Row) -> datetime:
        index = bisect_left(running, row.due_at)
        return running[index] if index < len(running) else row.due_at

    automatic = [row for row in rows if row.kind in AUTOMATIC]
    per_day = Counter((row.recipient, local_date(goes(row), ZONE)) for row in automatic)
    digests = [row for row in rows if row.kind == "digest"]
    digest_days = Counter((row.recipient, local_date(row.created_at, ZONE)) for row in digests)
    first_of: dict[tuple[str, int], datetime] = {}
    for row in sorted(automatic, key=goes):
        first_of.setdefault((row.kind, row.recipient), goes(row))
    nudges = sum(1 for row in automatic if row.kind == "nudge")
    figures: Counter[str] = Counter(
        nudges=nudges,
        checkins=sum(1 for row in automatic if row.kind == "checkin"),
        digests=len(digests),
        double_per_day=sum(1 for count in per_day.values() if count > 1),
        double_digests=sum(1 for count in digest_days.values() if count > 1),
        messages_in_quiet_hours=sum(
            1 for row in automatic if in_quiet_hours(goes(row), ZONE, *QUIET)
        ),
        # A slot the sweep tried twice (the outbox's key refused the second copy).
        repeated_attempts=max(0, attempts["nudges"] - nudges)
        + max(0, attempts["digests"] - len(digests)),
    )
    # Missed: a client never nudged or never checked in on, or a working day whose digest
    # moment the bot was up for without a digest. Late: a first nudge or check-in that let
    # a free day go by: a day after the one it was due on, no public holiday, with the bot up
    # at the client's moment (15:30, the default) and no other automatic message that day
    # (one a day: the check-in and its reminder go first, the ladder waits). A digest comes
    # only when there is something in it: a professional's first comes once their first
    # client has stalled; from then on their stalled clients fill every one.
    free_afternoons = {
        moment.astimezone(ZONE).date()
        for moment in running
        if dtime(15, 30) <= moment.astimezone(ZONE).time() < dtime(21, 0)
    } - HOLIDAYS
    busy = {
        (row.recipient, day) for row, day in ((r, local_date(goes(r), ZONE)) for r in automatic)
    }
    missed = late = 0
    for client, due in dues.items():
        for kind, since in (("nudge", due), ("checkin", due + timedelta(hours=5))):
            went = first_of.get((kind, client))
            end = local_date(went, ZONE) if went is not None else local_date(running[-1], ZONE)
            wasted = [
                day
                for day in free_afternoons
                if local_date(since, ZONE) < day < end and (client, day) not in busy
            ]
            if went is None:
                missed += 1
            elif wasted:
                late += 1
    first: dict[int, date] = {}
    for professional, day in sorted(digest_days, key=lambda pair: pair[1]):
        first.setdefault(professional, day)
    for day in _working_days_seen(up):
        missed += sum(1 for p, since in first.items() if day >= since and not digest_days[(p, day)])
    figures["missed"] = missed + (PROFESSIONALS - len(first))
    figures["late"] = late
    return figures


def _working_days_seen(up: list[datetime]) -> set[date]:
    """Working days on which the bot was up at 08:30 local or later that day (and not only
    before): on those the day's digest must have gone."""
    days: set[date] = set()
    for moment in up:
        local = moment.astimezone(ZONE)
        if local.weekday() < 5 and (local.hour, local.minute) >= (8, 30):
            days.add(local.date())
    return days
