"""/start, /help, unknown commands, free text and buttons from people we do not know yet.

Later capabilities put their own handlers before these; what is left ends up here, and
`everything_else` makes sure even an update no one wants is marked as handled.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import in_private_chat, person_of
from bot.runtime import runtime
from bot.unit import update_unit
from services import greeting
from services.callbacks import unpack

log = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    person = person_of(update, rt)
    async with update_unit(rt, update) as unit:
        if unit is None or person is None or not in_private_chat(update):
            return
        greeting.welcome_stranger(unit, person, organisation=rt.organisation_name)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await start(update, context)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    person = person_of(update, rt)
    async with update_unit(rt, update) as unit:
        if unit is None or person is None or not in_private_chat(update):
            return
        greeting.unknown_command(unit, person)


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    person = person_of(update, rt)
    async with update_unit(rt, update) as unit:
        if unit is None or person is None or not in_private_chat(update):
            return
        log.info(
            "a person we do not know wrote %d characters; not stored",
            len(update.effective_message.text or "") if update.effective_message else 0,
        )
        greeting.answer_stranger_text(unit, person, organisation=rt.organisation_name)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    person = person_of(update, rt)
    query = update.callback_query
    async with update_unit(rt, update) as unit:
        if unit is None or person is None or query is None:
            return
        callback = unpack(query.data)
        if callback is not None and callback.action == "info":
            greeting.show_panel(unit, person, callback, organisation=rt.organisation_name)
        else:
            # A button from an old message, or one we no longer know: say so kindly.
            unit.answer_callback(unit.label("answer.stale_button", person.language))


async def everything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Updates no handler wants (edits, reactions, unknown types): handled, without effect."""
    rt = runtime(context)
    async with update_unit(rt, update):
        pass
