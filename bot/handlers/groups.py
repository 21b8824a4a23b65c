"""Updates from group chats: peer groups (services/groups.py and friends).

With privacy mode on (the default) the bot sees only commands, replies to its own messages and
service messages (people joining and leaving, the group becoming a supergroup). Nothing personal
is ever answered in the group: a command that would show something personal gets "ik stuur je
een privébericht" there and its answer in the private chat.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers import basics, buttons
from bot.handlers.basics import private_work
from bot.handlers.common import crisis_in_group, in_private_chat, person_of
from bot.runtime import Runtime, runtime
from bot.unit import update_unit
from services import group_meetings, groups
from services.callbacks import unpack
from services.people import Person
from services.unit import Unit
from storage import polls
from storage.models import Client, ClientStatus, Professional
from storage.people import who_is

log = logging.getLogger(__name__)

# Commands for the group itself; /start and /help answer what the bot does there.
GROUP_COMMANDS = ("koppel", "ontkoppel", "start", "help")


async def message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any new message in a group: a service message, a command, or text the bot may see."""
    rt = runtime(context)
    incoming = update.message
    chat = update.effective_chat
    if incoming is None or chat is None:
        return
    username = context.bot.username
    person = person_of(update, rt)
    counted = None
    if incoming.new_chat_members or incoming.left_chat_member or _linking(incoming, username):
        counted = await _member_count(context, chat.id)
    async with update_unit(rt, update) as unit:
        if unit is None:
            return
        if counted is not None:
            groups.count_members(unit, chat.id, counted)
        if incoming.migrate_to_chat_id:
            groups.migrated(unit, old_chat_id=chat.id, new_chat_id=incoming.migrate_to_chat_id)
        elif incoming.migrate_from_chat_id:
            groups.migrated(unit, old_chat_id=incoming.migrate_from_chat_id, new_chat_id=chat.id)
        elif incoming.new_chat_members:
            if any(not member.is_bot for member in incoming.new_chat_members):
                groups.members_joined(unit, chat.id, bot_username=username)
        elif incoming.left_chat_member:
            if not incoming.left_chat_member.is_bot:
                groups.member_left(unit, chat.id, incoming.left_chat_member.id)
        elif person is not None and _command(incoming, username) is not None:
            _command_in_group(rt, unit, person, incoming, username)
        elif person is not None:
            crisis_in_group(unit, update, person)


def _linking(incoming: Message, username: str) -> bool:
    found = _command(incoming, username)
    return found is not None and found[0] == "koppel"


async def _member_count(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> int | None:
    """How many are in the group (the report counts members; nobody's name is kept). Asked
    before the unit of work opens, so no transaction waits on Telegram; None when Telegram
    will not say (the bot just left, a network error): the last count stays."""
    try:
        return await context.bot.get_chat_member_count(chat_id)
    except TelegramError as exc:
        log.info("no member count for a group: %s", type(exc).__name__)
        return None


def _command(incoming: Message, username: str) -> tuple[str, list[str]] | None:
    """("koppel", ["AB12-CD34"]) for "/koppel@duwtje_bot AB12-CD34"; None for a command to
    another bot, or no command."""
    text = incoming.text or ""
    if not text.startswith("/"):
        return None
    head, *args = text.split()
    name, _, addressed = head[1:].partition("@")
    if addressed and addressed.lower() != username.lower():
        return None
    return name.lower(), args


def _command_in_group(
    rt: Runtime, unit: Unit, person: Person, incoming: Message, username: str
) -> None:
    found = _command(incoming, username)
    assert found is not None
    name, args = found
    chat_id = incoming.chat.id
    if name == "koppel":
        groups.link(
            unit,
            person,
            chat_id=chat_id,
            code=args[0] if args else "",
            title=incoming.chat.title,
            bot_username=username,
            message_id=incoming.message_id,
        )
        return
    if name == "ontkoppel":
        groups.unlink_command(unit, person, chat_id=chat_id, message_id=incoming.message_id)
        return
    if name in ("start", "help"):
        groups.help_in_group(unit, chat_id, bot_username=username, message_id=incoming.message_id)
        return
    work = private_work(name, args)
    if work is None:
        log.info("a command the bot does not have, in a group; not answered there")
        return
    who = who_is(session=unit.session, telegram_user_id=person.telegram_user_id)
    can_write = (
        isinstance(who, Client) and who.chat_id is not None and who.status == ClientStatus.ACTIVE
    ) or (isinstance(who, Professional) and who.chat_id is not None and who.revoked_at is None)
    groups.private_only(unit, chat_id, bot_username=username, message_id=incoming.message_id)
    if can_write:
        private = Person(
            telegram_user_id=person.telegram_user_id,
            chat_id=person.telegram_user_id,  # a person's private chat id is their user id
            first_name=person.first_name,
            language=person.language,
        )
        work(rt, unit, private, who)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`my_chat_member`: in a private chat blocked or unblocked, in a group the below."""
    if in_private_chat(update):
        await basics.chat_member(update, context)
    else:
        await bot_membership(update, context)


async def any_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if in_private_chat(update):
        await buttons.button(update, context)
    else:
        await press(update, context)


async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot added to a group, removed, or its rights changed (`my_chat_member`)."""
    rt = runtime(context)
    change = update.my_chat_member
    if change is None:
        return
    new = change.new_chat_member
    status = new.status
    can_send = getattr(new, "can_send_messages", True)
    # "restricted" is also said of someone no longer in the group (is_member false).
    in_it = getattr(new, "is_member", True)
    async with update_unit(rt, update) as unit:
        if unit is None:
            return
        chat = change.chat
        if status in ("kicked", "left") or (status == "restricted" and not in_it):
            groups.bot_gone(unit, chat.id, reason="removed")
        elif status == "restricted" and not can_send:
            groups.bot_gone(unit, chat.id, reason="rights")
        elif status in ("member", "administrator", "restricted"):
            groups.bot_added(unit, chat.id, chat.title, person_of(update, rt))


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button pressed in a group: only a meeting's "wie komt er?" buttons live there."""
    rt = runtime(context)
    query = update.callback_query
    callback = unpack(query.data if query else None)
    person = person_of(update, rt)
    async with update_unit(rt, update) as unit:
        if unit is None:
            return
        if person is None:  # no chat to speak of (a forged press): still answered, as stale
            unit.answer_callback(unit.label("answer.stale_button", rt.settings.defaults.language))
            return
        if callback is not None and callback.action == "gm":
            group_meetings.answer(unit, person, callback)
        else:
            unit.answer_callback(unit.label("answer.stale_button", person.language))


async def poll_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group poll's new totals (anonymous: who voted what is never known)."""
    rt = runtime(context)
    poll = update.poll
    if poll is None:
        return
    async with update_unit(rt, update) as unit:
        if unit is None:
            return
        if not polls.record(
            unit.session,
            poll_id=poll.id,
            counts=[option.voter_count for option in poll.options],
            voters=poll.total_voter_count,
            closed=poll.is_closed,
            now=unit.now,
        ):
            log.info("totals of a poll that is not (or no longer) ours; ignored")
