"""Everything a client sends becomes a Reply: the log their professional reads."""

from __future__ import annotations

from services.unit import Unit
from storage.models import Client, Reply, Traject


def keep(
    unit: Unit,
    client: Client,
    *,
    kind: str,
    traject: Traject | None = None,
    value: str | None = None,
    text: str | None = None,
    answers_step: bool = False,
) -> Reply:
    """Store what the client sent (free text encrypted), on their traject; with `answers_step`,
    as the answer to the step that waits there."""
    reply = Reply(
        client_id=client.id or 0,
        traject_id=traject.id if traject else None,
        step_key=traject.step_key if traject and answers_step else None,
        kind=kind,
        value=value,
        text_enc=unit.cipher.encrypt_optional(text),
        created_at=unit.now,
    )
    unit.session.add(reply)
    unit.session.flush()
    return reply
