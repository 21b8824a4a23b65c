"""The last line: an exception in a handler is logged (no personal text) and the person hears
that something went wrong, so nobody is left waiting in silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import in_private_chat, person_of
from bot.runtime import runtime
from services import greeting
from services.unit import Unit
from storage.db import session_scope

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "handling update %s failed: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if not isinstance(update, Update) or not in_private_chat(update):
        return
    rt = runtime(context)
    person = person_of(update, rt)
    if person is None:
        return
    try:
        with session_scope(rt.engine) as session:
            unit = Unit(session=session, now=rt.clock.now(), content=rt.content, cipher=rt.cipher)
            greeting.something_went_wrong(unit, person, key=f"error:{update_id}")
            unit.flush()
        rt.wake_sender.set()
    except Exception:
        log.exception("could not even queue the apology for update %s", update_id)
