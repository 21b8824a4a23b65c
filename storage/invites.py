"""Invites: one-time deep-link tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.models import Invite, Professional, Role

INVITE_VALID_FOR = timedelta(days=7)


def new_token() -> str:
    """32 random bytes as 43 characters of A-Za-z0-9_-: fits Telegram's 64-character start
    payload, and "cs:y:<token>" still fits a button's 64 bytes."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invite(
    *,
    session: Session,
    organisation_id: int,
    role: str,
    now: datetime,
    professional_id: int | None = None,
    line_key: str | None = None,
    traject_id: int | None = None,
    client_id: int | None = None,
    valid_for: timedelta = INVITE_VALID_FOR,
    parent_consent: bool = False,
    group_id: int | None = None,
) -> tuple[Invite, str]:
    """A new invite and its token. The token is shown once and never stored."""
    token = new_token()
    invite = Invite(
        organisation_id=organisation_id,
        token_hash=hash_token(token),
        role=role,
        professional_id=professional_id,
        line_key=line_key,
        traject_id=traject_id,
        client_id=client_id,
        created_at=now,
        expires_at=now + valid_for,
        parent_consent=parent_consent,
        group_id=group_id,
    )
    session.add(invite)
    session.flush()
    return invite, token


def usable_invite(*, session: Session, token: str, now: datetime) -> Invite | None:
    """The invite for `token` if it is unused, not withdrawn and not expired."""
    if not token or len(token) > 64:
        return None
    invite = session.exec(select(Invite).where(Invite.token_hash == hash_token(token))).first()
    if invite is None or invite.used_at or invite.revoked_at or invite.expires_at <= now:
        return None
    if invite.professional_id is not None:
        # An invite dies with the professional behind it: nobody would read the answers.
        professional = session.get(Professional, invite.professional_id)
        if professional is None or professional.revoked_at is not None:
            return None
    return invite


def claim_invite(*, session: Session, invite: Invite, now: datetime) -> bool:
    """Use the invite up. A conditional update: if two people open one link at the same time,
    exactly one of them gets it. A peer group's link is for all its members: not used up (the
    professional confirms each who joins)."""
    if invite.group_id is not None:
        return True
    table = Invite.__table__  # type: ignore[attr-defined]
    claimed = (
        session.connection()
        .execute(
            table.update()
            .where(table.c.id == invite.id, table.c.used_at.is_(None))
            .values(used_at=now)
            .returning(table.c.id)
        )
        .first()
    )
    if claimed is not None:
        session.refresh(invite)
    return claimed is not None


def open_invites(*, session: Session, professional_id: int, now: datetime) -> list[Invite]:
    """A professional's client invites that can still be used, the newest first."""
    return list(
        session.exec(
            select(Invite)
            .where(
                Invite.professional_id == professional_id,
                Invite.role != Role.PROFESSIONAL,
                Invite.used_at == None,  # noqa: E711 - SQL IS NULL
                Invite.revoked_at == None,  # noqa: E711
                Invite.group_id == None,  # noqa: E711 - a group's link goes with the group
                Invite.expires_at > now,
            )
            .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
            .limit(30)
        ).all()
    )
