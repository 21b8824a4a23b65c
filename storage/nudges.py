"""The nudge sweep's one query: trajecten whose waiting step is due for a nudge.

Reads columns, not objects, through the partial index `ix_traject_due_nudge`, so a sweep over a
hundred thousand enrolments stays in the milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select
from sqlmodel import Session

from storage.models import Client, ClientStatus, Organisation, Traject, TrajectStatus

_traject = Traject.__table__  # type: ignore[attr-defined]
_client = Client.__table__  # type: ignore[attr-defined]
_organisation = Organisation.__table__  # type: ignore[attr-defined]


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


def due_nudges(*, session: Session, now: datetime, limit: int = 5000) -> list[DueNudge]:
    rows = session.execute(
        select(
            _traject.c.id,
            _client.c.id,
            _client.c.chat_id,
            _client.c.language,
            _traject.c.line_key,
            _traject.c.step_key,
            _traject.c.nudge_rung,
            _client.c.quiet_hours_start,
            _client.c.quiet_hours_end,
            _organisation.c.time_zone,
        )
        .select_from(
            _traject.join(_client, _client.c.id == _traject.c.client_id).join(
                _organisation, _organisation.c.id == _client.c.organisation_id
            )
        )
        .where(
            _traject.c.status == TrajectStatus.ACTIVE,
            _traject.c.next_nudge_at.is_not(None),
            _traject.c.next_nudge_at <= now,
            _client.c.status == ClientStatus.ACTIVE,
            _client.c.nudges_enabled.is_(True),
            _client.c.unreachable_since.is_(None),
            or_(_client.c.paused_until.is_(None), _client.c.paused_until <= now),
        )
        .order_by(_traject.c.next_nudge_at, _traject.c.id)
        .limit(limit)
    ).all()
    return [DueNudge(*row) for row in rows]


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
