"""Aggregations for a professional's digest: counted in SQL, never by loading rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlmodel import Session

from storage.models import (
    IN_DOUBT,
    Client,
    Meeting,
    OutboxMessage,
    OutboxStatus,
    Professional,
    Question,
    QuestionStatus,
    Reply,
    Traject,
)
from storage.outbox import GAVE_UP

_client = Client.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_professional = Professional.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_meeting = Meeting.__table__  # type: ignore[attr-defined]
_recent = _reply.alias("recent")


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
    newest: datetime | None  # when the newest of them came


@dataclass(frozen=True)
class OpenQuestion:
    client_id: int
    name_enc: str | None
    asked_at: datetime


@dataclass(frozen=True)
class ComingMeeting:
    client_id: int
    name_enc: str | None
    planned_for: datetime


@dataclass(frozen=True)
class ClientScores:
    client_id: int
    name_enc: str | None
    values: tuple[int, ...]  # the newest check-in scores, oldest first


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


# The digest's statements are built once, with their values as parameters: building and
# keying a statement costs more than SQLite takes to run most of them (bench/digest.py).
_PROFESSIONAL: BindParameter[int] = bindparam("professional_id")


def activity_since(
    *, session: Session, professional_id: int, since: datetime | None
) -> list[ClientActivity]:
    """Per client of this professional: answers, other messages and crisis messages since
    `since`, counted in one GROUP BY."""
    rows = session.execute(
        _activity_statement(since is not None),
        {"professional_id": professional_id, "since": since},
    ).all()
    return [ClientActivity(*row) for row in rows]


@cache
def _activity_statement(with_since: bool) -> Select[Any]:
    join = and_(_reply.c.client_id == _client.c.id)
    if with_since:
        join = and_(join, _reply.c.created_at > bindparam("since"))
    return (
        select(
            _client.c.id,
            _client.c.name_enc,
            func.count(_reply.c.id).filter(_reply.c.kind.in_(ANSWER_KINDS)),
            func.count(_reply.c.id).filter(_reply.c.kind.in_(MESSAGE_KINDS)),
            func.count(_reply.c.id).filter(_reply.c.kind == "crisis"),
            func.max(_reply.c.created_at),
        )
        .select_from(_client.join(_reply, join))
        # A client the professional has not confirmed yet may be someone else: no answers shown.
        .where(_client.c.professional_id == _PROFESSIONAL, _client.c.confirmed_at.is_not(None))
        # By the id alone (name_enc depends on it, for PostgreSQL too): grouping by the name as
        # well made SQLite sort the rows in a temporary tree first.
        .group_by(_client.c.id)
        .order_by(_client.c.id)
    )


def open_question_list(
    *, session: Session, professional_id: int, limit: int = 20
) -> list[OpenQuestion]:
    """Open questions with who asked and when, the longest waiting first."""
    rows = session.execute(
        _OPEN_QUESTIONS, {"professional_id": professional_id, "limit": limit}
    ).all()
    return [OpenQuestion(*row) for row in rows]


_OPEN_QUESTIONS = (
    select(_question.c.client_id, _client.c.name_enc, _question.c.asked_at)
    .select_from(_question.join(_client, _client.c.id == _question.c.client_id))
    .where(
        _question.c.professional_id == _PROFESSIONAL,
        _question.c.status == QuestionStatus.OPEN,
    )
    .order_by(_question.c.asked_at)
    .limit(bindparam("limit"))
)


def coming_meetings(
    *, session: Session, professional_id: int, now: datetime, until: datetime
) -> list[ComingMeeting]:
    rows = session.execute(
        _COMING_MEETINGS, {"professional_id": professional_id, "now": now, "until": until}
    ).all()
    return [ComingMeeting(*row) for row in rows]


_COMING_MEETINGS = (
    select(_meeting.c.client_id, _client.c.name_enc, _meeting.c.planned_for)
    .select_from(_meeting.join(_client, _client.c.id == _meeting.c.client_id))
    .where(
        _meeting.c.professional_id == _PROFESSIONAL,
        _meeting.c.held_at.is_(None),
        _meeting.c.planned_for >= bindparam("now"),
        _meeting.c.planned_for < bindparam("until"),
    )
    .order_by(_meeting.c.planned_for)
)


def recent_scores(
    *, session: Session, professional_id: int, since: datetime | None, per_client: int = 8
) -> list[ClientScores]:
    """The newest check-in scores of each confirmed client who checked in after `since` (the
    last digest; None: everyone): a trend line is news only when it moved.

    Per client, a correlated subquery finds when the `per_client`-th newest check-in came, and
    only the check-ins from then on are read, from ix_reply_client_kind_created_value alone:
    some 8 index entries a client. (Ranking every check-in with a window function read and
    sorted all of them, a table row each: 120 ms for 200 clients with a year of replies,
    bench/digest.py.)"""
    rows = session.execute(
        _scores_statement(per_client, since is not None),
        {"professional_id": professional_id, "since": since},
    ).all()
    found: list[ClientScores] = []
    for client_id, group in groupby(rows, key=itemgetter(0)):  # per client, oldest first
        kept = list(group)
        # Check-ins from the very moment of the cut-off one all pass `>=`: keep the newest
        # `per_client` rows, as ranking them did (ties in no particular order, as there).
        values = tuple(
            int(value)
            for _, _, value in kept[-per_client:]
            if value is not None and value.lstrip("-").isdigit()
        )
        if values:
            found.append(ClientScores(client_id, kept[0][1], values))
    return found


@cache
def _scores_statement(per_client: int, with_since: bool) -> Select[Any]:
    newest = (
        select(_recent.c.created_at)
        .where(_recent.c.client_id == _client.c.id, _recent.c.kind == "checkin")
        .order_by(_recent.c.created_at.desc())
        .limit(per_client)
        .correlate(_client)
        .subquery()
    )
    since = select(func.min(newest.c.created_at)).scalar_subquery()
    checked_in = [_client.c.professional_id == _PROFESSIONAL, _client.c.confirmed_at.is_not(None)]
    if with_since:  # through the same index: has this client checked in since?
        checked_in.append(
            select(_recent.c.id)
            .where(
                _recent.c.client_id == _client.c.id,
                _recent.c.kind == "checkin",
                _recent.c.created_at > bindparam("since"),
            )
            .correlate(_client)
            .exists()
        )
    return (
        select(_client.c.id, _client.c.name_enc, _reply.c.value)
        .select_from(
            _client.join(
                _reply,
                and_(
                    _reply.c.client_id == _client.c.id,
                    _reply.c.kind == "checkin",
                    _reply.c.created_at >= since,
                ),
            )
        )
        .where(*checked_in)
        # In the index's own order (no tie-break on id, which would make SQLite sort instead).
        .order_by(_client.c.id, _reply.c.created_at)
    )


@dataclass(frozen=True)
class InDoubt:
    """A personal message that may not have arrived (Telegram did not answer in time:
    `unknown`), or that the sender gave up on (`failed`: Telegram stayed out of reach, or
    refused the message itself; not: the recipient blocked the bot, which is said apart)."""

    name_enc: str | None  # the client it was for or about; None: for the professional
    kind: str
    created_at: datetime
    status: str


def in_doubt(
    *, session: Session, professional_id: int, since: datetime | None, limit: int = 10
) -> list[InDoubt]:
    """Messages to this professional or their clients whose arrival is unknown, since `since`."""
    rows = session.execute(
        _in_doubt_statement(since is not None),
        {"professional_id": professional_id, "since": since, "limit": limit},
    ).all()
    return [InDoubt(*row) for row in rows]


@cache
def _in_doubt_statement(with_since: bool) -> CompoundSelect[Any]:
    to_client = and_(_outbox.c.recipient_kind == "client", _outbox.c.recipient_id == _client.c.id)
    gave_up = and_(
        _outbox.c.status == OutboxStatus.FAILED,
        or_(*(_outbox.c.last_error.like(f"{kind}:%") for kind in GAVE_UP)),
    )
    conditions = [
        # Implied by the test after it, and written out in literals so that SQLite can see it
        # matches ix_outbox_in_doubt (a partial index: SQLite cannot prove an OR implies its
        # condition, nor match a list of parameters): the few rows in doubt, never a scan of
        # every message ever sent.
        _outbox.c.status.in_([literal_column(repr(str(status))) for status in IN_DOUBT]),
        or_(_outbox.c.status == OutboxStatus.UNKNOWN, gave_up),
    ]
    if with_since:
        conditions.append(_outbox.c.created_at > bindparam("since"))
    for_clients = (
        select(_client.c.name_enc, _outbox.c.kind, _outbox.c.created_at, _outbox.c.status)
        .select_from(_outbox.join(_client, to_client))
        .where(_client.c.professional_id == _PROFESSIONAL, *conditions)
    )
    for_professional = select(
        null().label("name_enc"), _outbox.c.kind, _outbox.c.created_at, _outbox.c.status
    ).where(
        _outbox.c.recipient_kind == "professional",
        _outbox.c.recipient_id == _PROFESSIONAL,
        *conditions,
    )
    return for_clients.union_all(for_professional).order_by("created_at").limit(bindparam("limit"))
