"""What every handler needs to read from an update."""

from __future__ import annotations

from telegram import Update

from bot.runtime import Runtime
from services.people import Person, language_from_code


def person_of(update: Update, rt: Runtime) -> Person | None:
    """The person writing, or None for updates without one (channel posts, service updates)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return Person(
        telegram_user_id=user.id,
        chat_id=chat.id,
        first_name=user.first_name or "",
        language=language_from_code(user.language_code, rt.settings.defaults.language),
    )


def in_private_chat(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"
