"""Facts for /healthz, the minute log line and the start-up checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlmodel import Session

from storage.models import ProcessedUpdate

_processed = ProcessedUpdate.__table__  # type: ignore[attr-defined]


def database_answers(*, session: Session) -> bool:
    return bool(session.execute(text("SELECT 1")).scalar_one() == 1)


def last_update_handled_at(*, session: Session) -> datetime | None:
    value = session.execute(select(func.max(_processed.c.processed_at))).scalar_one()
    return value  # type: ignore[no-any-return]
