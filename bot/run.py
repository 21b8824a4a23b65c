"""Running the bot: `duwtje run` (and the demo, the chat and the end-to-end tests).

Start-up order: schema up to date, application initialised (getMe), commands set, updates left
over from a crash requeued, handlers and jobs started, sender started, then updates flow in by
polling or webhook. Shut-down runs the same steps backwards; the sender finishes what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from telegram import BotCommand, BotCommandScopeAllGroupChats, Update
from telegram.ext import Application

from bot.app import build_application, lease_of, runtime_of, sender_of
from bot.clock import Clock
from bot.health import warn_if_away_too_long
from bot.inbound import requeue_stored
from bot.logs import protect_logs
from bot.polling import poll
from bot.settings import Settings
from bot.setup import prepare_database

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "oefening",
    "verder",
    "voortgang",
    "checkindag",
    "pauze",
    "afspraak",
    "privacy",
    "mijngegevens",
    "vergeetmij",
    "stop",
    "nieuw",
    "uitnodigingen",
    "overzicht",
    "samenvatting",
    "voorbereiding",
    "afwezig",
    "terug",
    "spreekuur",
    "pin",
    "groepen",
    "nieuwegroep",
    "maand",
)
# The menu in group chats: what the bot does there.
GROUP_COMMANDS = ("help", "koppel", "ontkoppel")

OnReady = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]


async def run_bot(
    settings: Settings,
    clock: Clock,
    stop: asyncio.Event,
    *,
    on_ready: OnReady | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Run until `stop` is set. `transport`: see `build_application`."""
    secrets = [settings.require_token()]
    if settings.secrets.webhook_secret is not None:
        secrets.append(settings.secrets.webhook_secret.get_secret_value())
    protect_logs(secrets)
    prepare_database(settings)
    application = build_application(settings, clock, transport=transport)
    rt = runtime_of(application)
    sender = sender_of(application)
    async with application:  # initialize() calls getMe; shutdown() on the way out
        warn_if_away_too_long(rt)
        await _set_commands(application)
        await requeue_stored(rt, application)
        await application.start()
        keeper = lease_of(application)
        keeper.renew()  # take the lease at once if it is free, before anything is sent
        keeper_task = asyncio.create_task(keeper.run(stop), name="lease")
        sender_task = asyncio.create_task(sender.run(stop), name="sender")
        stop_updates, poller = await _start_updates(settings, application)
        log.info("Duwtje runs as @%s (%s mode)", application.bot.username, settings.telegram.mode)
        try:
            if on_ready is not None:
                await on_ready(application)
            await _until_stopped(stop, [sender_task, keeper_task, *([poller] if poller else [])])
        finally:
            await stop_updates()
            await rt.group_edits.settle()  # a folded "wie komt er?" count still goes
            stop.set()
            await sender_task
            await keeper_task  # gives the lease up, so another process takes over at once

            await application.stop()
            rt.engine.dispose()


def freeze_long_lived() -> None:
    """Everything loaded at start-up (libraries, content, templates: some 150,000 objects)
    lives as long as the process. Moved out of the garbage collector's sight, a full collection
    no longer walks them all, which took 50-100 ms at a time here: a pause that would fall
    on an update or a sweep of ten thousand nudges. For a process that runs one bot (`duwtje
    run`); a process that starts many (the test suite) would keep their garbage."""
    gc.collect()
    gc.freeze()


async def _until_stopped(stop: asyncio.Event, workers: list[asyncio.Task[None]]) -> None:
    """Wait for `stop`; if the sender or the poller ends by itself, that is a bug: stop the
    whole bot loudly (a supervisor restarts it) rather than run on deaf or mute."""
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait([stopped, *workers], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    for task in workers:
        if task in done and not stop.is_set():
            stop.set()
            error = task.exception()
            raise RuntimeError(f"the {task.get_name()} stopped unexpectedly") from error


async def _start_updates(
    settings: Settings,
    application: Application,  # type: ignore[type-arg]
) -> tuple[Callable[[], Awaitable[None]], asyncio.Task[None] | None]:
    rt = runtime_of(application)
    if settings.telegram.mode == "polling":
        await application.bot.delete_webhook(drop_pending_updates=False)
        polling_stop = asyncio.Event()
        task = asyncio.create_task(
            poll(rt, application, polling_stop, lease_of(application)), name="poller"
        )

        async def stop_polling() -> None:
            polling_stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop_polling, task

    # Only webhook mode serves HTTP: aiohttp (9 MB) is imported for it alone.
    from aiohttp import web

    from bot.health import add_healthz
    from bot.webhook import build_webhook_app

    secret = settings.require_webhook_secret()
    app = build_webhook_app(rt, application, secret=secret)
    add_healthz(app, rt, lease_of(application))
    runner = web.AppRunner(app, access_log=None)

    await runner.setup()
    site = web.TCPSite(runner, settings.telegram.webhook_listen, settings.telegram.webhook_port)
    await site.start()
    await application.bot.set_webhook(
        url=settings.telegram.webhook_url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )

    async def stop_webhook() -> None:
        # The webhook stays set at Telegram: updates wait there until we are back.
        await runner.cleanup()

    return stop_webhook, None


async def _set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu in Telegram, in each language we speak."""
    rt = runtime_of(application)
    for language in ("nl", "en"):
        commands = [
            BotCommand(name, rt.content.renderer.label(f"commands.{name}", language))
            for name in COMMANDS
        ]
        code = None if language == rt.settings.defaults.language else language
        await application.bot.set_my_commands(commands, language_code=code)
        in_groups = [
            BotCommand(name, rt.content.renderer.label(f"group_commands.{name}", language))
            for name in GROUP_COMMANDS
        ]
        await application.bot.set_my_commands(
            in_groups, scope=BotCommandScopeAllGroupChats(), language_code=code
        )


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    clock: Clock,
    *,
    start_timeout: float = 15.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """`run_bot` as a context manager: yields the started application, stops it in order.
    For the demo, `duwtje chat` and the end-to-end tests."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[Application] = loop.create_future()  # type: ignore[type-arg]

    async def on_ready(application: Application) -> None:  # type: ignore[type-arg]
        ready.set_result(application)

    task = asyncio.create_task(
        run_bot(settings, clock, stop, on_ready=on_ready, transport=transport), name="bot"
    )
    waiting: set[asyncio.Future[object]] = {task, ready}  # type: ignore[arg-type]
    done, _ = await asyncio.wait(
        waiting, timeout=start_timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        task.result()  # raises what went wrong at start-up
    if ready not in done:
        stop.set()
        raise TimeoutError("the bot did not start in time")
    try:
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=start_timeout)
