"""The outbox: every message the bot sends is first a row here (see bot/sender.py).

Rows are queued in the same transaction as the change that caused them, with an idempotency key
(person, kind, slot) that makes queueing the same message twice a no-op. The sender claims due rows
with a conditional update, so a second sender or a retry cannot send a row twice.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, or_, select, update
from sqlmodel import Session

from storage.crypto import DecryptionError, FieldCipher
from storage.models import Client, OutboxMessage, OutboxStatus, Professional, RecipientKind
from storage.types import as_utc, sqlite_timestamp

PRIORITY_REPLY = 0  # someone is waiting for this answer
PRIORITY_PERSONAL = 5  # a notice to one person (a relayed question, an alert)
PRIORITY_BULK = 9  # nudges, digests, reminders
DELETION_KIND = "tidy"  # a row that deletes a message sent earlier (services/tidy.py)
# The bot leaving a group: it still goes when the bot may no longer send there (it needs no
# right to leave, and staying would be worse).
LEAVE_KIND = "group_leave"

# A failed row's `last_error` starts with the kind of failure (bot/send_errors.py: Kind). These
# kinds mean "we gave up" (Telegram stayed out of reach, or refused the message itself), which
# the professional is told about; "recipient_gone" is told as "unreachable" instead.
GAVE_UP = ("transient", "our_bug", "fatal")

_table = OutboxMessage.__table__  # type: ignore[attr-defined]
_clients = Client.__table__  # type: ignore[attr-defined]
_staff = Professional.__table__  # type: ignore[attr-defined]


class NewMessage(NamedTuple):
    """A message to queue. `payload` is what the sender needs (text, buttons, ...) as JSON data.
    A named tuple, not a dataclass: a sweep makes ten thousand, and a frozen dataclass costs
    several times as much to make."""

    key: str
    chat_id: int
    recipient_kind: str
    kind: str
    payload: Mapping[str, Any]
    recipient_id: int | None = None
    priority: int = PRIORITY_PERSONAL
    personal: bool = True
    due_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    chat_id: int
    recipient_kind: str
    recipient_id: int | None
    kind: str
    personal: bool
    attempts: int
    payload: dict[str, Any]


# A message that is not personal (a nudge, a reminder: the same template text for thousands, no
# name, no free text) is kept as plain JSON behind this prefix; everything else is encrypted.
# Encrypting ten thousand identical nudges would cost more than rendering and storing them.
PLAIN = "json:"


def seal(payload: Mapping[str, Any], *, personal: bool, cipher: FieldCipher) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return cipher.encrypt(text) if personal else PLAIN + text


def unseal(stored: str, *, cipher: FieldCipher) -> dict[str, Any]:
    text = stored.removeprefix(PLAIN) if stored.startswith(PLAIN) else cipher.decrypt(stored)
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def enqueue(
    *, session: Session, messages: Sequence[NewMessage], now: datetime, cipher: FieldCipher
) -> None:
    """Queue `messages` in the caller's transaction; a key already queued is left alone."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    insert_values(
        session=session, values=outbox_values(messages, now=now, cipher=cipher, sqlite=sqlite)
    )


_COLUMNS = (
    "idempotency_key",
    "chat_id",
    "recipient_kind",
    "recipient_id",
    "kind",
    "priority",
    "personal",
    "payload_enc",
    "due_at",
    "status",
    "attempts",
    "created_at",
)


def outbox_values(
    messages: Sequence[NewMessage], *, now: datetime, cipher: FieldCipher, sqlite: bool
) -> list[tuple[Any, ...]]:
    """Rows for `insert_values`, in `_COLUMNS` order, timestamps as the driver stores them."""
    stamp: Any = sqlite_timestamp if sqlite else as_utc
    stamped_now = stamp(now)
    pending = str(OutboxStatus.PENDING)
    shared: dict[int, str] = {}  # id(payload) -> sealed, for one payload queued to many

    def sealed(message: NewMessage) -> str:
        if message.personal:
            return seal(message.payload, personal=True, cipher=cipher)
        found = shared.get(id(message.payload))
        if found is None:
            found = shared[id(message.payload)] = seal(
                message.payload, personal=False, cipher=cipher
            )
        return found

    return [
        (
            message.key,
            message.chat_id,
            str(message.recipient_kind),
            message.recipient_id,
            message.kind,
            message.priority,
            message.personal,
            sealed(message),
            stamp(message.due_at) if message.due_at else stamped_now,
            pending,
            0,
            stamped_now,
        )
        for message in messages
    ]


