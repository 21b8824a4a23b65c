"""What happens when Telegram says a person or group can no longer be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from storage.models import Client, Professional, RecipientKind


def recipient_gone(
    *, session: Session, recipient_kind: str, recipient_id: int | None, now: datetime
) -> None:
    """Mark them unreachable: no more nudges or sends until they press Start again."""
    if recipient_id is None:
        return
    model: type[Client] | type[Professional]
    if recipient_kind == RecipientKind.CLIENT:
        model = Client
    elif recipient_kind == RecipientKind.PROFESSIONAL:
        model = Professional
    else:
        return
    session.execute(
        update(model)
        .where(model.id == recipient_id, model.unreachable_since.is_(None))  # type: ignore[arg-type, union-attr]
        .values(unreachable_since=now)
    )
