"""Logging that never shows a token: every record is redacted when it is made, before any
handler (a file, the terminal, pytest's capture) sees it. Personal text is never logged in the
first place; the handlers log lengths and ids only."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_BOT_URL_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}\b")
REDACTED = "<redacted>"

_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    text = _BOT_URL_TOKEN.sub("bot" + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


def configure_logging(level: int = logging.INFO, *, secrets: Iterable[str] = ()) -> None:
    """Set up the root logger once; later calls only add secrets to redact."""
    global _installed
    _secrets.update(secret for secret in secrets if secret)
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
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
