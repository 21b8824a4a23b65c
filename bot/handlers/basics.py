"""Commands and messages in a private chat, routed by who is writing.

Each handler is a verb: it reads the update, asks `in_unit` for the person and their role,
and calls one service. No SQL and no rules here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import PhotoSize, Update, Voice
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.common import Who, Work, in_unit
from bot.runtime import Runtime, runtime
from bot.unit import update_unit
from services import (
    appointments,
    caseload,
    checkins,
    clients,
    colleagues,
    consult,
    data_rights,
    greeting,
    group_admin,
    groups,
    invites,
    journey,
    onboarding,
    pin,
    preparation,
    professionals,
    reachability,
)
from services import digest_settings as digest_settings_service
from services import month_figures as month_figures_service
from services.people import Person
from services.unit import Unit
from storage.models import Client, Professional

log = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = context.args[0] if context.args else None

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if payload:
            onboarding.open_link(unit, person, payload, organisation=rt.organisation_name)
        elif isinstance(who, Professional):
            professionals.help_professional(unit, who)
        elif isinstance(who, Client):
            clients.welcome_back(unit, who)
        else:
            greeting.welcome_stranger(unit, person, organisation=rt.organisation_name)

    await in_unit(update, context, work)


def help_work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
    if isinstance(who, Professional):
        professionals.help_professional(unit, who)
    elif isinstance(who, Client):
        clients.show_help(unit, who)
    else:
        greeting.welcome_stranger(unit, person, organisation=rt.organisation_name)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await in_unit(update, context, help_work)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


CLIENT_COMMANDS: dict[str, Callable[[Unit, Client], None]] = {
    "verder": clients.carry_on,
    "oefening": clients.carry_on,
    "voortgang": journey.show_progress,
    "checkindag": checkins.ask_day,
    "stop": clients.stop,
    "privacy": clients.show_privacy,
    "afspraak": appointments.command,
    "mijngegevens": data_rights.send_my_data,
    "vergeetmij": data_rights.ask_forget,
}


def client_work(action: str) -> Work:
    """A command only a client has (/verder, /pauze, /stop, /privacy); others get a pointer."""
    service = CLIENT_COMMANDS[action]

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Client):
            service(unit, who)
        elif action == "privacy" and who is None:
            greeting.show_privacy(unit, person, organisation=rt.organisation_name)
        else:
            greeting.unknown_command(unit, person)

    return work


def _client_command(action: str) -> Handler:
    work = client_work(action)

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await in_unit(update, context, work)

    handler.__name__ = f"client_{action}"
    return handler


carry_on = _client_command("verder")
exercise_now = _client_command("oefening")
progress = _client_command("voortgang")
checkin_day = _client_command("checkindag")
stop = _client_command("stop")
privacy = _client_command("privacy")
appointment = _client_command("afspraak")
my_data = _client_command("mijngegevens")
forget_me = _client_command("vergeetmij")


def pause_work(when: str) -> Work:
    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Client):
            clients.pause(unit, who, when)
        else:
            greeting.unknown_command(unit, person)

    return work


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pauze, or /pauze 12-04, or /pauze vakantie."""
    await in_unit(update, context, pause_work(" ".join(context.args or [])))


def professional_work(
    action: Callable[[Unit, Professional], None], *, pin_first: bool = False
) -> Work:
    """A command only professionals have: to anyone else it is an unknown command. With
    `pin_first` it shows client data, so it waits for the PIN where one is required."""

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Professional) and pin_first and pin.needed(unit, who):
            pin.ask(unit, who)
        elif isinstance(who, Professional):
            action(unit, who)
        else:
            greeting.unknown_command(unit, person)

    return work


def _professionals_only(
    action: Callable[[Unit, Professional], None], *, pin_first: bool = False
) -> Handler:
    work = professional_work(action, pin_first=pin_first)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await in_unit(update, context, work)

    return handle


PROFESSIONAL_COMMANDS: dict[str, tuple[Callable[[Unit, Professional], None], bool]] = {
    "nieuw": (invites.new_invite, False),
    "uitnodigingen": (invites.list_invites, False),
    "overzicht": (caseload.show, True),
    "samenvatting": (digest_settings_service.show, False),
    "afwezig": (colleagues.leave_menu, False),
    "terug": (colleagues.back, False),
    "spreekuur": (consult.command, False),
    "pin": (pin.command, False),
    "groepen": (group_admin.list_groups, False),
    "nieuwegroep": (groups.new_code, False),
    "maand": (month_figures_service.command, False),
}


def _pro(command: str) -> Handler:
    action, pin_first = PROFESSIONAL_COMMANDS[command]
    return _professionals_only(action, pin_first=pin_first)


new_invite = _pro("nieuw")  # /nieuw
open_invites = _pro("uitnodigingen")  # /uitnodigingen
overview = _pro("overzicht")  # /overzicht
digest_settings = _pro("samenvatting")  # /samenvatting
leave = _pro("afwezig")  # /afwezig
back_from_leave = _pro("terug")  # /terug
consult_hours = _pro("spreekuur")  # /spreekuur
set_pin = _pro("pin")  # /pin
group_list = _pro("groepen")  # /groepen
new_group = _pro("nieuwegroep")  # /nieuwegroep
month_figures = _pro("maand")  # /maand


