"""The one wiring place: `build_application(settings, clock)`.

Read top to bottom: the runtime every handler shares, the handlers in the order an update meets
them, the error handler, and the few repeating jobs (they only tick; the database knows what is
due).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock
from bot.handlers import basics, groups
from bot.handlers.errors import on_error
from bot.health import log_minute
from bot.lease import LeaseKeeper
from bot.runtime import Runtime, runtime
from bot.sender import Sender
from bot.settings import Settings
from content import load_content
from services.sweep import sweep
from services.unit import Unit
from storage.crypto import FieldCipher
from storage.db import checkpoint, make_engine, session_scope
from storage.housekeeping import prune

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    clock: Clock,
    *,
    request: BaseRequest | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Application:  # type: ignore[type-arg]
    """Everything the bot is, wired. `request` replaces HTTP (offline handler tests);
    `transport` carries the bot's calls other than getUpdates (the chaos scenarios put network
    faults there: a connect error never reaches any server, so no server can simulate it)."""
    rt = Runtime(
        settings=settings,
        clock=clock,
        engine=make_engine(settings.database.url),
        content=load_content(settings.content.extra_dirs, settings.content.video_links),
        cipher=FieldCipher(settings.require_encryption_keys()),
        organisation_name=settings.organisation.name,
    )
    base = settings.telegram.base_url
    builder = (
        Application.builder()
        .token(settings.require_token())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)  # we poll ourselves (bot/polling.py) or take webhooks (bot/webhook.py)
        .concurrent_updates(False)  # one update at a time keeps each person's order
    )
    connect = settings.telegram.connect_timeout_seconds
    read = settings.telegram.read_timeout_seconds
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif transport is not None:
        builder = builder.request(
            HTTPXRequest(
                connect_timeout=connect, read_timeout=read, httpx_kwargs={"transport": transport}
            )
        )
    else:
        builder = builder.connect_timeout(connect).read_timeout(read)
    application = builder.build()
    application.bot_data["runtime"] = rt
    # Taking the lease means sorting out what an earlier holder left in flight.
    keeper = LeaseKeeper(
        rt,
        ttl=timedelta(seconds=settings.jobs.lease_seconds),
        on_acquired=lambda: sender.request_recovery(),
    )
    sender = Sender(rt, application.bot, keeper)

    application.bot_data["lease"] = keeper
    application.bot_data["sender"] = sender

    # Updates, most specific first; the last handler takes whatever is left. Only new messages
    # count: an edit of an old message must not answer a step, raise an alert or ask again.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    # Groups first: everything new from a group goes to its own handler (bot/handlers/groups.py).
    application.add_handler(TypeHandler(Update, basics.malformed), group=-1)
    application.add_handler(MessageHandler(new & filters.ChatType.GROUPS, groups.message))
    for command, handler in (
        ("start", basics.start),
        ("help", basics.help_command),
        ("verder", basics.carry_on),
        ("oefening", basics.exercise_now),
        ("voortgang", basics.progress),
        ("checkindag", basics.checkin_day),
        ("pauze", basics.pause),
        ("stop", basics.stop),
        ("privacy", basics.privacy),
        ("nieuw", basics.new_invite),
        ("uitnodigingen", basics.open_invites),
        ("overzicht", basics.overview),
        ("samenvatting", basics.digest_settings),
        ("voorbereiding", basics.prepare_meeting),
        ("afwezig", basics.leave),
        ("terug", basics.back_from_leave),
        ("afspraak", basics.appointment),
        ("mijngegevens", basics.my_data),
        ("vergeetmij", basics.forget_me),
        ("spreekuur", basics.consult_hours),
        ("pin", basics.set_pin),
        ("groepen", basics.group_list),
        ("nieuwegroep", basics.new_group),
        ("maand", basics.month_figures),
    ):
        application.add_handler(CommandHandler(command, handler, filters=new & private))
    application.add_handler(MessageHandler(new & filters.COMMAND, basics.unknown_command))
    application.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, basics.text))
    application.add_handler(MessageHandler(new & (filters.VOICE | filters.PHOTO), basics.media))
    # Anything else a person sends in private (not a service message such as a pin).
    application.add_handler(
        MessageHandler(new & private & ~filters.StatusUpdate.ALL, basics.other_content)
    )
    application.add_handler(CallbackQueryHandler(groups.any_press))
    application.add_handler(ChatMemberHandler(groups.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(PollHandler(groups.poll_update))
    application.add_handler(TypeHandler(Update, basics.everything_else))
    application.add_error_handler(on_error)

    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"
    jobs.run_repeating(sweep_tick, interval=settings.jobs.sweep_seconds, first=1, name="sweep")
    jobs.run_repeating(
        housekeeping, interval=settings.jobs.housekeeping_seconds, first=10, name="housekeeping"
    )
    jobs.run_repeating(minute_log, interval=60, first=60, name="minute-log")
    jobs.run_repeating(
        wal_checkpoint, interval=settings.jobs.checkpoint_seconds, first=5, name="checkpoint"
    )
    return application


def sender_of(application: Application) -> Sender:  # type: ignore[type-arg]
    sender = application.bot_data["sender"]
    assert isinstance(sender, Sender)
    return sender


def lease_of(application: Application) -> LeaseKeeper:  # type: ignore[type-arg]
    keeper = application.bot_data["lease"]
    assert isinstance(keeper, LeaseKeeper)
    return keeper


def runtime_of(application: Application) -> Runtime:  # type: ignore[type-arg]

    value = application.bot_data["runtime"]
    assert isinstance(value, Runtime)
    return value


async def sweep_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue what time made due (nudges, digests) in one transaction, then wake the sender.
    Only the lease holder sweeps: idempotency keys would stop doubles, but not double work."""
    rt = runtime(context)
    if not lease_of(context.application).held:
        return
    with session_scope(rt.engine) as session:
        unit = Unit(
            session=session,
            now=rt.clock.now(),
            content=rt.content,
            cipher=rt.cipher,
            policy=rt.policy,
            bridge=rt.bridge,
            groups=rt.groups,
        )
        counts = sweep(unit)
        unit.flush()
    if unit.queued:
        log.info("sweep queued %s", counts)
        rt.wake_sender.set()


async def minute_log(context: ContextTypes.DEFAULT_TYPE) -> None:
    log_minute(runtime(context), lease_of(context.application))


async def wal_checkpoint(context: ContextTypes.DEFAULT_TYPE) -> None:
    """SQLite's write-ahead log into the database file, from a thread: the event loop (and
    whoever is waiting for an answer) never waits for the disk here."""
    await asyncio.to_thread(checkpoint, runtime(context).engine)


async def housekeeping(context: ContextTypes.DEFAULT_TYPE) -> None:

    rt = runtime(context)
    with session_scope(rt.engine) as session:
        counts = prune(session=session, now=rt.clock.now())
    log.info("housekeeping: %s", counts)
