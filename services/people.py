"""Who is writing: the few facts about a Telegram user a service needs."""

from __future__ import annotations

from dataclasses import dataclass

from content.lines import LANGUAGES


@dataclass(frozen=True)
class Person:
    telegram_user_id: int
    chat_id: int
    first_name: str
    language: str  # one of content.lines.LANGUAGES


def language_from_code(code: str | None, default: str) -> str:
    """Telegram's `language_code` ("nl", "en-GB", ...) to a language we speak."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else default
