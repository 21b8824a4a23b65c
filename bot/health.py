"""How the bot is doing: /healthz (webhook mode), one log line a minute, start-up warnings."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.lease import NAME, LeaseKeeper
from bot.runtime import Runtime
from storage import health, lease, outbox_admin

if TYPE_CHECKING:
    from aiohttp import web
from storage.db import session_scope

log = logging.getLogger(__name__)

# Telegram keeps an update it could not deliver for 24 hours.
TELEGRAM_KEEPS = timedelta(hours=24)
# A due message waiting longer than this means the sender is stuck or far behind.
HEALTHY_WAIT = timedelta(minutes=5)


def report(rt: Runtime, keeper: LeaseKeeper) -> tuple[bool, dict[str, Any]]:
    """(healthy, details): the database answers, someone holds the lease, nothing waits long."""
    now = rt.clock.now()
    try:
        with session_scope(rt.engine) as session:
            health.database_answers(session=session)
            holder = lease.current(session=session, name=NAME)
            oldest = outbox_admin.oldest_due(session=session, now=now)
            counts = outbox_admin.counts(session=session)
    except Exception as exc:  # the database is away: that is the answer
        return False, {"database": f"error: {type(exc).__name__}"}
    lease_ok = holder is not None and holder[1] > now
    waited = (now - oldest).total_seconds() if oldest else 0.0
    details = {
        "database": "ok",
        "lease": {
            "holder": holder[0] if holder else None,
            "expires_at": holder[1].isoformat() if holder else None,
            "held_here": keeper.held,
        },
        "outbox": {"pending": counts.get("pending", 0), "oldest_due_seconds": round(waited, 1)},
    }
    healthy = lease_ok and waited < HEALTHY_WAIT.total_seconds()
    return healthy, details


def add_healthz(app: web.Application, rt: Runtime, keeper: LeaseKeeper) -> None:
    from aiohttp import web  # webhook mode only (bot/run.py)

    async def healthz(_request: web.Request) -> web.Response:
        healthy, details = report(rt, keeper)
        return web.json_response({"healthy": healthy, **details}, status=200 if healthy else 503)

    app.router.add_get("/healthz", healthz)


def log_minute(rt: Runtime, keeper: LeaseKeeper) -> None:
    """One line a minute: queue depth and send rate (only the lease holder sends)."""
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        counts = outbox_admin.counts(session=session)
        sent = outbox_admin.sent_since(session=session, since=now - timedelta(minutes=1))
        oldest = outbox_admin.oldest_due(session=session, now=now)
    waited = (now - oldest).total_seconds() if oldest else 0.0
    log.info(
        "outbox: %d pending, %d sending, %d sent in the last minute, oldest due waits %.0f s%s",
        counts.get("pending", 0),
        counts.get("sending", 0),
        sent,
        waited,
        "" if keeper.held else " (another process holds the sender lease)",
    )


def warn_if_away_too_long(rt: Runtime) -> None:
    """At start: Telegram drops what it could not deliver after 24 hours."""
    with session_scope(rt.engine) as session:
        last = health.last_update_handled_at(session=session)
    if last is not None and rt.clock.now() - last > TELEGRAM_KEEPS:
        log.warning(
            "the last update was handled at %s, more than 24 hours ago: Telegram keeps "
            "undelivered updates only 24 hours, so messages sent to the bot before %s are lost",
            last.isoformat(timespec="minutes"),
            (rt.clock.now() - TELEGRAM_KEEPS).isoformat(timespec="minutes"),
        )
