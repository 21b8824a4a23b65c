"""The nudge sweep's queries: trajecten whose waiting step is due for a nudge, with what the
rules need about the person; and the nudge log (`nudge`) the caps, the variety and the effect
are read from.

Reads columns, not objects, through the partial index `ix_traject_due_nudge`, so a sweep over a
hundred thousand enrolments stays in the milliseconds. A person's recent automatic messages are
correlated subqueries through `ix_nudge_client_due`: a few index entries per due row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, or_, select
from sqlmodel import Session

from storage.db import DriverSQL, stored_moment
from storage.models import (
    AUTOMATIC_NUDGES,
    Client,
    ClientStatus,
    Nudge,
    NudgeKind,
    Organisation,
    Professional,
    Role,
    Traject,
    TrajectStatus,
)
from storage.types import as_utc, sqlite_timestamp

_traject = Traject.__table__  # type: ignore[attr-defined]
_client = Client.__table__  # type: ignore[attr-defined]
_organisation = Organisation.__table__  # type: ignore[attr-defined]
_nudge = Nudge.__table__  # type: ignore[attr-defined]
_professional = Professional.__table__  # type: ignore[attr-defined]

FOLLOWED_WITHIN = timedelta(hours=48)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DueNudge:
    traject_id: int
    client_id: int
    chat_id: int
    language: str
    line_key: str
    step_key: str | None
    nudge_rung: int
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    time_zone: str
    role: str = Role.RESIDENT
    preferred_moment: str | None = None
    paused_until: datetime | None = None
    last_activity_at: datetime | None = None  # the person's, anywhere
    stall_since: datetime | None = None
    stall_reason: str = "step"
    school_region: str | None = None
    # Their automatic messages of the last seven days (also those still to go), and the text
    # of their last nudge.
    recent_count: int = 0
    recent_oldest: datetime | None = None
    recent_newest: datetime | None = None
    last_text: str | None = None
    professional_name: str = ""


def due_nudges(*, session: Session, now: datetime, limit: int = 5000) -> list[DueNudge]:
    rows = session.execute(_due_statement(), {"now": now, "week_ago": now - WEEK, "limit": limit})
    return [DueNudge(*row) for row in rows]


@cache
def _due_statement() -> Select[Any]:
    client_id = _client.c.id
    recent = (_nudge.c.client_id == client_id, _nudge.c.due_at > bindparam("week_ago"),
              _nudge.c.kind.in_([str(k) for k in AUTOMATIC_NUDGES]))  # fmt: skip
    last_text = (
        select(_nudge.c.text_id)
        .where(_nudge.c.client_id == client_id, _nudge.c.text_id.is_not(None))
        .order_by(_nudge.c.due_at.desc())
        .limit(1)
    )
    return (
        select(
            _traject.c.id,
            client_id,
            _client.c.chat_id,
            _client.c.language,
            _traject.c.line_key,
            _traject.c.step_key,
            _traject.c.nudge_rung,
            _client.c.quiet_hours_start,
            _client.c.quiet_hours_end,
            _organisation.c.time_zone,
            _client.c.role,
            _client.c.preferred_moment,
            _client.c.paused_until,
            _client.c.last_activity_at,
            _traject.c.stall_since,
            _traject.c.stall_reason,
            _organisation.c.school_region,
            select(func.count()).where(*recent).scalar_subquery(),
            select(func.min(_nudge.c.due_at)).where(*recent).scalar_subquery(),
            select(func.max(_nudge.c.due_at)).where(*recent).scalar_subquery(),
            last_text.scalar_subquery(),
            _professional.c.name,
        )
        .select_from(
            _traject.join(_client, client_id == _traject.c.client_id)
            .join(_organisation, _organisation.c.id == _client.c.organisation_id)
            .join(_professional, _professional.c.id == _client.c.professional_id)
        )
        .where(
            _traject.c.status == TrajectStatus.ACTIVE,
            _traject.c.next_nudge_at.is_not(None),
            _traject.c.next_nudge_at <= bindparam("now"),
            _client.c.status == ClientStatus.ACTIVE,
            _client.c.nudges_enabled.is_(True),
            _client.c.unreachable_since.is_(None),
            or_(_client.c.paused_until.is_(None), _client.c.paused_until <= bindparam("now")),
        )
        .order_by(_traject.c.next_nudge_at, _traject.c.id)
        .limit(bindparam("limit"))
    )


class NudgeMove(NamedTuple):
    """What a sweep decided for one traject: its next nudge (None: none for this stall)."""

    traject_id: int
    next_nudge_at: datetime | None
    rung: int


def set_next_nudges(*, session: Session, moves: Sequence[NudgeMove]) -> None:
    """One executemany for every traject a sweep looked at."""
    if not moves:
        return
    session.connection().execute(
        _traject.update()
        .where(_traject.c.id == bindparam("traject"))
        .values(next_nudge_at=bindparam("at"), nudge_rung=bindparam("rung")),
        [{"traject": m.traject_id, "at": m.next_nudge_at, "rung": m.rung} for m in moves],
    )


class Logged(NamedTuple):
    """One line of the nudge log, as `log` writes it."""

    client_id: int
    traject_id: int | None
    kind: str
    rung: int
    text_id: str | None
    due_at: datetime


def log(*, session: Session, entries: Sequence[Logged]) -> None:
    """Write the nudge log lines of a sweep (or of one action) in one executemany, straight to
    the driver as the outbox insert does: for ten thousand nudges SQLAlchemy's per-value
    processing would cost more than the insert itself."""
    if not entries:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    stamp: Any = sqlite_timestamp if sqlite else as_utc
    marker = "?" if sqlite else "%s"
    stamps: dict[datetime, Any] = {}  # a sweep's nudges mostly go at one moment
    rows = []
    for e in entries:
        at = stamps.get(e.due_at)
        if at is None:
            at = stamps[e.due_at] = stamp(e.due_at)
        rows.append((e.client_id, e.traject_id, str(e.kind), e.rung, e.text_id, at))
    session.connection().exec_driver_sql(
        "INSERT INTO nudge (client_id, traject_id, kind, rung, text_id, due_at) "
        f"VALUES ({', '.join([marker] * 6)})",
        rows,
    )


class Recent(NamedTuple):
    number: int
    oldest: datetime | None
    newest: datetime | None


def recent_of(*, session: Session, client_id: int, now: datetime) -> Recent:
    """One person's automatic messages of the last seven days (for a check-in or a welcome)."""
    row = session.execute(
        select(func.count(), func.min(_nudge.c.due_at), func.max(_nudge.c.due_at)).where(
            _nudge.c.client_id == client_id,
            _nudge.c.due_at > now - WEEK,
            _nudge.c.kind.in_([str(k) for k in AUTOMATIC_NUDGES]),
        )
    ).one()
    return Recent(int(row[0]), row[1], row[2])


