"""The rows the anonymous report counts (services/figures.py), fetched once per report: plain
tuples of ids, kinds and moments, never a name or a text. One query per table, filtered on the
organisation (and, for `/maand`, one professional's caseload) and the period, so a whole year of
a large organisation is a few hundred thousand small rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from storage.models import (
    CLIENT_ROLES,
    Appointment,
    Client,
    Departure,
    GroupMeeting,
    GroupMeetingStatus,
    GroupPoll,
    Invite,
    Nudge,
    PeerGroup,
    Question,
    Reply,
    Traject,
    TrajectMember,
)

_client = Client.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_member = TrajectMember.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_invite = Invite.__table__  # type: ignore[attr-defined]
_nudge = Nudge.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_appointment = Appointment.__table__  # type: ignore[attr-defined]
_group = PeerGroup.__table__  # type: ignore[attr-defined]
_meeting = GroupMeeting.__table__  # type: ignore[attr-defined]
_poll = GroupPoll.__table__  # type: ignore[attr-defined]
_departure = Departure.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    now: datetime  # nothing planned after it counts as sent or held
    first: date  # the same period as local dates (erased people keep only dates)
    last: date
    professional_id: int | None = None  # `/maand`: one caseload; None: the organisation


@dataclass
class Rows:
    clients: list[Any]  # id, role
    trajecten: list[Any]  # id, client_id, line_key, started_at, step_key, step_sent_at
    members: list[Any]  # traject_id, client_id, created_at
    replies: list[Any]  # client_id, traject_id, step_key, occurrence, item_key, kind, value, at
    invites: list[Any]  # created_at, line_key, traject_id
    nudges: list[Any]  # client_id, traject_id, due_at, followed_at
    questions: list[Any]  # client_id, asked_at, answered_at
    appointments: list[Any]  # client_id, created_at, starts_at, status
    groups: list[Any]  # id, status, linked_at, inactive_since, members
    meetings: list[Any]  # group_id, starts_at, coming, not_coming
    polls: list[Any]  # group_id, kind, counts, created_at
    departures: list[Any]  # role, line_key, joined_month, left_on, steps_done, ...


def fetch(
    session: Session, scope: Scope, *, reply_kinds: tuple[str, ...], nudge_kinds: tuple[str, ...]
) -> Rows:
    mine = _clients_in(scope)
    clients = session.execute(
        select(_client.c.id, _client.c.role).where(_client.c.id.in_(mine))
    ).all()
    trajecten = session.execute(
        select(
            _traject.c.id,
            _traject.c.client_id,
            _traject.c.line_key,
            _traject.c.started_at,
            _traject.c.step_key,
            _traject.c.step_sent_at,
        ).where(_traject.c.client_id.in_(mine), _traject.c.started_at < scope.end)
    ).all()
    members = session.execute(
        select(_member.c.traject_id, _member.c.client_id, _member.c.created_at).where(
            _member.c.client_id.in_(mine), _member.c.created_at < scope.end
        )
    ).all()
    replies = session.execute(
        select(
            _reply.c.client_id,
            _reply.c.traject_id,
            _reply.c.step_key,
            _reply.c.occurrence,
            _reply.c.item_key,
            _reply.c.kind,
            _reply.c.value,
            _reply.c.created_at,
        ).where(
            _reply.c.client_id.in_(mine),
            _reply.c.kind.in_(reply_kinds),
            _reply.c.created_at >= scope.start,
            _reply.c.created_at < scope.end,
        )
    ).all()
    invites = _invites(session, scope)
    nudges = session.execute(
        select(
            _nudge.c.client_id, _nudge.c.traject_id, _nudge.c.due_at, _nudge.c.followed_at
        ).where(
            _nudge.c.client_id.in_(mine),
            _nudge.c.kind.in_(nudge_kinds),
            _nudge.c.due_at >= scope.start,
            _nudge.c.due_at < min(scope.end, scope.now),
        )
    ).all()
    questions = session.execute(
        select(_question.c.client_id, _question.c.asked_at, _question.c.answered_at).where(
            _question.c.client_id.in_(mine),
            _question.c.asked_at >= scope.start,
            _question.c.asked_at < scope.end,
        )
    ).all()
    appointments = session.execute(
        select(
            _appointment.c.client_id,
            _appointment.c.created_at,
            _appointment.c.starts_at,
            _appointment.c.status,
        ).where(
            _appointment.c.client_id.in_(mine),
            _appointment.c.created_at < scope.end,
            _appointment.c.starts_at >= scope.start,
        )
    ).all()
    groups, meetings, polls = _groups(session, scope)
    departures = _departures(session, scope)
    return Rows(
        clients=list(clients),
        trajecten=list(trajecten),
        members=list(members),
        replies=list(replies),
        invites=invites,
        nudges=list(nudges),
        questions=list(questions),
        appointments=list(appointments),
        groups=groups,
        meetings=meetings,
        polls=polls,
        departures=departures,
    )


def _clients_in(scope: Scope) -> Select[Any]:
    statement = select(_client.c.id).where(
        _client.c.organisation_id == scope.organisation_id,
        _client.c.role.in_([str(r) for r in CLIENT_ROLES]),
    )
    if scope.professional_id is not None:
        statement = statement.where(_client.c.professional_id == scope.professional_id)
    return statement


def _invites(session: Session, scope: Scope) -> list[Any]:
    """Invitations of clients: not a professional's, not a group's open carer link (anyone in
    the group may use it), not a "new phone" link for someone who is already in."""
    statement = select(_invite.c.created_at, _invite.c.line_key, _invite.c.traject_id).where(
        _invite.c.organisation_id == scope.organisation_id,
        _invite.c.role.in_([str(r) for r in CLIENT_ROLES]),
        _invite.c.group_id.is_(None),
        _invite.c.client_id.is_(None),
        _invite.c.created_at >= scope.start,
        _invite.c.created_at < scope.end,
    )
    if scope.professional_id is not None:
        statement = statement.where(_invite.c.professional_id == scope.professional_id)
    rows = list(session.execute(statement).all())
    # A parent's invitation names the pupil's traject instead of a line.
    wanted = {row.traject_id for row in rows if row.line_key is None and row.traject_id}
    lines = (
        dict(
            session.execute(
                select(_traject.c.id, _traject.c.line_key).where(_traject.c.id.in_(wanted))
            ).all()
        )
        if wanted
        else {}
    )
    return [(row.created_at, row.line_key or lines.get(row.traject_id)) for row in rows]


def _groups(session: Session, scope: Scope) -> tuple[list[Any], list[Any], list[Any]]:
    statement = select(
        _group.c.id,
        _group.c.status,
        _group.c.linked_at,
        _group.c.inactive_since,
        _group.c.members,
    ).where(_group.c.organisation_id == scope.organisation_id, _group.c.linked_at.is_not(None))
    if scope.professional_id is not None:
        statement = statement.where(_group.c.professional_id == scope.professional_id)
    groups = list(session.execute(statement).all())
    ids = [g.id for g in groups]
    if not ids:
        return groups, [], []
    meetings = session.execute(
        select(
            _meeting.c.group_id, _meeting.c.starts_at, _meeting.c.coming, _meeting.c.not_coming
        ).where(
            _meeting.c.group_id.in_(ids),
            _meeting.c.status == GroupMeetingStatus.HELD,
            _meeting.c.starts_at >= scope.start,
            _meeting.c.starts_at < scope.end,
        )
    ).all()
    polls = session.execute(
        select(_poll.c.group_id, _poll.c.kind, _poll.c.counts, _poll.c.created_at).where(
            _poll.c.group_id.in_(ids),
            _poll.c.created_at >= scope.start,
            _poll.c.created_at < scope.end,
        )
    ).all()
    return groups, list(meetings), list(polls)


def _departures(session: Session, scope: Scope) -> list[Any]:
    """People erased during or after the period who had joined before its end: only their
    month, role, line and counts are left. A caseload (`/maand`) has none: the rows keep no
    professional."""
    if scope.professional_id is not None:
        return []
    return list(
        session.execute(
            select(
                _departure.c.role,
                _departure.c.line_key,
                _departure.c.joined_month,
                _departure.c.left_on,
                _departure.c.steps_done,
                _departure.c.questions,
                _departure.c.nudges,
                _departure.c.nudges_followed,
            ).where(
                _departure.c.organisation_id == scope.organisation_id,
                _departure.c.joined_month <= scope.last,
                _departure.c.left_on >= scope.first,
            )
        ).all()
    )
