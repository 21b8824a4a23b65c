"""The one send path: drain due outbox rows through python-telegram-bot, paced.

A pipeline, not batches: the drain loop keeps up to `max_in_flight` claimed rows; each chat has
one worker that sends that chat's rows in order, waiting for its turn with the pacer. Rows are
claimed most urgent first, so a reply to someone who just wrote is claimed within about a second
even behind ten thousand nudges. Each result is written back at once (message id, or what went
wrong and when to try again); `bot/send_errors.py` says what each failure means.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from datetime import timedelta

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.pacing import Pacer
from bot.runtime import Runtime
from bot.send_errors import Kind, Verdict, classify
from bot.telegram_markup import NO_PREVIEW, reply_markup
from services.messages import Outgoing
from services.reachability import recipient_gone
from storage.db import session_scope
from storage.models import OutboxStatus
from storage.outbox import (
    ClaimedMessage,
    claim_due,
    mark_failed,
    mark_sent,
    recover_in_flight,
    retry_later,
)

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 8
# Rows left `sending` longer than this by a process that died are recovered at start.
IN_FLIGHT_GRACE = timedelta(seconds=0)


class Sender:
    def __init__(self, rt: Runtime, bot: Bot, *, max_in_flight: int | None = None) -> None:
        self._rt = rt
        self._bot = bot
        self._pacer = Pacer(rt.settings.pacing)
        self._max_in_flight = max_in_flight or max(
            8, int(rt.settings.pacing.overall_per_second * 2)
        )
        self._queues: dict[int, deque[ClaimedMessage]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._in_flight = 0
        self._slot_freed = asyncio.Event()
        self._stopping = False

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def recover(self) -> None:
        """At start: rows a dead process left `sending` (see storage.outbox.recover_in_flight)."""
        with session_scope(self._rt.engine) as session:
            requeued, unknown = recover_in_flight(
                session=session, now=self._rt.clock.now(), older_than=IN_FLIGHT_GRACE
            )
        if requeued or unknown:
            log.warning(
                "recovered outbox rows in flight: %d requeued, %d marked unknown", requeued, unknown
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until `stop` is set; then let the chat workers finish what they hold."""
        self.recover()
        try:
            while not stop.is_set():
                claimed = self.claim()
                if claimed:
                    continue
                await self._wait_for_work(stop)
        finally:
            self._stopping = True
            await self.finish()

    def claim(self) -> int:
        """Claim what fits and hand it to the chat workers. Returns how many rows were claimed."""
        room = self._max_in_flight - self._in_flight
        if room <= 0:
            return 0
        with session_scope(self._rt.engine) as session:
            rows = claim_due(
                session=session, now=self._rt.clock.now(), limit=room, cipher=self._rt.cipher
            )
        for row in rows:
            self._in_flight += 1
            self._queues.setdefault(row.chat_id, deque()).append(row)
            if row.chat_id not in self._workers:
                self._workers[row.chat_id] = asyncio.create_task(self._chat_worker(row.chat_id))
        return len(rows)

    async def drain(self, limit_seconds: float = 30.0) -> None:
        """Send everything due now and wait until it is done (for tests, demos and jobs)."""
        async with asyncio.timeout(limit_seconds):
            while self.claim() or self._in_flight:
                await self._wait_slot(0.05)

    async def finish(self) -> None:
        workers = list(self._workers.values())
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        wake = self._rt.wake_sender
        waiters = [
            asyncio.ensure_future(wake.wait()),
            asyncio.ensure_future(stop.wait()),
            asyncio.ensure_future(self._slot_freed.wait()),
        ]
        try:
            await asyncio.wait(
                waiters,
                timeout=self._rt.settings.jobs.drain_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            wake.clear()
            self._slot_freed.clear()

    async def _wait_slot(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._slot_freed.wait(), seconds)
        self._slot_freed.clear()

    async def _chat_worker(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                row = queue.popleft()
                try:
                    await self._send_one(row)
                except Exception:  # a bug here must not kill the other chats' sends
                    log.exception("unexpected error sending outbox row %s", row.id)
                    self._record(row, Verdict(Kind.OUR_BUG, "unexpected error in the sender"))
                finally:
                    self._in_flight -= 1
                    self._slot_freed.set()
        finally:
            del self._workers[chat_id]
            del self._queues[chat_id]

    async def _send_one(self, row: ClaimedMessage) -> None:
        paused = self._pacer.seconds_paused(row.chat_id)
        if paused > 0:
            self._record(
                row, Verdict(Kind.RATE_LIMITED, "chat paused after a 429", retry_after=paused)
            )
            return
        await self._pacer.wait_turn(row.chat_id)
        message = Outgoing.from_payload(row.payload)
        try:
            sent = await self._bot.send_message(
                chat_id=row.chat_id,
                text=message.text,
                parse_mode="HTML",
                reply_markup=reply_markup(message.buttons),
                link_preview_options=NO_PREVIEW,
                read_timeout=self._rt.settings.telegram.read_timeout_seconds,
                connect_timeout=self._rt.settings.telegram.connect_timeout_seconds,
            )
        except TelegramError as exc:
            self._record(row, classify(exc))
            return
        self._record_sent(row, sent)

    def _record_sent(self, row: ClaimedMessage, sent: Message) -> None:
        with session_scope(self._rt.engine) as session:
            mark_sent(
                session=session,
                message_id=row.id,
                telegram_message_id=sent.message_id,
                now=self._rt.clock.now(),
            )

    def _record(self, row: ClaimedMessage, verdict: Verdict) -> None:
        """Write back what a failed send means for the row (and for its recipient)."""
        now = self._rt.clock.now()
        with session_scope(self._rt.engine) as session:
            if verdict.kind == Kind.DONE:
                mark_sent(session=session, message_id=row.id, telegram_message_id=None, now=now)
            elif verdict.kind == Kind.RATE_LIMITED:
                wait = max(verdict.retry_after or 1.0, 1.0)
                self._pacer.pause_chat(row.chat_id, wait)
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=now + timedelta(seconds=wait),
                )
            elif verdict.kind == Kind.MIGRATED and row.attempts <= 1:
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=now,
                    chat_id=verdict.new_chat_id,
                )
            elif verdict.kind == Kind.TRANSIENT and row.attempts < MAX_TRANSIENT_ATTEMPTS:
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=now + _backoff(row.attempts),
                )
            elif verdict.kind == Kind.AMBIGUOUS and not row.personal and row.attempts <= 1:
                # Not personal (a nudge, a reminder): one more copy is better than none.
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=now + _backoff(row.attempts),
                )
            elif verdict.kind == Kind.AMBIGUOUS:
                mark_failed(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    status=OutboxStatus.UNKNOWN,
                )
            else:
                mark_failed(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    status=OutboxStatus.FAILED,
                )
                if verdict.kind == Kind.RECIPIENT_GONE:
                    recipient_gone(
                        session=session,
                        recipient_kind=row.recipient_kind,
                        recipient_id=row.recipient_id,
                        now=now,
                    )
        _log_verdict(row, verdict)


def _backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: 1, 2, 4, ... up to 5 minutes."""
    ceiling = min(300.0, 2.0 ** max(attempts - 1, 0))
    return timedelta(seconds=max(0.5, random.uniform(0, ceiling)))


def _log_verdict(row: ClaimedMessage, verdict: Verdict) -> None:
    level = logging.ERROR if verdict.kind in (Kind.OUR_BUG, Kind.FATAL) else logging.WARNING
    if verdict.kind == Kind.DONE:
        level = logging.INFO
    log.log(
        level,
        "outbox row %s (%s, attempt %d): %s: %s",
        row.id,
        row.kind,
        row.attempts,
        verdict.kind,
        verdict.reason,
    )
