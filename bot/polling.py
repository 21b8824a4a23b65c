"""Our own getUpdates loop: store each batch, then confirm it by asking for the next offset.

PTB's Updater confirms an offset as soon as it has fetched the batch; if the process dies before
handling it, Telegram will not send it again. Storing first closes that gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings

from telegram import Update
from telegram.error import (
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.inbound import store_updates
from bot.lease import LeaseKeeper
from bot.runtime import Runtime

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25


async def poll(
    rt: Runtime,
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    lease: LeaseKeeper,
) -> None:
    """Only the lease holder polls: two getUpdates at once make Telegram answer 409."""
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        skipped_to: int | None = None  # the last id of a batch read one by one
        if not lease.held:
            await _sleep_unless_stopped(stop, lease.renew_seconds)
            continue
        try:
            updates = await application.bot.get_updates(
                offset=offset,
                timeout=LONG_POLL_SECONDS,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=LONG_POLL_SECONDS + rt.settings.telegram.read_timeout_seconds,
            )
        except InvalidToken:
            raise
        except (Conflict, NetworkError, TimedOut, RetryAfter) as exc:
            failures += 1
            delay = min(60.0, 2.0 ** min(failures, 6)) * random.uniform(0.5, 1.0)
            log.warning("getUpdates failed (%s); trying again in %.1f s", type(exc).__name__, delay)
            await _sleep_unless_stopped(stop, delay)
            continue
        except (TypeError, KeyError, ValueError, AttributeError):
            # python-telegram-bot could not read one update of the batch, and so none of them:
            # read them one by one, so one odd update does not stop all that come after it.
            updates, skipped_to = await _one_by_one(application, offset)
            if skipped_to is not None and not updates:
                offset = skipped_to + 1  # only unreadable ones: confirmed, never asked again
                continue
        failures = 0
        if not updates:
            continue
        try:
            store_updates(rt, [update.to_dict() for update in updates])
        except Exception:
            # Not stored, so not confirmed either: Telegram gives them again next time.
            log.exception("storing %d updates failed; asking for them again", len(updates))
            await _sleep_unless_stopped(stop, 2.0)
            continue
        for update in updates:
            await application.update_queue.put(update)
        offset = max(updates[-1].update_id, skipped_to or 0) + 1


async def _one_by_one(
    application: Application,  # type: ignore[type-arg]
    offset: int | None,
) -> tuple[list[Update], int | None]:
    """The batch once more, raw, each update read on its own; one that cannot be read is
    logged (its id only) and left out. Returns the readable ones and the last update id."""
    arguments: dict[str, object] = {"timeout": 0, "allowed_updates": list(Update.ALL_TYPES)}
    if offset is not None:
        arguments["offset"] = offset
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB would point at get_updates: what just failed
            raw = await application.bot.do_api_request("getUpdates", api_kwargs=arguments)
    except TelegramError as exc:  # asked again in the next round, as after any failure
        log.warning("getUpdates failed (%s) while reading a batch one by one", type(exc).__name__)
        return [], None
    readable: list[Update] = []
    last: int | None = None
    for data in raw if isinstance(raw, list) else []:
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if isinstance(update_id, int):
            last = update_id
        try:
            readable.append(Update.de_json(data, application.bot))
        except Exception:
            log.error("update %s cannot be read (python-telegram-bot); left out", update_id)
    return readable, last


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
