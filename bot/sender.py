"""The one send path: drain due outbox rows through python-telegram-bot, paced.

A pipeline, not batches: the drain loop keeps up to `max_in_flight` claimed rows; each chat has
one worker that sends that chat's rows in order, waiting for its turn with the pacer. Rows are
claimed most urgent first, so a reply to someone who just wrote is claimed within about a second
even behind ten thousand nudges.

A row's life here: claimed (`sending`, not attempted) -> `mark_attempt` just before the request
-> sent, or what `bot/send_errors.py` says the failure means. A row that was claimed but never
attempted is always safe to put back (on stop, or when an earlier row of its chat must wait);
a row that was attempted follows the ambiguous rule when its outcome is unknown.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session
from telegram import Bot, InputFile, Message, Poll, ReplyParameters
from telegram.error import BadRequest, TelegramError

from bot.lease import LeaseKeeper
from bot.pacing import Pacer
from bot.runtime import Runtime
from bot.send_errors import Kind, Verdict, classify
from bot.telegram_markup import NO_PREVIEW, reply_markup
from services.group_guard import GROUP_KINDS, PERSONAL_TO_GROUP
from services.messages import Outgoing
from services.reachability import recipient_gone
from services.tidy import deletion
from storage import polls
from storage.db import session_scope
from storage.models import OutboxStatus
from storage.outbox import (
    ClaimedMessage,
    claim_due,
    drop_claimed,
    enqueue,
    mark_attempt,
    mark_failed,
    mark_sent,
    recover_in_flight,
    release,
    retry_later,
)

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 8
# After "invalid token" nothing can be sent; wait this long before trying again.
FATAL_PAUSE_SECONDS = 60.0
WRITE_RETRIES = 3
PNG_DATA = "data:image/png;base64,"
TELEGRAM_FILE = "tg:"  # a file Telegram has (a client's photo or voice note), by its id


@dataclass(frozen=True)
class After:
    """What a send means for the rest of its chat's queue."""

    wait_until: datetime | None = None  # they may not go before this (429, retry)
    chat_gone: bool = False  # blocked, kicked, not found: they will never go


GO_ON = After()


