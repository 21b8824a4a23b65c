"""Retention: forget what we no longer need."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from storage import retention
from storage.models import (
    InboundUpdate,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
    RecipientKind,
)

# Telegram keeps an update for 24 hours; a week of ids covers any redelivery.
PROCESSED_UPDATE_DAYS = 7
# The text of a sent message is kept a while for support questions, then wiped.
SENT_MESSAGE_TEXT_DAYS = 30
_WIPED = ""

# Messages to people who never became clients (welcome, privacy notice with its invite token):
# deleted a week after they were sent; nothing about a stranger is kept longer.
STRANGER_MESSAGE_DAYS = 7

_processed = ProcessedUpdate.__table__  # type: ignore[attr-defined]
_inbound = InboundUpdate.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


def prune(*, session: Session, now: datetime) -> dict[str, int]:
    connection = session.connection()
    # A stored update is deleted when it is handled; one that was handled but stored again (a
    # webhook retry racing the handler) goes here, before its processed id is forgotten.
    leftovers = connection.execute(
        delete(_inbound).where(_inbound.c.update_id.in_(select(_processed.c.update_id)))
    ).rowcount
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
    strangers = connection.execute(
        delete(_outbox).where(
            _outbox.c.recipient_kind == RecipientKind.CHAT,
            _outbox.c.status.in_(_FINAL),
            _outbox.c.created_at < now - timedelta(days=STRANGER_MESSAGE_DAYS),
        )
    ).rowcount
    retained = {
        f"retention_{name}": count
        for name, count in retention.apply(connection, now=now, dry_run=False).items()
    }
    return {
        **retained,
        "processed_updates_deleted": processed,
        "message_texts_wiped": wiped,
        "handled_updates_deleted": leftovers,
        "messages_to_strangers_deleted": strangers,
    }
