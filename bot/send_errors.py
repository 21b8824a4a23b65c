"""Every way a send can fail, sorted in one place (the table in ../shared/brief/telegram.md).

`classify(exc)` says what happened; the sender decides what to do with the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)


class Kind(StrEnum):
    DONE = "done"  # nothing left to do ("message is not modified")
    RATE_LIMITED = "rate_limited"  # 429: wait at least retry_after, never lose it
    TRANSIENT = "transient"  # certainly not delivered: retry with backoff
    AMBIGUOUS = "ambiguous"  # may have been delivered: never resend anything personal
    RECIPIENT_GONE = "recipient_gone"  # blocked, deactivated, kicked, chat not found
    MIGRATED = "migrated"  # the group became a supergroup: resend once to the new id
    OUR_BUG = "our_bug"  # "can't parse entities" and other bad requests: do not retry
    FATAL = "fatal"  # a wrong token: nothing will work until an administrator acts


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str
    retry_after: float | None = None
    new_chat_id: int | None = None


_GONE_PHRASES = (
    "bot was blocked by the user",
    "user is deactivated",
    "bot was kicked",
    "bot is not a member",
    "chat not found",
    "bot can't initiate conversation",
    "have no rights to send",
    "not enough rights",
)
# "not enough rights to send polls to the chat": a right for one kind of message, not all.
_ONE_KIND_REFUSED = re.compile(
    r"rights to send (polls|photos|videos|documents|stickers|animations|voice|audio|media)"
)
_DONE_PHRASES = (
    "message is not modified",
    "message to edit not found",
    "message to delete not found",
    "query is too old",  # a button answer after Telegram stopped waiting for it
)


def classify(exc: TelegramError) -> Verdict:
    reason = f"{type(exc).__name__}: {exc.message}"[:500]
    if isinstance(exc, RetryAfter):
        return Verdict(Kind.RATE_LIMITED, reason, retry_after=_seconds(exc.retry_after))
    if isinstance(exc, ChatMigrated):
        return Verdict(Kind.MIGRATED, reason, new_chat_id=int(exc.new_chat_id))
    if isinstance(exc, InvalidToken):
        return Verdict(Kind.FATAL, reason)
    text = exc.message.lower()
    if _ONE_KIND_REFUSED.search(text):
        # Muted for polls (or photos) only: that one message fails, the group stays reachable.
        return Verdict(Kind.OUR_BUG, reason)
    if isinstance(exc, Forbidden | BadRequest) and any(p in text for p in _GONE_PHRASES):
        return Verdict(Kind.RECIPIENT_GONE, reason)
    if isinstance(exc, BadRequest):
        if any(phrase in text for phrase in _DONE_PHRASES):
            return Verdict(Kind.DONE, reason)
        return Verdict(Kind.OUR_BUG, reason)
    if isinstance(exc, Forbidden | Conflict):
        return Verdict(Kind.OUR_BUG, reason)
    if isinstance(exc, TimedOut):
        cause = exc.__cause__
        if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout):
            return Verdict(Kind.TRANSIENT, reason)
        return Verdict(Kind.AMBIGUOUS, reason)
    if isinstance(exc, NetworkError):
        if isinstance(exc.__cause__, httpx.ConnectError):
            return Verdict(Kind.TRANSIENT, reason)
        # 5xx, a dropped connection, a broken answer: it may have arrived.
        return Verdict(Kind.AMBIGUOUS, reason)
    return Verdict(Kind.OUR_BUG, reason)


def _seconds(value: object) -> float:
    total_seconds = getattr(value, "total_seconds", None)
    if callable(total_seconds):
        return float(total_seconds())
    return float(value)  # type: ignore[arg-type]
