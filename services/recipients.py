"""Queueing a message for a known client or professional (their chat, their language)."""

from __future__ import annotations

from datetime import datetime

from services.messages import Keyboard, Outgoing
from services.people import Person
from services.unit import Unit
from storage.models import Client, Professional, RecipientKind
from storage.outbox import PRIORITY_REPLY


def to_client(
    unit: Unit,
    client: Client,
    *,
    kind: str,
    text: str,
    buttons: Keyboard = (),
    priority: int = PRIORITY_REPLY,
    personal: bool = True,
    key: str | None = None,
    due_at: datetime | None = None,
    photo: str | None = None,
    document: str | None = None,
    filename: str | None = None,
) -> None:
    assert client.chat_id is not None, "a client always has a chat once they agreed"
    unit.send(
        chat_id=client.chat_id,
        recipient_kind=RecipientKind.CLIENT,
        recipient_id=client.id,
        kind=kind,
        message=Outgoing(
            text=text, buttons=buttons, photo=photo, document=document, filename=filename
        ),
        priority=priority,
        personal=personal,
        key=key,
        due_at=due_at,
    )


def to_professional(
    unit: Unit,
    professional: Professional,
    *,
    kind: str,
    text: str,
    buttons: Keyboard = (),
    priority: int = PRIORITY_REPLY,
    key: str | None = None,
    photo: str | None = None,
    voice: str | None = None,
    document: str | None = None,
    filename: str | None = None,
) -> bool:
    """False when the professional has no chat yet (invite not opened): nothing is queued.
    With `photo` or `document` the text is its caption (see services/messages.py: Outgoing)."""
    if professional.chat_id is None or professional.revoked_at is not None:
        return False
    unit.send(
        chat_id=professional.chat_id,
        recipient_kind=RecipientKind.PROFESSIONAL,
        recipient_id=professional.id,
        kind=kind,
        message=Outgoing(
            text=text,
            buttons=buttons,
            photo=photo,
            voice=voice,
            document=document,
            filename=filename,
        ),
        priority=priority,
        key=key,
    )
    return True


def to_person(
    unit: Unit, person: Person, *, kind: str, message: Outgoing, key: str | None = None
) -> None:
    """A message to someone who is not (yet) a client or professional: their private chat."""
    unit.send(
        chat_id=person.chat_id,
        recipient_kind=RecipientKind.CHAT,
        kind=kind,
        message=message,
        key=key,
    )
