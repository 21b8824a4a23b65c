"""What every handler needs: who is writing, and one unit of work around one service call."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import inspect
from telegram import Update
from telegram.ext import ContextTypes

from bot.runtime import Runtime, runtime
from bot.unit import update_unit
from services import clients, onboarding
from services.people import Person, language_from_code
from services.unit import Unit
from storage.models import Client, Professional
from storage.people import who_is

log = logging.getLogger(__name__)

Who = Professional | Client | None
Work = Callable[[Runtime, Unit, Person, Who], None]


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


async def in_unit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, work: Work, *, interrupts: bool = True
) -> None:
    """Run `work` for a private-chat update in one unit of work (skipped if already handled).

    Groups have their own handlers (bot/handlers/groups.py); an update from a group that
    reaches here is only marked as handled, except that a client's crisis message is answered
    in their private chat and alerts their professional (nothing goes to the group).
    """
    rt = runtime(context)
    person = person_of(update, rt)
    async with update_unit(rt, update) as unit:
        if unit is None or person is None:
            return
        if not in_private_chat(update):
            crisis_in_group(unit, update, person)
            return
        who = who_is(session=unit.session, telegram_user_id=person.telegram_user_id)
        # A command or a button: whatever was asked is dropped (a sticker is neither: with
        # `interrupts=False` the question still waits).
        if interrupts and not _plain_text(update):
            if isinstance(who, Client):
                clients.interrupt(who)
            elif isinstance(who, Professional):
                who.awaiting = None
        work(rt, unit, person, who)
        if (
            isinstance(who, Client)
            and not inspect(who).deleted  # /vergeetmij
            and onboarding.needs_renewal(unit, who)
        ):
            onboarding.ask_renewal(unit, who)


def crisis_in_group(unit: Unit, update: Update, person: Person) -> None:
    message = update.message
    text = (message.text or message.caption or "") if message is not None else ""
    if not text or not unit.content.safety.matches(text):
        return
    who = who_is(session=unit.session, telegram_user_id=person.telegram_user_id)
    if isinstance(who, Client) and who.chat_id is not None:
        clients.crisis_message(unit, who, text)
    else:  # someone the bot cannot write to privately: the group is never the place for it
        log.warning("a crisis phrase in a group from someone who is no client; not answered there")


def _plain_text(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return bool(text) and not (text or "").startswith("/")
