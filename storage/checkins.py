"""The sweep's check-in queries: recurring check-ins whose time has come, and their reminders.
Only the due rows, through their own indexes (ix_traject_checkin_due, ix_traject_checkin_remind)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from storage.models import TrajectCheckin

_checkin = TrajectCheckin.__table__  # type: ignore[attr-defined]


def due_checkins(*, session: Session, now: datetime, limit: int = 2000) -> list[TrajectCheckin]:
    return _due(session, _checkin.c.next_at, now, limit)


def due_reminders(*, session: Session, now: datetime, limit: int = 2000) -> list[TrajectCheckin]:
    return _due(session, _checkin.c.remind_at, now, limit)


def _due(session: Session, column: Any, now: datetime, limit: int) -> list[TrajectCheckin]:
    statement = select(TrajectCheckin).where(column <= now).order_by(column).limit(limit)
    return list(session.execute(statement).scalars())