def insert_values(*, session: Session, values: list[tuple[Any, ...]]) -> None:
    """One executemany straight to the driver: queueing ten thousand nudges is the hot path,
    and SQLAlchemy's per-value processing would cost more than the insert itself. The values
    are what the ORM would bind (see `outbox_values`)."""
    if not values:
        return
    marker = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    session.connection().exec_driver_sql(insert_statement(marker).sql, values)


@dataclass(frozen=True)
class InsertStatement:
    columns: tuple[str, ...]
    sql: str


def insert_statement(marker: str) -> InsertStatement:
    """The outbox insert in the driver's own SQL (`?` for sqlite3, `%s` for psycopg)."""
    return InsertStatement(
        _COLUMNS,
        f"INSERT INTO outbox_message ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_COLUMNS))}) "
        "ON CONFLICT (idempotency_key) DO NOTHING",
    )


def claim_due(
    *, session: Session, now: datetime, limit: int, cipher: FieldCipher, claimed_by: str = ""
) -> list[ClaimedMessage]:
    """Claim up to `limit` due rows, most urgent first, and mark them `sending`.

    One conditional UPDATE ... RETURNING is the claim: a row another sender took first no
    longer matches `status = 'pending'`. On PostgreSQL, SKIP LOCKED lets two senders claim
    different rows at the same moment instead of waiting for each other. A claimed row is not
    yet attempted (`attempted_at` stays empty until `mark_attempt`), so a crash now loses
    nothing: recovery puts it back.
    """
    due = (
        select(_table.c.id)
        .where(_table.c.status == OutboxStatus.PENDING, _table.c.due_at <= now)
        .order_by(_table.c.priority, _table.c.due_at, _table.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = session.execute(
        update(_table)
        .where(_table.c.id.in_(due.scalar_subquery()), _table.c.status == OutboxStatus.PENDING)
        .values(
            status=OutboxStatus.SENDING, claimed_at=now, claimed_by=claimed_by, attempted_at=None
        )
        .returning(
            _table.c.id,
            _table.c.chat_id,
            _table.c.recipient_kind,
            _table.c.recipient_id,
            _table.c.kind,
            _table.c.personal,
            _table.c.attempts,
            _table.c.priority,
            _table.c.due_at,
            _table.c.payload_enc,
        )
    ).all()
    gone = _unreachable(session, rows)
    claimed = []
    for row in sorted(rows, key=lambda row: (row.priority, row.due_at, row.id)):
        if (row.recipient_kind, row.recipient_id) in gone:
            # Queued after they blocked the bot: never attempted, it would only earn a 403.
            mark_failed(
                session=session,
                message_id=row.id,
                error="recipient unreachable",
                status=OutboxStatus.FAILED,
            )
            continue
        try:
            payload = unseal(row.payload_enc, cipher=cipher)
        except (DecryptionError, ValueError) as exc:
            # One unreadable row (a key removed too early) must not stop every other send.
            mark_failed(
                session=session,
                message_id=row.id,
                error=f"unreadable: {exc}",
                status=OutboxStatus.FAILED,
            )
            continue
        claimed.append(
            ClaimedMessage(
                id=row.id,
                chat_id=row.chat_id,
                recipient_kind=row.recipient_kind,
                recipient_id=row.recipient_id,
                kind=row.kind,
                personal=row.personal,
                attempts=row.attempts,
                payload=payload,
            )
        )
    _fill_names(session, claimed, cipher)
    return claimed


# Where a message shared by thousands (a nudge) says the recipient's name: filled in when it
# is claimed for sending, so the stored message names nobody and needs no encryption, while
# the person still reads "Hoi Sanne". A private-use character: no template or escaped text
# ever contains it.
NAME_SLOT = "\ue000"


def _fill_names(session: Session, claimed: list[ClaimedMessage], cipher: FieldCipher) -> None:
    """Put each client's own name in the name slot of their messages (one query for all)."""
    wanted = {
        m.recipient_id
        for m in claimed
        if m.recipient_kind == RecipientKind.CLIENT
        and m.recipient_id is not None
        and NAME_SLOT in str(m.payload.get("text", ""))
    }
    if not wanted:
        return
    names: dict[int, str] = {}
    for client_id, name_enc in session.execute(
        select(_clients.c.id, _clients.c.name_enc).where(_clients.c.id.in_(wanted))
    ):
        try:
            name = cipher.decrypt(name_enc) if name_enc else ""
        except DecryptionError:
            name = ""
        names[client_id] = html.escape(name, quote=False)
    for message in claimed:
        text = message.payload.get("text")
        if isinstance(text, str) and NAME_SLOT in text:
            name = names.get(message.recipient_id or 0, "")
            # Without a name, "Hoi \ue000," reads "Hoi," rather than leaving a gap.
            message.payload["text"] = (
                text.replace(NAME_SLOT, name) if name else re.sub(" ?\ue000", "", text)
            )


def _unreachable(session: Session, rows: Sequence[Any]) -> set[tuple[str, int]]:
    """(kind, id) of the claimed rows' recipients who blocked the bot: one query per kind."""
    gone: set[tuple[str, int]] = set()
    for kind, table in ((RecipientKind.CLIENT, _clients), (RecipientKind.PROFESSIONAL, _staff)):
        ids = {row.recipient_id for row in rows if row.recipient_kind == kind and row.recipient_id}
        if ids:
            found = session.execute(
                select(table.c.id).where(
                    table.c.id.in_(ids), table.c.unreachable_since.is_not(None)
                )
            ).scalars()
            gone.update((str(kind), int(recipient)) for recipient in found)
    return gone


def mark_attempt(*, session: Session, message_id: int, now: datetime, claimed_by: str = "") -> bool:
    """The request is about to go to Telegram: from now on it may arrive. False if the row is
    no longer ours (a new lease holder took it back): then it must not be sent."""
    marked = (
        session.connection()
        .execute(
            update(_table)
            .where(
                _table.c.id == message_id,
                _table.c.status == OutboxStatus.SENDING,
                _table.c.claimed_by == claimed_by,
            )
            .values(attempted_at=now, attempts=_table.c.attempts + 1)
            .returning(_table.c.id)
        )
        .first()
    )
    return marked is not None


def mark_sent(
    *, session: Session, message_id: int, telegram_message_id: int | None, now: datetime
) -> None:
    session.execute(
        update(_table)
        .where(_table.c.id == message_id, _table.c.status == OutboxStatus.SENDING)
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            telegram_message_id=telegram_message_id,
            last_error=None,
        )
    )


def mark_failed(*, session: Session, message_id: int, error: str, status: str) -> None:
    """A final state: `failed` (permanent error) or `unknown` (ambiguous, not resent)."""
    session.execute(
        update(_table)
        .where(_table.c.id == message_id, _table.c.status == OutboxStatus.SENDING)
        .values(status=status, last_error=error[:500])
    )


def retry_later(
    *,
    session: Session,
    message_id: int,
    error: str,
    due_at: datetime,
    chat_id: int | None = None,
    count_attempt: bool = True,
) -> None:
    """Back to `pending`, not before `due_at` (to a new chat id after a group migration).

    `count_attempt=False` for a 429: Telegram refused it unseen, so it does not use up the
    attempts that decide how often a transient failure or a timeout is retried."""
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "last_error": error[:500],
        "due_at": due_at,
        "attempted_at": None,
    }
    if chat_id is not None:
        values["chat_id"] = chat_id
    if not count_attempt:
        values["attempts"] = _table.c.attempts - 1
    session.execute(
        update(_table)
        .where(_table.c.id == message_id, _table.c.status == OutboxStatus.SENDING)
        .values(**values)
    )


