"""A professional's caseload in one query: per client what the overview sorts by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from storage.models import (
    Client,
    Meeting,
    Question,
    QuestionStatus,
    Reply,
    Traject,
)

_client = Client.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_meeting = Meeting.__table__  # type: ignore[attr-defined]


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
    last_meeting_at: datetime | None


def caseload(*, session: Session, professional_id: int, since: datetime) -> list[CaseRow]:
    """Every client of this professional, with their newest traject, their open questions and
    crisis messages since `since`, and their last meeting: one statement, however large."""
    newest = (
        select(_traject.c.client_id, func.max(_traject.c.id).label("traject_id"))
        .group_by(_traject.c.client_id)
        .subquery()
    )
    questions = (
        select(_question.c.client_id, func.count().label("open"))
        .where(_question.c.status == QuestionStatus.OPEN)
        .group_by(_question.c.client_id)
        .subquery()
    )
    mine = select(_client.c.id).where(_client.c.professional_id == professional_id)
    crisis = (  # per client through ix_reply_client_kind_created, not a scan of every reply
        select(_reply.c.client_id, func.count().label("crisis"))
        .where(
            _reply.c.client_id.in_(mine.scalar_subquery()),
            _reply.c.kind == "crisis",
            _reply.c.created_at > since,
        )
        .group_by(_reply.c.client_id)
        .subquery()
    )
    meetings = (
        select(_meeting.c.client_id, func.max(_meeting.c.held_at).label("held_at"))
        .group_by(_meeting.c.client_id)
        .subquery()
    )
    rows = session.execute(
        select(
            _client.c.id,
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
            func.coalesce(questions.c.open, 0),
            func.coalesce(crisis.c.crisis, 0),
            meetings.c.held_at,
        )
        .select_from(
            _client.outerjoin(newest, newest.c.client_id == _client.c.id)
            .outerjoin(_traject, _traject.c.id == newest.c.traject_id)
            .outerjoin(questions, questions.c.client_id == _client.c.id)
            .outerjoin(crisis, crisis.c.client_id == _client.c.id)
            .outerjoin(meetings, meetings.c.client_id == _client.c.id)
        )
        .where(_client.c.professional_id == professional_id)
        .order_by(_client.c.id)
    ).all()
    return [CaseRow(*row) for row in rows]
