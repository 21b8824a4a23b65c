"""Retention (issue 10, point 5): what goes when.

- A client's answers and questions (and what hangs off them: feedback, alerts) go the
  organisation's `retention_days` after their line ended: every traject finished or stopped
  (the latest end counts), or, for someone who said /stop and never came back, their last
  activity. Their name and consent stay until they are erased or the professional removes them.
- Invites go once they expired (used or not), and so do a group's unused link codes.
- Outbox rows go 90 days after they were made once they are final (their texts were wiped at 30).
- The audit trail is kept 5 years.

`apply(dry_run=True)` counts without deleting (`duwtje retention --dry-run`); the housekeeping
job applies it. `due_for(...)` names the clients whose data goes within a week, for the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from storage.models import (
    AuditEntry,
    Client,
    ClientStatus,
    GroupLinkCode,
    Invite,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Question,
    Reply,
    Traject,
    TrajectStatus,
)

OUTBOX_DAYS = 90
AUDIT_DAYS = 5 * 365
WARN_AHEAD = timedelta(days=7)

_client = Client.__table__  # type: ignore[attr-defined]
_org = Organisation.__table__  # type: ignore[attr-defined]
_traject = Traject.__table__  # type: ignore[attr-defined]
_reply = Reply.__table__  # type: ignore[attr-defined]
_question = Question.__table__  # type: ignore[attr-defined]
_invite = Invite.__table__  # type: ignore[attr-defined]
_group_code = GroupLinkCode.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_audit = AuditEntry.__table__  # type: ignore[attr-defined]
_FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)
_GOING = (TrajectStatus.ACTIVE, TrajectStatus.PAUSED)


@dataclass(frozen=True)
class Due:
    client_id: int
    professional_id: int
    name_enc: str | None
    delete_at: datetime


def due_for(
    connection: Connection, *, before: datetime, professional_id: int | None = None
) -> list[Due]:
    """Clients (of one professional, or all) with answers or questions whose retention ends
    before `before`."""
    going = select(_traject.c.id).where(
        _traject.c.client_id == _client.c.id, _traject.c.status.in_(_GOING)
    )
    ended = (
        select(func.max(_traject.c.finished_at))
        .where(_traject.c.client_id == _client.c.id)
        .scalar_subquery()
    )
    has_data = select(_reply.c.id).where(_reply.c.client_id == _client.c.id)
    query = (
        select(
            _client.c.id,
            _client.c.professional_id,
            _client.c.name_enc,
            _client.c.status,
            _client.c.last_activity_at,
            ended.label("ended"),
            _org.c.retention_days,
        )
        .join(_org, _org.c.id == _client.c.organisation_id)
        .where(has_data.exists())
        .where(~going.exists() | (_client.c.status == ClientStatus.STOPPED))
    )
    if professional_id is not None:
        query = query.where(_client.c.professional_id == professional_id)
    rows = connection.execute(query).all()
    found = []
    for row in rows:
        end = row.ended
        if row.status == ClientStatus.STOPPED and row.last_activity_at is not None:
            end = max(end, row.last_activity_at) if end else row.last_activity_at
        if end is None:
            continue
        delete_at = end + timedelta(days=row.retention_days)
        if delete_at < before:
            found.append(Due(row.id, row.professional_id, row.name_enc, delete_at))
    return found


def apply(connection: Connection, *, now: datetime, dry_run: bool) -> dict[str, int]:
    """Delete (or, dry, count) what retention says goes now."""
    clients = [d.client_id for d in due_for(connection, before=now)]
    targets = {
        "answers": (_reply, _reply.c.client_id.in_(clients)),
        "questions": (_question, _question.c.client_id.in_(clients)),
        "invites": (_invite, _invite.c.expires_at < now),
        "group_codes": (_group_code, _group_code.c.expires_at < now),
        "messages": (
            _outbox,
            _outbox.c.status.in_(_FINAL)
            & (_outbox.c.created_at < now - timedelta(days=OUTBOX_DAYS)),
        ),
        "audit_entries": (_audit, _audit.c.at < now - timedelta(days=AUDIT_DAYS)),
    }
    counts = {
        name: connection.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        for name, (table, where) in targets.items()
    }
    counts["clients"] = len(clients)
    if not dry_run:
        # Questions first: they point at the answers (the cascade would take them anyway).
        for name in ("questions", "answers", "invites", "group_codes", "messages", "audit_entries"):
            table, where = targets[name]
            connection.execute(delete(table).where(where))
    return counts