def release(*, session: Session, message_ids: Sequence[int], not_before: datetime | None) -> None:
    """Claimed rows that were never attempted go back to `pending` (a stop, a failure earlier
    in the same chat), not due before `not_before`, so the chat's order is kept."""
    if not message_ids:
        return
    values: dict[str, Any] = {"status": OutboxStatus.PENDING}
    if not_before is not None:
        values["due_at"] = case((_table.c.due_at < not_before, not_before), else_=_table.c.due_at)
    session.execute(
        update(_table)
        .where(
            _table.c.id.in_(list(message_ids)),
            _table.c.status == OutboxStatus.SENDING,
            _table.c.attempted_at.is_(None),
        )
        .values(**values)
    )


def drop_claimed(*, session: Session, message_ids: Sequence[int], reason: str) -> None:
    """Claimed rows that will never go (their chat is gone): `failed`, never attempted."""
    if not message_ids:
        return
    claimed = and_(
        _table.c.id.in_(list(message_ids)),
        _table.c.status == OutboxStatus.SENDING,
        _table.c.attempted_at.is_(None),
    )
    session.execute(
        update(_table)
        .where(claimed, _table.c.kind != LEAVE_KIND)
        .values(status=OutboxStatus.FAILED, last_error=reason)
    )
    session.execute(
        update(_table)
        .where(claimed, _table.c.kind == LEAVE_KIND)
        .values(status=OutboxStatus.PENDING)
    )


