"""The audit trail: who did what to whose data. Never personal text."""

from __future__ import annotations

from services.unit import Unit
from storage.models import AuditEntry

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
