"""What happens when Telegram says a person or group can no longer be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from storage import outbox
from storage.models import Client, Professional, RecipientKind


def recipient_gone(
    *, session: Session, recipient_kind: str, recipient_id: int | None, now: datetime
) -> None:
    """Mark them unreachable: no more nudges or sends until they press Start again; whatever
    was still waiting for them is dropped (each would only earn another 403)."""
    if recipient_id is None:
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
    )
    session.execute(
        update(model)
        .where(model.id == recipient_id, model.unreachable_since.is_(None))  # type: ignore[arg-type, union-attr]
        .values(unreachable_since=now)
    )
