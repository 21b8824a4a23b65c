"""What the administrator does from the CLI: invite professionals (more in later issues)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.professionals import deep_link
from storage.invites import create_invite
from storage.models import AuditEntry, Professional, Role
from storage.organisations import get_organisation_by_key, list_organisations


class AdminError(Exception):
    """A problem with what the administrator asked, worded for them."""


def invite_professional(
    *, session: Session, organisation_key: str, name: str, bot_username: str, now: datetime
) -> str:
    """A new professional with a one-time link that binds whoever opens it. Returns the link."""
    organisation = get_organisation_by_key(session=session, key=organisation_key)
    if organisation is None:
        known = ", ".join(o.key for o in list_organisations(session=session)) or "none yet"
        raise AdminError(f"no organisation {organisation_key!r} (known: {known})")
    if not name.strip() or len(name) > 200:
        raise AdminError("give the professional's name (1-200 characters) with --name")
    professional = Professional(
        organisation_id=organisation.id or 0,
        name=name.strip(),
        language=organisation.language,
        created_at=now,
    )
    session.add(professional)
    session.flush()
    _invite, token = create_invite(
        session=session,
        organisation_id=organisation.id or 0,
        role=Role.PROFESSIONAL,
        professional_id=professional.id,
        now=now,
    )
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="invited_professional",
            subject_kind="professional",
            subject_id=professional.id,
        )
    )
    return deep_link(bot_username, token)
