"""The bot token never reaches a log line, whatever shape it comes in."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, protect_logs, redact

TOKEN = "987654321:AAF-very_secret-token-value-xyz12345"


def test_it_redacts_tokens_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    protect_logs(secrets=[TOKEN, "1:T"])
    log = logging.getLogger("duwtje.test")
    with caplog.at_level(logging.INFO):
        log.info("calling https://api.telegram.org/bot%s/sendMessage", TOKEN)
        log.warning("token is " + TOKEN)
        try:
            raise RuntimeError(f"failed for url /bot{TOKEN}/getMe")
        except RuntimeError:
            log.exception("request failed")
    assert TOKEN not in caplog.text
    assert "very_secret" not in caplog.text
    assert REDACTED in caplog.text
    assert caplog.text.count(REDACTED) >= 3


def test_it_redacts_token_shapes_it_was_not_told_about() -> None:
    other = "123456789:" + "A" * 35
    assert other not in redact(f"see {other} and /bot{other}/x")
