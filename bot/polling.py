"""Our own getUpdates loop: store each batch, then confirm it by asking for the next offset.

PTB's Updater confirms an offset as soon as it has fetched the batch; if the process dies before
handling it, Telegram will not send it again. Storing first closes that gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
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
        offset = updates[-1].update_id + 1


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
