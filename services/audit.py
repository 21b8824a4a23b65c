"""The audit trail: who did what to whose data. Never personal text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from services.unit import Unit
from storage.models import AuditEntry, Professional

Who = tuple[str, int | None]


def audit(
    unit: Unit, *, actor: Who, action: str, subject: Who | None = None, detail: str | None = None
) -> None:
    unit.session.add(
        AuditEntry(
            at=unit.now,
            actor_kind=actor[0],
            actor_id=actor[1],
            action=action,
            subject_kind=subject[0] if subject else None,
            subject_id=subject[1] if subject else None,
            detail=detail,
        )
    )


@dataclass(frozen=True)
class TrailEntry:
    at: datetime
    actor: str  # "professional 3 (Mirjam)", "administrator", "client 7"
    action: str
    detail: str | None


def trail(session: Session, *, client_id: int, limit: int = 1000) -> list[TrailEntry]:
    """Everything recorded about one client (and done by them), oldest first. The actor's name
    is a professional's work name only; a client stays a number."""
    about = session.exec(
        select(AuditEntry)
        .where(
            or_(
                and_(
                    col(AuditEntry.subject_kind) == "client",
                    col(AuditEntry.subject_id) == client_id,
                ),
                and_(col(AuditEntry.actor_kind) == "client", col(AuditEntry.actor_id) == client_id),
            )
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
        .limit(limit)
    ).all()
    names = {
        p.id: p.name
        for p in session.exec(
            select(Professional).where(
                col(Professional.id).in_(
                    {e.actor_id for e in about if e.actor_kind == "professional"}
                )
            )
        )
    }
    return [
        TrailEntry(entry.at, _actor(entry, names), entry.action, entry.detail) for entry in about
    ]


def _actor(entry: AuditEntry, names: dict[int | None, str]) -> str:
    if entry.actor_id is None:
        return entry.actor_kind
    name = f" ({names[entry.actor_id]})" if entry.actor_id in names else ""
    return f"{entry.actor_kind} {entry.actor_id}{name}"
