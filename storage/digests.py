"""Aggregations for a professional's digest: counted in SQL, never by loading rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, null, or_, select
from sqlmodel import Session

from storage.models import (
    Client,
    OutboxMessage,
    OutboxStatus,
    Professional,
    Question,
    QuestionStatus,
    Reply,
    Traject,
    TrajectStatus,
)
from storage.outbox import GAVE_UP

_client = Client.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_professional = Professional.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]


# Answers to a step or a check-in question ("checkin-done" only marks a check-in finished).
ANSWER_KINDS = ("text", "choice", "scale", "done", "reflection", "checkin")
MESSAGE_KINDS = ("note", "question", "voice", "photo")  # what they wrote besides


@dataclass(frozen=True)
class ClientActivity:
    client_id: int
    name_enc: str | None
    answers: int
    messages: int
    crisis: int


@dataclass(frozen=True)
class StalledClient:
    client_id: int
    name_enc: str | None
    step_key: str | None
    waiting_since: datetime | None
    nudges: int


def due_professionals(*, session: Session, now: datetime, limit: int = 500) -> list[int]:
    rows = session.execute(
        select(_professional.c.id)
        .where(
            _professional.c.next_digest_at <= now,
            _professional.c.chat_id.is_not(None),
            _professional.c.revoked_at.is_(None),
        )
        .order_by(_professional.c.next_digest_at)
        .limit(limit)
    ).scalars()
    return list(rows)


def activity_since(
    *, session: Session, professional_id: int, since: datetime | None
) -> list[ClientActivity]:
    """Per client of this professional: answers, other messages and crisis messages since
    `since`, counted in one GROUP BY."""
    join = and_(_reply.c.client_id == _client.c.id)
    if since is not None:
        join = and_(join, _reply.c.created_at > since)
    rows = session.execute(
        select(
            _client.c.id,
            _client.c.name_enc,
            func.count(_reply.c.id).filter(_reply.c.kind.in_(ANSWER_KINDS)),
            func.count(_reply.c.id).filter(_reply.c.kind.in_(MESSAGE_KINDS)),
            func.count(_reply.c.id).filter(_reply.c.kind == "crisis"),
        )
        .select_from(_client.join(_reply, join))
        # A client the professional has not confirmed yet may be someone else: no answers shown.
        .where(_client.c.professional_id == professional_id, _client.c.confirmed_at.is_not(None))
        .group_by(_client.c.id, _client.c.name_enc)
        .order_by(_client.c.id)
    ).all()
    return [ClientActivity(*row) for row in rows]


def to_confirm(*, session: Session, professional_id: int) -> list[str | None]:
    """The encrypted names of this professional's clients who joined and are not confirmed."""
    return list(
        session.execute(
            select(_client.c.name_enc)
            .where(_client.c.professional_id == professional_id, _client.c.confirmed_at.is_(None))
            .order_by(_client.c.created_at)
        ).scalars()
    )


def stalled(*, session: Session, professional_id: int) -> list[StalledClient]:
    """Active trajecten that were nudged and have not moved since."""
    rows = session.execute(
        select(
            _client.c.id,
            _client.c.name_enc,
            _traject.c.step_key,
            _traject.c.step_sent_at,
            _traject.c.nudge_rung,
        )
        .select_from(_client.join(_traject, _traject.c.client_id == _client.c.id))
        .where(
            _client.c.professional_id == professional_id,
            _traject.c.status == TrajectStatus.ACTIVE,
            _traject.c.nudge_rung > 0,
        )
        .order_by(_traject.c.step_sent_at)
    ).all()
    return [StalledClient(*row) for row in rows]


def open_questions(*, session: Session, professional_id: int) -> int:
    return int(
        session.execute(
            select(func.count(_question.c.id)).where(
                _question.c.professional_id == professional_id,
                _question.c.status == QuestionStatus.OPEN,
            )
        ).scalar_one()
    )


@dataclass(frozen=True)
class Unreachable:
    client_id: int
    name_enc: str | None
    since: datetime


@dataclass(frozen=True)
class InDoubt:
    """A personal message that may not have arrived (Telegram did not answer in time:
    `unknown`), or that the sender gave up on (`failed`: Telegram stayed out of reach, or
    refused the message itself; not: the recipient blocked the bot, which is said apart)."""

    name_enc: str | None  # the client it was for or about; None: for the professional
    kind: str
    created_at: datetime
    status: str


def unreachable(*, session: Session, professional_id: int) -> list[Unreachable]:
    rows = session.execute(
        select(_client.c.id, _client.c.name_enc, _client.c.unreachable_since)
        .where(
            _client.c.professional_id == professional_id,
            _client.c.unreachable_since.is_not(None),
        )
        .order_by(_client.c.unreachable_since)
    ).all()
    return [Unreachable(*row) for row in rows]


def in_doubt(
    *, session: Session, professional_id: int, since: datetime | None, limit: int = 10
) -> list[InDoubt]:
    """Messages to this professional or their clients whose arrival is unknown, since `since`."""
    to_client = and_(_outbox.c.recipient_kind == "client", _outbox.c.recipient_id == _client.c.id)
    mine = _client.c.professional_id == professional_id
    gave_up = and_(
        _outbox.c.status == OutboxStatus.FAILED,
        or_(*(_outbox.c.last_error.like(f"{kind}:%") for kind in GAVE_UP)),
    )
    conditions = [or_(_outbox.c.status == OutboxStatus.UNKNOWN, gave_up)]
    if since is not None:
        conditions.append(_outbox.c.created_at > since)
    for_clients = (
        select(_client.c.name_enc, _outbox.c.kind, _outbox.c.created_at, _outbox.c.status)
        .select_from(_outbox.join(_client, to_client))
        .where(mine, *conditions)
    )
    for_professional = select(
        null().label("name_enc"), _outbox.c.kind, _outbox.c.created_at, _outbox.c.status
    ).where(
        _outbox.c.recipient_kind == "professional",
        _outbox.c.recipient_id == professional_id,
        *conditions,
    )
    rows = session.execute(
        for_clients.union_all(for_professional).order_by("created_at").limit(limit)
    ).all()
    return [InDoubt(*row) for row in rows]
