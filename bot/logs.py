"""Logging that never shows a token or what people wrote.

`protect_logs(secrets)` (called by `run_bot`, so every way of running the bot has it) redacts
every record when it is made, before any handler (a file, the terminal, pytest's capture) sees
it, and keeps the libraries that log request contents quiet: httpx logs request URLs (they hold
the token) at INFO, python-telegram-bot logs request parameters (message texts) at DEBUG.
Our own code logs ids, kinds and lengths, never text. `configure_logging` sets up the terminal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_BOT_URL_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}\b")
REDACTED = "<redacted>"
# Loggers that would show tokens or message contents below WARNING.
_QUIET = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access", "hpack")

_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _BOT_URL_TOKEN.sub("bot" + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


def protect_logs(secrets: Iterable[str] = ()) -> None:
    """Redact these secrets (and anything shaped like a bot token) in every log record."""
    global _installed
    _secrets.update(secret for secret in secrets if secret)
    for name in _QUIET:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)


def configure_logging(level: int = logging.INFO, *, secrets: Iterable[str] = ()) -> None:
    """The terminal output of `duwtje run` (and friends), protected as above."""
    protect_logs(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
