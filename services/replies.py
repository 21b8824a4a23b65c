"""Everything a client sends becomes a Reply: the log their professional reads."""

from __future__ import annotations

from datetime import datetime

from services import activity
from services.unit import Unit
from storage.models import Client, Reply, Traject


def keep(
    unit: Unit,
    client: Client,
    *,
    kind: str,
    traject: Traject | None = None,
    step_key: str | None = None,
    item_key: str | None = None,
    occurrence: int | None = None,
    value: str | None = None,
    text: str | None = None,
    media: bytes | None = None,
    asked_at: datetime | None = None,
) -> Reply:
    """Store what the client sent (free text and media encrypted), with the step and check-in
    question it answers, if any, and when that was asked."""
    reply = Reply(
        client_id=client.id or 0,
        traject_id=traject.id if traject else None,
        step_key=step_key,
        item_key=item_key,
        occurrence=occurrence,
        kind=kind,
        value=value,
        text_enc=unit.cipher.encrypt_optional(text),
        media_enc=unit.cipher.encrypt_bytes(media) if media is not None else None,
        asked_at=asked_at,
        created_at=unit.now,
    )
    unit.session.add(reply)
    unit.session.flush()
    activity.acted(unit, client, traject)
    return reply
