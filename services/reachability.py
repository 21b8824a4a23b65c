"""What happens when Telegram says a person or group can no longer be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from services.people import Person
from services.unit import Unit
from storage import outbox
from storage.models import Client, GroupStatus, PeerGroup, Professional, RecipientKind


def recipient_gone(
    *,
    session: Session,
    recipient_kind: str,
    recipient_id: int | None,
    now: datetime,
    detail: str = "",
) -> None:
    """Mark them unreachable: no more nudges or sends until they press Start again; whatever
    was still waiting for them is dropped (each would only earn another 403). `detail` is
    Telegram's description, which tells a group's removal from its rights taken away."""
    if recipient_id is None:
        return
    if recipient_kind == RecipientKind.GROUP:
        _group_gone(session=session, group_id=recipient_id, now=now, reason=group_reason(detail))
        return
    model: type[Client] | type[Professional]
    if recipient_kind == RecipientKind.CLIENT:
        model = Client
    elif recipient_kind == RecipientKind.PROFESSIONAL:
        model = Professional
    else:
        return
    outbox.cancel_pending(
        session=session,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        reason="recipient unreachable",
        now=now,
    )
    session.execute(
        update(model)
        .where(model.id == recipient_id, model.unreachable_since.is_(None))  # type: ignore[arg-type, union-attr]
        .values(unreachable_since=now)
    )


def group_reason(detail: str) -> str:
    """Why a group refuses us, in the words the professional is told (group_inactive): a send
    can fail before Telegram's my_chat_member update arrives, and both must say the same."""
    lowered = detail.lower()
    if "kicked" in lowered or "not a member" in lowered:
        return "removed"
    if "rights" in lowered or "not enough" in lowered:
        return "rights"
    return "gone"


def _group_gone(*, session: Session, group_id: int, now: datetime, reason: str) -> None:
    """Telegram refuses the group's messages (the bot removed, or without the right to send):
    it goes inactive, and the sweep tells its professional (services/groups.py)."""
    outbox.cancel_pending(
        session=session,
        recipient_kind=RecipientKind.GROUP,
        recipient_id=group_id,
        reason="group unreachable",
        now=now,
    )
    session.execute(
        update(PeerGroup)
        .where(col(PeerGroup.id) == group_id, col(PeerGroup.status) == GroupStatus.ACTIVE)
        .values(status=GroupStatus.INACTIVE, inactive_since=now, inactive_reason=reason)
    )


def chat_member_changed(
    unit: Unit, person: Person, who: Client | Professional | None, *, blocked: bool
) -> None:
    """Telegram says they blocked the bot (or unblocked it): no sends until they come back;
    when they do, all is as before (their professional saw it in the digest meanwhile)."""
    if who is None:
        return  # a stranger: nothing of theirs is kept, nothing to change
    kind = RecipientKind.CLIENT if isinstance(who, Client) else RecipientKind.PROFESSIONAL
    if blocked:
        recipient_gone(session=unit.session, recipient_kind=kind, recipient_id=who.id, now=unit.now)
    else:
        who.unreachable_since = None
