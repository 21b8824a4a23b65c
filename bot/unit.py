"""Opening and closing one unit of work for an update: dedup, commit, direct answers, wake-up.

The update id is written to `processed_update` in the same transaction as every effect, so a
redelivered update (polling after a crash, a webhook retry) finds it there and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot.runtime import Runtime
from bot.send_errors import Kind, classify
from bot.telegram_markup import NO_PREVIEW, reply_markup
from services.group_guard import GROUP_KINDS
from services.unit import AnswerCallback, EditPressed, RemovePressedButtons, Unit
from storage.db import DriverSQL, UnitSession, compact, stored_moment

log = logging.getLogger(__name__)


@asynccontextmanager
async def update_unit(rt: Runtime, update: Update) -> AsyncIterator[Unit | None]:
    """Yield a Unit for a new update, or None for one that was already handled."""
    now = rt.clock.now()
    session = UnitSession(rt.engine, expire_on_commit=False)
    try:
        if not _claim_update(session, update.update_id, now):
            session.commit()  # keeps the removal of a stored copy that came in again
            log.info("update %s was already handled; skipped", update.update_id)
            yield None
            return
        unit = Unit(
            session=session,
            now=now,
            content=rt.content,
            cipher=rt.cipher,
            update_id=update.update_id,
            policy=rt.policy,
            bridge=rt.bridge,
            groups=rt.groups,
        )
        yield unit
        unit.flush()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    if unit.queued:
        rt.wake_sender.set()
    if unit.compact:
        await _compact(rt)
    await _apply_direct(rt, unit, update)


async def _compact(rt: Runtime) -> None:
    """After an erasure, off the event loop; a reader in the way only delays it (the erased
    rows are overwritten already, `secure_delete`), so a failure is a warning."""
    try:
        await asyncio.to_thread(compact, rt.engine)
    except SQLAlchemyError as exc:
        log.warning(
            "compacting after an erasure failed (will happen at the next checkpoint): %s", exc
        )
    except Exception as exc:  # sqlite3.OperationalError from the raw connection
        log.warning(
            "compacting after an erasure failed (will happen at the next checkpoint): %s", exc
        )


# RETURNING, not rowcount: drivers disagree on rowcount for INSERT ... ON CONFLICT.
_CLAIM = DriverSQL(
    "INSERT INTO processed_update (update_id, processed_at) VALUES (?, ?) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_DROP_STORED = DriverSQL("DELETE FROM inbound_update WHERE update_id = ?")


def _claim_update(session: Session, update_id: int, now: datetime) -> bool:
    claimed = _CLAIM.run(session, update_id, stored_moment(session, now)).first()
    # The poller and the webhook stored the update before it came here; now it is handled.
    _DROP_STORED.run(session, update_id)
    return claimed is not None


async def _apply_direct(rt: Runtime, unit: Unit, update: Update) -> None:
    """Answer the button press and edit the pressed message: the only sends that skip the outbox."""
    query = update.callback_query
    for action in unit.direct:
        if query is None:
            log.warning("a direct answer was asked for an update without a button press")
            continue
        if isinstance(action, AnswerCallback):
            await _quietly(query.answer(text=action.text, show_alert=action.alert))
        elif isinstance(action, RemovePressedButtons) and query.message is not None:
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
        elif (
            isinstance(action, EditPressed)
            and query.message is not None
            and query.message.chat.type != "private"
            and action.kind not in GROUP_KINDS
        ):
            log.error("an edit not made for a group was refused in a group")
        elif isinstance(action, EditPressed) and query.message is not None:
            edit = _editing(query, action)
            chat = query.message.chat
            if chat.type == "private":
                await edit()
            else:  # a group's message: at most one edit per gap, the newest last
                await rt.group_edits.edit(chat.id, query.message.message_id, edit)


def _editing(query: CallbackQuery, action: EditPressed) -> Callable[[], Awaitable[None]]:
    async def edit() -> None:
        await _quietly(
            query.edit_message_text(
                action.message.text,
                parse_mode="HTML",
                reply_markup=reply_markup(action.message.buttons),
                link_preview_options=NO_PREVIEW,
            )
        )

    return edit


async def _quietly(call: object) -> None:
    """A direct answer that fails changes nothing that matters: the update's effects are
    committed already, so it is logged (as loudly as `classify` says), not retried and not
    apologised for."""
    try:
        await call  # type: ignore[misc]
    except TelegramError as exc:
        verdict = classify(exc)
        if verdict.kind == Kind.DONE:
            log.info("direct answer not needed: %s", verdict.reason)
        elif verdict.kind in (Kind.OUR_BUG, Kind.FATAL):
            log.error("direct answer refused by Telegram: %s", verdict.reason)
        else:
            log.warning("direct answer not delivered: %s", verdict.reason)