def recover_in_flight(*, session: Session, holder: str) -> tuple[int, int]:
    """Rows left `sending` by an earlier lease holder (it died, or lost the lease).

    Never attempted: back to `pending`. Attempted, we cannot know whether Telegram got it: a
    personal message becomes `unknown` (never resent blindly); anything else goes back to
    `pending` and may arrive twice. Returns (requeued, marked unknown).
    """
    stale = and_(
        _table.c.status == OutboxStatus.SENDING,
        or_(_table.c.claimed_by.is_(None), _table.c.claimed_by != holder),
    )

    attempted = _table.c.attempted_at.is_not(None)
    connection = session.connection()
    requeued = connection.execute(
        update(_table)
        .where(stale, or_(~attempted, _table.c.personal.is_(False)))
        .values(
            status=OutboxStatus.PENDING,
            attempted_at=None,
            last_error="left in flight by a sender that stopped",
        )
    ).rowcount
    unknown = connection.execute(
        update(_table)
        .where(stale, attempted, _table.c.personal.is_(True))
        .values(status=OutboxStatus.UNKNOWN, last_error="in flight when a sender stopped")
    ).rowcount
    return requeued, unknown


def reschedule(
    *, session: Session, key: str, due_at: datetime, priority: int | None = None
) -> bool:
    """Move a queued message (or a later copy of it, "later" or "again") that has not gone out
    yet: sooner for /verder, later for a pause. False if there is no such message."""
    values: dict[str, Any] = {"due_at": due_at}
    if priority is not None:
        values["priority"] = priority
    moved = (
        session.connection()
        .execute(
            update(_table)
            .where(_key_or_copies(key), _table.c.status == OutboxStatus.PENDING)
            .values(**values)
            .returning(_table.c.id)
        )
        .all()
    )
    return bool(moved)


def cancel_pending(
    *, session: Session, recipient_kind: str, recipient_id: int, reason: str, now: datetime
) -> None:
    """Nothing more goes to this recipient: every message still waiting is dropped. Deletions
    of what they were shown (services/tidy.py) are not: they go now (a revoked professional's
    lost phone should show as little as possible, as soon as possible), nor is the bot
    leaving a group."""
    mine = and_(
        _table.c.recipient_kind == recipient_kind,
        _table.c.recipient_id == recipient_id,
        _table.c.status == OutboxStatus.PENDING,
    )
    session.execute(
        update(_table)
        .where(mine, _table.c.kind.not_in((DELETION_KIND, LEAVE_KIND)))
        .values(status=OutboxStatus.FAILED, last_error=reason)
    )
    session.execute(
        update(_table)
        .where(mine, _table.c.kind.in_((DELETION_KIND, LEAVE_KIND)))
        .values(due_at=now)
    )


def _key_or_copies(key: str) -> Any:
    """The message with `key` and its later copies (`key:later:...`, `key:again:...`)."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        _table.c.idempotency_key == key,
        _table.c.idempotency_key.like(escaped + ":%", escape="\\"),
    )


def cancel_key(*, session: Session, key: str, reason: str) -> None:
    """Withdraw a message (and its copies) that has not gone out yet."""
    session.execute(
        update(_table)
        .where(_key_or_copies(key), _table.c.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error=reason)
    )
