"""Updates are stored before they are handled, so a crash between receiving and handling loses
nothing: the webhook stores before answering 200; the poller stores before confirming the offset.
`bot/unit.py` deletes the stored copy in the same transaction that marks the update handled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from telegram import Update
from telegram.ext import Application

from bot.runtime import Runtime
from storage.db import session_scope
from storage.models import InboundUpdate, ProcessedUpdate

log = logging.getLogger(__name__)

_inbound = InboundUpdate.__table__  # type: ignore[attr-defined]
_processed = ProcessedUpdate.__table__  # type: ignore[attr-defined]


def store_updates(rt: Runtime, updates: Sequence[Mapping[str, Any]]) -> None:
    """Keep these raw updates (encrypted: they hold what people wrote) until handled."""
    if not updates:
        return
    now = rt.clock.now()
    rows = [
        {
            "update_id": int(update["update_id"]),
            "payload_enc": rt.cipher.encrypt(json.dumps(update, ensure_ascii=False)),
            "received_at": now,
        }
        for update in updates
    ]
    with session_scope(rt.engine) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(_inbound).on_conflict_do_nothing(index_elements=["update_id"]), rows)


async def requeue_stored(rt: Runtime, application: Application) -> int:  # type: ignore[type-arg]
    """At start: hand the updates stored but never handled (a crash) to the application."""
    with session_scope(rt.engine) as session:
        rows = session.execute(
            select(_inbound.c.update_id, _inbound.c.payload_enc)
            .where(~_inbound.c.update_id.in_(select(_processed.c.update_id)))
            .order_by(_inbound.c.update_id)
        ).all()
    for row in rows:
        try:
            update = Update.de_json(json.loads(rt.cipher.decrypt(row.payload_enc)), application.bot)
        except Exception:  # unreadable: keeping it would block every start
            log.exception("a stored update cannot be read; it is dropped")
            with session_scope(rt.engine) as session:
                session.execute(delete(_inbound).where(_inbound.c.update_id == row.update_id))
            continue
        await application.update_queue.put(update)
    if rows:
        log.warning("requeued %d stored updates that were never handled", len(rows))
    return len(rows)