class Sender:
    """Sends only while this process holds the lease (bot/lease.py)."""

    def __init__(
        self, rt: Runtime, bot: Bot, lease: LeaseKeeper, *, max_in_flight: int | None = None
    ) -> None:
        self._rt = rt
        self._bot = bot
        self._lease = lease
        self._recovery_due = True
        self._pacer = Pacer(rt.settings.pacing)
        # About two seconds of sends claimed ahead: enough to keep the pacer busy, little enough
        # that an urgent reply is claimed soon.
        per_second = rt.settings.pacing.overall_per_second
        self._max_in_flight = max_in_flight or max(8, int(per_second * 2))
        self._queues: dict[int, deque[ClaimedMessage]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._in_flight = 0
        self._slot_freed = asyncio.Event()
        self._stopping = False
        self._paused_until = 0.0  # monotonic; the whole sender waits (invalid token)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def request_recovery(self) -> None:
        """The lease was just taken: what an earlier holder left `sending` is ours to sort."""
        self._recovery_due = True

    def recover(self) -> None:
        """Rows an earlier holder left `sending` (see storage.outbox.recover_in_flight)."""
        self._recovery_due = False
        with session_scope(self._rt.engine) as session:
            requeued, unknown = recover_in_flight(session=session, holder=self._lease.holder)
        if requeued or unknown:
            log.warning(
                "recovered outbox rows in flight: %d requeued, %d marked unknown", requeued, unknown
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until `stop` is set; then finish the sends under way and put back the rest."""
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if self._lease.held and self._recovery_due:
                        self.recover()
                    claimed = self.claim()
                    failures = 0
                except Exception:  # the database may be away for a moment; never stop sending
                    failures += 1
                    log.exception("claiming outbox rows failed (%d in a row)", failures)
                    await _sleep_unless(stop, min(30.0, 0.5 * 2**failures))
                    continue
                if not claimed:
                    await self._wait_for_work(stop)
        finally:
            self._stopping = True
            await self.finish()

    def claim(self) -> int:
        """Claim what fits and hand it to the chat workers. Returns how many rows were claimed."""
        room = self._max_in_flight - self._in_flight
        if room <= 0 or time.monotonic() < self._paused_until or not self._lease.held:
            return 0
        with session_scope(self._rt.engine) as session:
            rows = claim_due(
                session=session,
                now=self._rt.clock.now(),
                limit=room,
                cipher=self._rt.cipher,
                claimed_by=self._lease.holder,
            )
        for row in rows:
            self._in_flight += 1
            self._queues.setdefault(row.chat_id, deque()).append(row)
            if row.chat_id not in self._workers:
                self._workers[row.chat_id] = asyncio.create_task(self._chat_worker(row.chat_id))
        return len(rows)

    async def drain(self, limit_seconds: float = 30.0) -> None:
        """Send everything due now and wait until it is done (for tests, demos and jobs)."""
        self._lease.renew()
        if self._recovery_due:
            self.recover()
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
        """Send one chat's rows in order. When a row must wait (429, a retry), the rows behind it
        go back to the database not due before it, so they never overtake it."""
        queue = self._queues[chat_id]
        after = GO_ON
        try:
            while queue and not self._stopping:
                row = queue.popleft()
                try:
                    after = await self._send_one(row)
                except Exception:  # a bug here must not stop the other chats
                    log.exception("unexpected error sending outbox row %s", row.id)
                finally:
                    self._in_flight -= 1
                    self._slot_freed.set()
                if after != GO_ON:
                    break
        finally:
            # Rows this worker will not send now go back to the database. The worker stays
            # registered meanwhile, so rows claimed for this chat during the write join the
            # queue here (and go back too) instead of overtaking in a new worker.
            while queue:
                leftovers = [row.id for row in queue]
                queue.clear()
                self._in_flight -= len(leftovers)
                self._slot_freed.set()
                if after.chat_gone:
                    await self._drop(leftovers)
                else:
                    await self._release(leftovers, after.wait_until)
            del self._workers[chat_id]
            del self._queues[chat_id]

    async def _release(self, message_ids: list[int], not_before: datetime | None) -> None:
        def work(session: Session) -> None:
            release(session=session, message_ids=message_ids, not_before=not_before)

        await self._write(work)

    async def _drop(self, message_ids: list[int]) -> None:
        def work(session: Session) -> None:
            drop_claimed(session=session, message_ids=message_ids, reason="recipient unreachable")

        await self._write(work)

    async def _send_one(self, row: ClaimedMessage) -> After:
        """Send one row; say what that means for the rest of its chat."""
        paused = self._pacer.seconds_paused(row.chat_id)
        if paused > 0:
            not_before = self._rt.clock.now() + timedelta(seconds=paused)
            await self._release([row.id], not_before)
            return After(wait_until=not_before)
        await self._pacer.wait_turn(row.chat_id)
        if self._stopping or not self._lease.held:
            await self._release([row.id], None)
            return GO_ON
        if not await self._mark_attempt(row):
            log.warning("outbox row %s was taken back by a new lease holder; not sent", row.id)
            return GO_ON
        message = Outgoing.from_payload(row.payload)
        if row.chat_id < 0 and (row.personal or row.kind not in GROUP_KINDS):
            # services/unit.py refuses these when they are queued; this is the last line.
            log.error("outbox row %s (%s) is not a group message: refused", row.id, row.kind)
            return await self._record(row, Verdict(Kind.OUR_BUG, PERSONAL_TO_GROUP))
        try:
            sent, poll = await self._act(row.chat_id, message)
        except TelegramError as exc:
            return await self._record(row, classify(exc))
        await self._record_sent(row, sent, poll)
        return GO_ON

    async def _act(self, chat_id: int, message: Outgoing) -> tuple[Message | None, Poll | None]:
        """Do what the row says: the message sent (None for a deletion, a poll's end or leaving
        the group), and the poll it carries or ended, whose totals the group keeps."""
        if message.delete is not None:
            await self._bot.delete_message(chat_id=chat_id, message_id=message.delete)
            return None, None
        if message.leave:
            await self._bot.leave_chat(chat_id=chat_id)
            return None, None
        if message.stop_poll is not None:
            return None, await self._bot.stop_poll(chat_id=chat_id, message_id=message.stop_poll)
        sent = await self._deliver(chat_id, message)
        return sent, sent.poll

    async def _mark_attempt(self, row: ClaimedMessage) -> bool:
        now = self._rt.clock.now()
        marked = False

        def work(session: Session) -> None:
            nonlocal marked
            marked = mark_attempt(
                session=session, message_id=row.id, now=now, claimed_by=self._lease.holder
            )

        await self._write(work)
        return marked

    async def _deliver(self, chat_id: int, message: Outgoing) -> Message:
        read = self._rt.settings.telegram.read_timeout_seconds
        connect = self._rt.settings.telegram.connect_timeout_seconds
        if message.poll:
            return await self._bot.send_poll(
                chat_id=chat_id,
                question=message.text,
                options=list(message.poll),
                is_anonymous=True,  # the group sees totals only, and so does the bot
                read_timeout=read,
                connect_timeout=connect,
            )
        if message.document:
            data = message.document.split(";base64,", 1)[1]
            return await self._bot.send_document(
                chat_id=chat_id,
                # The file's type comes from its name (.pdf, .txt).
                document=InputFile(base64.b64decode(data), filename=message.filename or "duwtje"),
                caption=message.text or None,
                parse_mode="HTML" if message.text else None,
                reply_markup=reply_markup(message.buttons),
                read_timeout=read,
                connect_timeout=connect,
            )
        if message.voice:
            return await self._bot.send_voice(
                chat_id=chat_id,
                voice=message.voice.removeprefix(TELEGRAM_FILE),
                caption=message.text or None,
                parse_mode="HTML" if message.text else None,
                reply_markup=reply_markup(message.buttons),
                read_timeout=read,
                connect_timeout=connect,
            )
        if message.photo:
            return await self._bot.send_photo(
                chat_id=chat_id,
                photo=self._picture(message.photo),
                caption=message.text or None,
                parse_mode="HTML" if message.text else None,
                reply_markup=reply_markup(message.buttons),
                read_timeout=read,
                connect_timeout=connect,
            )
        return await self._bot.send_message(
            chat_id=chat_id,
            text=message.text,
            parse_mode="HTML",
            reply_markup=reply_markup(message.buttons),
            link_preview_options=NO_PREVIEW,
            reply_parameters=(
                ReplyParameters(message.reply_to, allow_sending_without_reply=True)
                if message.reply_to is not None
                else None
            ),
            read_timeout=read,
            connect_timeout=connect,
        )

    def _picture(self, name: str) -> str | InputFile:
        if name.startswith("https://"):
            return name
        if name.startswith(TELEGRAM_FILE):  # a photo a client sent, relayed by its file id
            return name.removeprefix(TELEGRAM_FILE)
        if name.startswith(PNG_DATA):  # made for this message (a QR code)
            return InputFile(base64.b64decode(name.removeprefix(PNG_DATA)), filename="qr.png")
        path = self._rt.content.picture(name)
        if path is None:
            raise BadRequest(f"picture {name!r} is not in any content folder")
        return InputFile(path.read_bytes(), filename=path.name)

    async def _record_sent(
        self, row: ClaimedMessage, sent: Message | None, poll: Poll | None = None
    ) -> None:
        """Sent (None: a deletion done); a message showing answers gets its later deletion
        queued in the same write (services/tidy.py); a group's poll keeps its Telegram id
        (its totals come by it) or, when it was ended, its final totals."""
        now = self._rt.clock.now()
        tidy = (
            deletion(
                outbox_id=row.id,
                chat_id=row.chat_id,
                recipient_kind=row.recipient_kind,
                recipient_id=row.recipient_id,
                kind=row.kind,
                telegram_message_id=sent.message_id,
                sent_at=now,
                after_hours=self._rt.settings.privacy.tidy_after_hours,
            )
            if sent is not None
            else None
        )

        def work(session: Session) -> None:
            mark_sent(
                session=session,
                message_id=row.id,
                telegram_message_id=sent.message_id if sent is not None else None,
                now=now,
            )
            if tidy is not None:
                enqueue(session=session, messages=[tidy], now=now, cipher=self._rt.cipher)
            if poll is not None:
                polls.record(
                    session,
                    outbox_id=row.id if sent is not None else None,
                    poll_id=poll.id,
                    message_id=sent.message_id if sent is not None else None,
                    counts=[option.voter_count for option in poll.options],
                    voters=poll.total_voter_count,
                    closed=poll.is_closed,
                    now=now,
                )

        await self._write(work)

    async def _record(self, row: ClaimedMessage, verdict: Verdict) -> After:
        """Write back what a failed send means, for the row and for the rest of its chat."""
        now = self._rt.clock.now()
        attempts = row.attempts + 1  # counting the attempt just made
        not_before: datetime | None = None

        def write(session: Session) -> None:
            nonlocal not_before
            if verdict.kind == Kind.DONE:
                mark_sent(session=session, message_id=row.id, telegram_message_id=None, now=now)
            elif verdict.kind in (Kind.RATE_LIMITED, Kind.FATAL):
                wait = max(verdict.retry_after or 1.0, 1.0)
                if verdict.kind == Kind.FATAL:
                    wait = FATAL_PAUSE_SECONDS
                    self._paused_until = time.monotonic() + wait
                self._pacer.pause_chat(row.chat_id, wait)
                self._pacer.slow_down(wait)
                not_before = now + timedelta(seconds=wait)
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=not_before,
                    count_attempt=False,
                )
            elif verdict.kind == Kind.MIGRATED and attempts <= 1:
                retry_later(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    due_at=now,
                    chat_id=verdict.new_chat_id,
                )
            elif verdict.kind == Kind.TRANSIENT and attempts < MAX_TRANSIENT_ATTEMPTS:
                not_before = now + _backoff(attempts)
                retry_later(
                    session=session, message_id=row.id, error=verdict.reason, due_at=not_before
                )
            elif verdict.kind == Kind.AMBIGUOUS and not row.personal and attempts <= 1:
                # Not personal (a nudge, a reminder): one more copy is better than none.
                not_before = now + _backoff(attempts)
                retry_later(
                    session=session, message_id=row.id, error=verdict.reason, due_at=not_before
                )
            elif verdict.kind == Kind.AMBIGUOUS:
                mark_failed(
                    session=session,
                    message_id=row.id,
                    error=verdict.reason,
                    status=OutboxStatus.UNKNOWN,
                )
            else:
                # The kind leads, so the digest can tell "gave up" from "they blocked us".
                mark_failed(
                    session=session,
                    message_id=row.id,
                    error=f"{verdict.kind}: {verdict.reason}",
                    status=OutboxStatus.FAILED,
                )
                if verdict.kind == Kind.RECIPIENT_GONE:
                    recipient_gone(
                        session=session,
                        recipient_kind=row.recipient_kind,
                        recipient_id=row.recipient_id,
                        now=now,
                        detail=verdict.reason,
                    )

        await self._write(write)
        _log_verdict(row, attempts, verdict)
        return After(wait_until=not_before, chat_gone=verdict.kind == Kind.RECIPIENT_GONE)

    async def _write(self, work: Callable[[Session], object]) -> None:
        """A short write-back, retried a few times: a locked or briefly lost database must not
        leave a row in limbo. If it still fails, the row stays `sending` and start-up recovery
        (or the lease holder after us) sorts it out."""
        for attempt in range(1, WRITE_RETRIES + 1):
            try:
                with session_scope(self._rt.engine) as session:
                    work(session)
                return
            except Exception:
                if attempt == WRITE_RETRIES:
                    log.exception(
                        "writing an outbox result failed %d times; left for recovery", attempt
                    )
                    return
                await asyncio.sleep(0.1 * attempt)


def _backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: up to 1, 2, 4, ... seconds, at most 5 minutes."""
    ceiling = min(300.0, 2.0 ** max(attempts - 1, 0))
    return timedelta(seconds=max(0.5, random.uniform(0, ceiling)))


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _log_verdict(row: ClaimedMessage, attempts: int, verdict: Verdict) -> None:
    level = logging.ERROR if verdict.kind in (Kind.OUR_BUG, Kind.FATAL) else logging.WARNING
    if verdict.kind == Kind.DONE:
        level = logging.INFO
    log.log(
        level,
        "outbox row %s (%s, attempt %d): %s: %s",
        row.id,
        row.kind,
        attempts,
        verdict.kind,
        verdict.reason,
    )
