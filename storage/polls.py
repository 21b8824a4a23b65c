"""A group poll's totals, as Telegram reports them (only totals: the polls are anonymous)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from storage.models import GroupPoll, OutboxMessage


def record(
    session: Session,
    *,
    poll_id: str,
    counts: Sequence[int],
    voters: int,
    closed: bool,
    now: datetime,
    outbox_id: int | None = None,
    message_id: int | None = None,
) -> bool:
    """Keep a poll's totals. Just sent (`outbox_id`): the poll learns its Telegram id and
    message. False when the poll is not one of ours (or was unlinked meanwhile)."""
    if outbox_id is not None:
        key = select(col(OutboxMessage.idempotency_key)).where(col(OutboxMessage.id) == outbox_id)
        session.execute(
            update(GroupPoll)
            .where(col(GroupPoll.outbox_key) == key.scalar_subquery())
            .values(telegram_poll_id=poll_id, message_id=message_id)
        )
    poll = session.execute(
        select(GroupPoll).where(col(GroupPoll.telegram_poll_id) == poll_id)
    ).scalar_one_or_none()
    if poll is None:
        return False
    if poll.closed_at is not None and not closed:
        return True  # an update from before the end, arriving late: the final totals stand
    poll.counts = json.dumps([int(count) for count in counts])
    poll.voters = int(voters)
    if closed and poll.closed_at is None:
        poll.closed_at = now
    return True


def totals(poll: GroupPoll) -> list[int]:
    return [int(count) for count in json.loads(poll.counts or "[]")]
