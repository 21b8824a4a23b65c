"""A professional's caseload in one query: per client what the overview sorts by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlmodel import Session

from storage.models import (
    Client,
    Question,
    QuestionStatus,
    Reply,
    Traject,
)

_client = Client.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_any_traject = _traject.alias("any_traject")


@dataclass(frozen=True)
class CaseRow:
    client_id: int
    name_enc: str | None
    role: str
    status: str  # the client's: active or stopped
    confirmed: bool
    unreachable_since: datetime | None
    paused_until: datetime | None
    nudges_enabled: bool
    traject_status: str | None  # their newest traject's, if any
    line_key: str | None
    step_key: str | None
    step_sent_at: datetime | None
    nudge_rung: int
    open_questions: int
    crisis_since: int  # crisis messages since `since`
    stall_days: int | None = None  # the traject's own threshold, if the professional set one


def caseload(*, session: Session, professional_id: int, since: datetime) -> list[CaseRow]:
    """Every client of this professional, with their newest traject, their open questions and
    crisis messages since `since`: one statement, however large."""
    rows = session.execute(_CASELOAD, {"professional_id": professional_id, "since": since}).all()
    return [CaseRow(*row) for row in rows]


def _caseload_statement() -> Select[Any]:
    # Per client, each a correlated subquery through that table's client_id index: a few
    # index entries a client, where grouping each table first read every client's rows (all
    # professionals'), then joined them through temporary indexes (bench/digest.py). Built
    # once, with its values as parameters: the digest and /overzicht run it often.
    client_id = _client.c.id
    newest = (  # their newest traject: the one joined
        select(func.max(_any_traject.c.id))
        .where(_any_traject.c.client_id == client_id)
        .correlate(_client)
    )
    open_questions = select(func.count()).where(  # through ix_question_open_client
        _question.c.client_id == client_id, _question.c.status == QuestionStatus.OPEN
    )
    crisis = select(func.count()).where(  # through ix_reply_client_kind_created_value
        _reply.c.client_id == client_id,
        _reply.c.kind == "crisis",
        _reply.c.created_at > bindparam("since"),
    )
    return (
        select(
            client_id,
            _client.c.name_enc,
            _client.c.role,
            _client.c.status,
            _client.c.confirmed_at.is_not(None),
            _client.c.unreachable_since,
            _client.c.paused_until,
            _client.c.nudges_enabled,
            _traject.c.status,
            _traject.c.line_key,
            _traject.c.step_key,
            _traject.c.step_sent_at,
            func.coalesce(_traject.c.nudge_rung, 0),
            open_questions.scalar_subquery(),
            crisis.scalar_subquery(),
            _traject.c.stall_days,
        )
        .select_from(_client.outerjoin(_traject, _traject.c.id == newest.scalar_subquery()))
        .where(_client.c.professional_id == bindparam("professional_id"))
        .order_by(client_id)
    )


_CASELOAD = _caseload_statement()