def mark_followed(*, session: Session, client_id: int, now: datetime) -> int:
    """The client did something: every message of theirs of the last 48 hours that had no
    reaction yet counts as followed. Returns how many."""
    moment, since = stored_moment(session, now), stored_moment(session, now - FOLLOWED_WITHIN)
    result = _MARK_FOLLOWED.run(session, moment, client_id, moment, since)
    return int(result.rowcount or 0)


# Every reply runs it: in the driver's SQL (storage/db.py DriverSQL).
_MARK_FOLLOWED = DriverSQL(
    "UPDATE nudge SET followed_at = ? "
    "WHERE client_id = ? AND followed_at IS NULL AND due_at <= ? AND due_at > ?"
)


@dataclass(frozen=True)
class MidLine:
    """A pupil on a line with a step waiting: who gets a welcome back."""

    traject_id: int
    client_id: int
    chat_id: int
    language: str
    line_key: str
    step_key: str
    preferred_moment: str | None
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    paused_until: datetime | None


def pupils_mid_line(*, session: Session, organisation_id: int) -> list[MidLine]:
    rows = session.execute(
        select(
            _traject.c.id,
            _client.c.id,
            _client.c.chat_id,
            _client.c.language,
            _traject.c.line_key,
            _traject.c.step_key,
            _client.c.preferred_moment,
            _client.c.quiet_hours_start,
            _client.c.quiet_hours_end,
            _client.c.paused_until,
        )
        .select_from(_traject.join(_client, _client.c.id == _traject.c.client_id))
        .where(
            _client.c.organisation_id == organisation_id,
            _client.c.role == Role.PUPIL,
            _client.c.status == ClientStatus.ACTIVE,
            _client.c.nudges_enabled.is_(True),
            _client.c.unreachable_since.is_(None),
            _client.c.chat_id.is_not(None),
            _traject.c.status == TrajectStatus.ACTIVE,
            _traject.c.step_key.is_not(None),
        )
        .order_by(_traject.c.id)
    ).all()
    return [MidLine(*row) for row in rows]


@dataclass(frozen=True)
class Effect:
    sent: int
    followed: int


def effect(
    *, session: Session, professional_id: int | None, since: datetime, until: datetime
) -> Effect:
    """Nudges (the ladder, welcome backs, a professional's) that went in [since, until), to
    this professional's clients (None: everyone's), and how many were followed within 48
    hours."""
    kinds = [str(k) for k in (NudgeKind.LADDER, NudgeKind.WELCOME, NudgeKind.PROFESSIONAL)]
    statement = select(func.count(), func.count(_nudge.c.followed_at)).where(
        _nudge.c.kind.in_(kinds), _nudge.c.due_at >= since, _nudge.c.due_at < until
    )
    if professional_id is not None:
        statement = statement.join(_client, _client.c.id == _nudge.c.client_id).where(
            _client.c.professional_id == professional_id
        )
    row = session.execute(statement).one()
    return Effect(int(row[0]), int(row[1]))
