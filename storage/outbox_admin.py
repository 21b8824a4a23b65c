"""The outbox as the administrator sees it (`duwtje outbox`): counts, problem rows, retry and
cancel. Never the message texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session

from storage.models import OutboxMessage, OutboxStatus

_table = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    recipient_kind: str
    recipient_id: int | None
    status: str
    attempts: int
    due_at: datetime
    last_error: str | None


def counts(*, session: Session) -> dict[str, int]:
    rows = session.execute(select(_table.c.status, func.count()).group_by(_table.c.status)).all()
    return {status: count for status, count in rows}


def oldest_due(*, session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting due message became due (None: nothing waits)."""
    value = session.execute(
        select(func.min(_table.c.due_at)).where(
            _table.c.status == OutboxStatus.PENDING, _table.c.due_at <= now
        )
    ).scalar_one()
    return value  # type: ignore[no-any-return]


def list_rows(
    *, session: Session, statuses: Sequence[str], now: datetime, limit: int = 50
) -> list[OutboxRow]:
    """Rows in `statuses`; "stuck" means sending for over five minutes, or due for over ten."""
    conditions = []
    plain = [s for s in statuses if s != "stuck"]
    if plain:
        conditions.append(_table.c.status.in_(plain))
    if "stuck" in statuses:
        conditions.append(
            or_(
                and_(
                    _table.c.status == OutboxStatus.SENDING,
                    _table.c.claimed_at < now - timedelta(minutes=5),
                ),
                and_(
                    _table.c.status == OutboxStatus.PENDING,
                    _table.c.due_at < now - timedelta(minutes=10),
                ),
            )
        )
    rows = session.execute(
        select(
            _table.c.id,
            _table.c.kind,
            _table.c.recipient_kind,
            _table.c.recipient_id,
            _table.c.status,
            _table.c.attempts,
            _table.c.due_at,
            _table.c.last_error,
        )
        .where(or_(*conditions))
        .order_by(_table.c.id.desc())
        .limit(limit)
    ).all()
    return [OutboxRow(*row) for row in rows]


def retry(*, session: Session, message_id: int, now: datetime) -> bool:
    """Send a failed, unknown or stuck message again, now. False if there is none such."""
    done = (
        session.connection()
        .execute(
            update(_table)
            .where(_table.c.id == message_id, _table.c.status != OutboxStatus.SENT)
            .values(
                status=OutboxStatus.PENDING,
                due_at=now,
                attempted_at=None,
                last_error="retried by an administrator",
            )
            .returning(_table.c.id)
        )
        .first()
    )
    return done is not None


def cancel(*, session: Session, message_id: int) -> bool:
    """Withdraw a message that has not gone out. False if there is none such."""
    done = (
        session.connection()
        .execute(
            update(_table)
            .where(_table.c.id == message_id, _table.c.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, last_error="cancelled by an administrator")
            .returning(_table.c.id)
        )
        .first()
    )
    return done is not None


def sent_since(*, session: Session, since: datetime) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                _table.c.status == OutboxStatus.SENT, _table.c.sent_at > since
            )
        ).scalar_one()
    )
