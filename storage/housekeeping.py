"""Retention: forget what we no longer need."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session

from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate

# Telegram keeps an update for 24 hours; a week of ids covers any redelivery.
PROCESSED_UPDATE_DAYS = 7
# The text of a sent message is kept a while for support questions, then wiped.
SENT_MESSAGE_TEXT_DAYS = 30
_WIPED = ""

_processed = ProcessedUpdate.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


def prune(*, session: Session, now: datetime) -> dict[str, int]:
    connection = session.connection()
    processed = connection.execute(
        delete(_processed).where(
            _processed.c.processed_at < now - timedelta(days=PROCESSED_UPDATE_DAYS)
        )
    ).rowcount
    wiped = connection.execute(
        update(_outbox)
        .where(
            _outbox.c.status.in_(_FINAL),
            _outbox.c.created_at < now - timedelta(days=SENT_MESSAGE_TEXT_DAYS),
            _outbox.c.payload_enc != _WIPED,
        )
        .values(payload_enc=_WIPED)
    ).rowcount
    return {"processed_updates_deleted": processed, "message_texts_wiped": wiped}
