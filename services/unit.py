"""One unit of work as a service sees it: the session, `now`, content, and what to send.

The bot layer opens it for one update (or one job tick), the service does its rules and queues
messages on it, and the bot layer commits: the queued messages become outbox rows in the same
transaction as every other change. Answers to a button press go out directly after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from content import Content
from services import group_guard
from services.bridge_policy import BridgePolicy
from services.group_policy import GroupPolicy
from services.messages import Keyboard, Outgoing
from services.nudge_policy import NudgePolicy
from storage.crypto import FieldCipher
from storage.outbox import PRIORITY_REPLY, NewMessage, enqueue


@dataclass(frozen=True)
class AnswerCallback:
    text: str | None = None
    alert: bool = False


@dataclass(frozen=True)
class EditPressed:
    message: Outgoing
    # In a group, the pressed message may only become a group template (bot/unit.py checks).
    kind: str | None = None


@dataclass(frozen=True)
class RemovePressedButtons:
    """The pressed message keeps its text and loses its buttons (the answer is in)."""


@dataclass
class Unit:
    session: Session
    now: datetime
    content: Content
    cipher: FieldCipher
    update_id: int | None = None
    # The nudge rules of this installation (quiet hours, caps, school holidays, ...).
    policy: NudgePolicy = field(default_factory=NudgePolicy)
    # Working hours, the alert's time to be acknowledged, the moments /afspraak offers.
    bridge: BridgePolicy = field(default_factory=BridgePolicy)
    # Peer groups: the day's hours for posts, the unlinked group's time, the code's life.
    groups: GroupPolicy = field(default_factory=GroupPolicy)
    queued: list[NewMessage] = field(default_factory=list)
    # Someone's data was erased: after the commit the database is compacted (storage/db.py).
    compact: bool = False
    direct: list[AnswerCallback | EditPressed | RemovePressedButtons] = field(default_factory=list)
    # Names decrypted in this unit of work: a digest names each client in several sections.
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def render(self, name: str, language: str, /, **values: Any) -> str:
        return self.content.renderer.render(name, language, **values)

    def label(self, key: str, language: str, /, **values: Any) -> str:
        return self.content.renderer.label(key, language, **values)

    def name(self, name_enc: str | None) -> str:
        """A person's name as stored (encrypted), readable; "?" when there is none."""
        if not name_enc:
            return "?"
        known = self._names.get(name_enc)
        if known is None:
            known = self._names[name_enc] = self.cipher.decrypt(name_enc)
        return known

    def send(
        self,
        *,
        chat_id: int,
        recipient_kind: str,
        kind: str,
        message: Outgoing,
        recipient_id: int | None = None,
        priority: int = PRIORITY_REPLY,
        personal: bool = True,
        key: str | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Queue a message. Without `key`, the update id makes it unique (and redelivery-proof).
        Nothing personal goes to a group (services/group_guard.py raises PersonalToGroup)."""
        group_guard.check(
            chat_id=chat_id, recipient_kind=recipient_kind, kind=kind, personal=personal
        )
        if key is None:
            if self.update_id is None:
                raise ValueError("a message queued outside an update needs an idempotency key")
            key = f"u{self.update_id}:{len(self.queued)}"
        self.queued.append(
            NewMessage(
                key=key,
                chat_id=chat_id,
                recipient_kind=recipient_kind,
                recipient_id=recipient_id,
                kind=kind,
                payload=message.payload,
                priority=priority,
                personal=personal,
                due_at=due_at,
            )
        )

    def key_outside_update(self, tag: str) -> str | None:
        """A key for a message a command-line action queues (no update makes it unique); inside
        an update None, so the update id keeps it redelivery-proof."""
        return None if self.update_id is not None else f"{tag}:{self.now.isoformat()}"

    def answer_callback(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the button press (once: a later call does nothing, the first answer stands)."""
        if not any(isinstance(d, AnswerCallback) for d in self.direct):
            self.direct.append(AnswerCallback(text=text, alert=alert))

    def edit_pressed(self, text: str, buttons: Keyboard = (), *, kind: str | None = None) -> None:
        self.direct.append(EditPressed(Outgoing(text=text, buttons=buttons), kind=kind))

    def remove_pressed_buttons(self) -> None:
        self.direct.append(RemovePressedButtons())

    def flush(self) -> None:
        """Write the queued messages as outbox rows (the caller commits)."""
        enqueue(session=self.session, messages=self.queued, now=self.now, cipher=self.cipher)
