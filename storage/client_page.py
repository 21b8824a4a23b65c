"""What a professional's page about one client reads: the answers since a moment, check-in
scores over time, the last meeting, and how many nudges went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from storage.models import (
    Meeting,
    OutboxMessage,
    OutboxStatus,
    Question,
    QuestionStatus,
    RecipientKind,
    Reply,
)

_reply = Reply.__table__  # type: ignore[attr-defined]
_meeting = Meeting.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]

# Replies a professional reads as an answer (a check-in score is shown as a score instead).
SHOWN_KINDS = (
    "text",
    "choice",
    "scale",
    "done",
    "reflection",
    "note",
    "question",
    "voice",
    "photo",
)


@dataclass(frozen=True)
class Answer:
    id: int
    kind: str
    step_key: str | None
    value: str | None
    text_enc: str | None
    created_at: datetime


@dataclass(frozen=True)
class Score:
    step_key: str | None
    item_key: str
    value: int
    created_at: datetime


def last_meeting(*, session: Session, client_id: int) -> datetime | None:
    held: datetime | None = session.execute(
        select(func.max(_meeting.c.held_at)).where(_meeting.c.client_id == client_id)
    ).scalar_one()
    return held


def answers_since(
    *, session: Session, client_id: int, since: datetime | None, limit: int = 30
) -> list[Answer]:
    """The newest answers and messages since `since` (all when None), oldest first."""
    query = select(
        _reply.c.id, _reply.c.kind, _reply.c.step_key, _reply.c.value, _reply.c.text_enc,
        _reply.c.created_at,
    ).where(_reply.c.client_id == client_id, _reply.c.kind.in_(SHOWN_KINDS))  # fmt: skip
    if since is not None:
        query = query.where(_reply.c.created_at > since)
    rows = session.execute(query.order_by(_reply.c.created_at.desc()).limit(limit)).all()
    return [Answer(*row) for row in reversed(rows)]


def scores(*, session: Session, client_id: int, limit: int = 200) -> list[Score]:
    """Every check-in score (0-10 and the like), oldest first."""
    rows = session.execute(
        select(_reply.c.step_key, _reply.c.item_key, _reply.c.value, _reply.c.created_at)
        .where(
            _reply.c.client_id == client_id,
            _reply.c.kind == "checkin",
            _reply.c.item_key.is_not(None),
        )
        .order_by(_reply.c.created_at.desc())
        .limit(limit)
    ).all()
    return [
        Score(step, item, int(value), at)
        for step, item, value, at in reversed(rows)
        if value is not None and str(value).lstrip("-").isdigit()
    ]


def nudges_sent(*, session: Session, client_id: int, since: datetime | None) -> int:
    query = select(func.count()).where(
        _outbox.c.recipient_kind == RecipientKind.CLIENT,
        _outbox.c.recipient_id == client_id,
        _outbox.c.kind == "nudge",
        _outbox.c.status == OutboxStatus.SENT,
    )
    if since is not None:
        query = query.where(_outbox.c.sent_at > since)
    return int(session.execute(query).scalar_one())


def card_reply_id(*, session: Session, chat_id: int, telegram_message_id: int) -> int | None:
    """The reply an answer card (a message showing one answer) was about, from the card's
    Telegram message id: a professional's Telegram reply to it is feedback on that answer."""
    return keyed_id(
        session=session, chat_id=chat_id, telegram_message_id=telegram_message_id, prefix="card"
    )


def keyed_id(
    *, session: Session, chat_id: int, telegram_message_id: int, prefix: str
) -> int | None:
    """The id in the outbox key `<prefix>:<id>:...` of the message Telegram knows by this id in
    this chat: what a professional's Telegram reply to it is about (an answer card, a relayed
    question)."""
    key = session.execute(
        select(_outbox.c.idempotency_key).where(
            _outbox.c.chat_id == chat_id,
            _outbox.c.telegram_message_id == telegram_message_id,
            _outbox.c.idempotency_key.like(f"{prefix}:%"),
        )
    ).scalar_one_or_none()
    if key is None:
        return None
    part = key.split(":")[1]
    return int(part) if part.isdigit() else None


def next_meeting(*, session: Session, client_id: int, now: datetime) -> datetime | None:
    planned: datetime | None = session.execute(
        select(func.min(_meeting.c.planned_for)).where(
            _meeting.c.client_id == client_id,
            _meeting.c.held_at.is_(None),
            _meeting.c.planned_for >= now,
        )
    ).scalar_one()
    return planned


@dataclass(frozen=True)
class AskedQuestion:
    asked_at: datetime
    text_enc: str | None


def open_questions(*, session: Session, client_id: int, limit: int = 5) -> list[AskedQuestion]:
    """A client's open questions with their text (encrypted), the longest waiting first."""
    rows = session.execute(
        select(_question.c.asked_at, _reply.c.text_enc)
        .select_from(_question.join(_reply, _reply.c.id == _question.c.reply_id))
        .where(_question.c.client_id == client_id, _question.c.status == QuestionStatus.OPEN)
        .order_by(_question.c.asked_at)
        .limit(limit)
    ).all()
    return [AskedQuestion(*row) for row in rows]


def meetings_held(*, session: Session, client_id: int) -> list[datetime]:
    rows = session.execute(
        select(_meeting.c.held_at)
        .where(_meeting.c.client_id == client_id, _meeting.c.held_at.is_not(None))
        .order_by(_meeting.c.held_at)
    ).scalars()
    return list(rows)
