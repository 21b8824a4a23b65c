"""Every way a send can fail, sorted: the table the sender acts on (bot/send_errors.py)."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.send_errors import Kind, classify


def network(cause: Exception) -> NetworkError:
    error = NetworkError("httpx.ConnectError")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RetryAfter(7), Kind.RATE_LIMITED),
        (ChatMigrated(-100123), Kind.MIGRATED),
        (InvalidToken(), Kind.FATAL),
        (Forbidden("Forbidden: bot was blocked by the user"), Kind.RECIPIENT_GONE),
        (Forbidden("Forbidden: bot was kicked from the supergroup chat"), Kind.RECIPIENT_GONE),
        (BadRequest("Bad Request: chat not found"), Kind.RECIPIENT_GONE),
        (BadRequest("Not enough rights to send text messages to the chat"), Kind.RECIPIENT_GONE),
        (BadRequest("Bad Request: have no rights to send a message"), Kind.RECIPIENT_GONE),
        # Muted for one kind only: that message fails, the group stays reachable.
        (BadRequest("Not enough rights to send polls to the chat"), Kind.OUR_BUG),
        (BadRequest("Bad Request: not enough rights to send photos to the chat"), Kind.OUR_BUG),
        (BadRequest("Bad Request: message is not modified"), Kind.DONE),
        (BadRequest("Bad Request: can't parse entities"), Kind.OUR_BUG),
        (network(httpx.ConnectError("refused")), Kind.TRANSIENT),
        (NetworkError("Bad Gateway"), Kind.AMBIGUOUS),
    ],
)
def test_each_failure_is_sorted(error: Exception, kind: Kind) -> None:
    assert classify(error).kind == kind  # type: ignore[arg-type]
