"""Tidy chats: a message that shows a client's answers in a professional's chat is deleted by
the bot some hours after it was sent (privacy.tidy_after_hours, default 24; Telegram lets a
bot delete its messages for 48 hours), so a lost or shared phone shows little. The digest
itself names clients and counts only, and stays; the answers open again on demand.

The deletion is an outbox row like any message, due that many hours after the send: it keeps
the pacing, survives restarts, and is never lost or done twice in a way that matters
(deleting a message that is gone already is a harmless "not found").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.messages import Outgoing
from storage.models import RecipientKind
from storage.outbox import DELETION_KIND, PRIORITY_BULK, NewMessage

# Professional-side messages that show what a client wrote or answered.
TIDY_KINDS = frozenset(
    {
        "client_page",
        "answer_card",
        "preparation",
        "chart",
        "question",
        "alert",
        "feedback_sent",
        "export",
    }
)
LONGEST_HOURS = 47.0  # Telegram's 48 hours, with an hour to spare for a queue or an outage


def deletion(
    *,
    outbox_id: int,
    chat_id: int,
    recipient_kind: str,
    recipient_id: int | None,
    kind: str,
    telegram_message_id: int,
    sent_at: datetime,
    after_hours: float,
) -> NewMessage | None:
    """The row that deletes a just-sent message later, or None when it is not one to tidy."""
    if after_hours <= 0 or recipient_kind != RecipientKind.PROFESSIONAL or kind not in TIDY_KINDS:
        return None
    return NewMessage(
        key=f"tidy:{outbox_id}",
        chat_id=chat_id,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        kind=DELETION_KIND,
        payload=Outgoing(text="", delete=telegram_message_id).payload,
        priority=PRIORITY_BULK,
        personal=False,  # a message id, nothing personal; retried if the answer is unclear
        due_at=sent_at + timedelta(hours=min(after_hours, LONGEST_HOURS)),
    )
