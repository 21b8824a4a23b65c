"""Crisis alerts: the ones due to escalate, and who is on duty."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Alert, Professional


def due_alerts(*, session: Session, now: datetime) -> list[Alert]:
    """Alerts nobody acknowledged whose time ran out (through the partial ix_alert_escalate)."""
    return list(
        session.exec(
            select(Alert)
            .where(
                col(Alert.acknowledged_at).is_(None),
                col(Alert.escalated_at).is_(None),
                col(Alert.escalate_at) <= now,
            )
            .order_by(col(Alert.escalate_at))
        ).all()
    )


def on_duty(*, session: Session, organisation_id: int) -> list[Professional]:
    """The organisation's professionals on duty who can be reached now, by name."""
    return list(
        session.exec(
            select(Professional)
            .where(
                Professional.organisation_id == organisation_id,
                col(Professional.on_duty).is_(True),
                col(Professional.revoked_at).is_(None),
                col(Professional.chat_id).is_not(None),
                col(Professional.unreachable_since).is_(None),
            )
            .order_by(Professional.name)
        ).all()
    )