def prepare_work(wanted: str) -> Work:
    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Professional) and pin.needed(unit, who):
            pin.ask(unit, who)
        elif isinstance(who, Professional):
            preparation.command(unit, who, wanted)
        else:
            greeting.unknown_command(unit, person)

    return work


async def prepare_meeting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/voorbereiding, or /voorbereiding Sanne."""
    await in_unit(update, context, prepare_work(" ".join(context.args or [])))


# Commands that act at once, without a question: typed in a group they may be meant for
# another bot there, so they do not act; the help in the private chat says how to do it.
NOT_FROM_A_GROUP = frozenset({"stop", "terug"})


def private_work(command: str, args: list[str]) -> Work | None:
    """What a command does in the private chat, for the same command typed in a group (the
    group hears only that a private message comes: bot/handlers/groups.py). None: a command
    with nothing personal, or one we do not have."""
    if command in NOT_FROM_A_GROUP:
        return help_work
    if command in CLIENT_COMMANDS:
        return client_work(command)
    if command in PROFESSIONAL_COMMANDS:
        action, pin_first = PROFESSIONAL_COMMANDS[command]
        return professional_work(action, pin_first=pin_first)
    if command == "pauze":
        return pause_work(" ".join(args))
    if command == "voorbereiding":
        return prepare_work(" ".join(args))
    return None


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await in_unit(
        update, context, lambda rt, unit, person, who: greeting.unknown_command(unit, person)
    )


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    written = message.text if message is not None and message.text else ""

    replied = message.reply_to_message if message is not None else None

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Client) and rt.flood.over(person.telegram_user_id, unit.now):
            clients.flooded(unit, who, written)
        elif isinstance(who, Client):
            clients.free_text(unit, who, written)
        elif isinstance(who, Professional):
            professionals.professional_text(
                unit,
                who,
                written,
                replied_to=replied.message_id if replied else None,
                message_id=message.message_id if message is not None else None,
            )
        else:
            log.info("a person we do not know wrote %d characters; not stored", len(written))
            greeting.answer_stranger_text(unit, person, written, organisation=rt.organisation_name)

    await in_unit(update, context, work)


async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice note or a photo."""
    message = update.effective_message
    if message is None:
        return
    kind, file = (
        ("voice", message.voice)
        if message.voice
        else ("photo", message.photo[-1])
        if message.photo
        else ("media", None)
    )
    caption = message.caption
    content = await _download(runtime(context), file) if file is not None else None

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        if isinstance(who, Client):
            clients.media(
                unit,
                who,
                kind=kind,
                caption=caption,
                content=content,
                file_id=file.file_id if file is not None else None,
            )
        elif isinstance(who, Professional):
            professionals.professional_text(unit, who, "")
        else:
            greeting.answer_stranger_text(
                unit, person, caption or "", organisation=rt.organisation_name
            )

    await in_unit(update, context, work)


async def _download(rt: Runtime, file: Voice | PhotoSize) -> bytes | None:
    """The file itself, only when the organisation keeps media (and it is not too big)."""
    privacy = rt.settings.privacy
    if not privacy.keep_media or (file.file_size or 0) > privacy.media_max_bytes:
        return None
    try:
        remote = await file.get_file()
        return bytes(await remote.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not fetch a %s a client sent: %s", type(file).__name__, exc)
        return None


async def other_content(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot cannot read, in a private chat (a sticker, a file, a location, a contact):
    nothing of it is kept, and the person hears what does work. A caption is read for a crisis
    phrase first, as everywhere; a question that was waiting still waits."""
    message = update.effective_message
    caption = (message.caption or "") if message is not None else ""

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        # As with text: a client's crisis alerts their professional, a stranger gets the help
        # numbers; a professional's words are their work, not an alert.
        if caption and isinstance(who, Client) and unit.content.safety.matches(caption):
            clients.crisis_message(unit, who, caption)
            return
        if caption and who is None and unit.content.safety.matches(caption):
            greeting.answer_stranger_text(unit, person, caption, organisation=rt.organisation_name)
            return
        # Counted apart from text (the negative id), so stickers never use up a person's
        # budget for answers: a burst of them gets no burst of replies.
        if rt.flood.over(-person.telegram_user_id, unit.now):
            return
        greeting.cannot_read(unit, person)

    await in_unit(update, context, work, interrupts=False)


async def malformed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """First of all: an update Telegram would never send (a message without a chat) would trip
    python-telegram-bot's own filters, so it is marked handled, logged and goes no further."""
    message = (
        update.message or update.edited_message or update.channel_post or update.edited_channel_post
    )
    if message is None or message.chat is not None:
        return  # (a press on a message without a chat is answered as stale: groups.press)
    log.warning("update %s has a message without a chat; dropped", update.update_id)
    async with update_unit(runtime(context), update):
        pass
    raise ApplicationHandlerStop


async def everything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Updates no handler wants (edits, reactions, unknown types): handled, without effect."""
    async with update_unit(runtime(context), update):
        pass


async def chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked or unblocked in a private chat (`my_chat_member`)."""
    change = update.my_chat_member
    blocked = change is not None and change.new_chat_member.status in ("kicked", "left")

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        reachability.chat_member_changed(unit, person, who, blocked=blocked)

    await in_unit(update, context, work)
