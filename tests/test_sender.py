"""The sender offline: message ids recorded, every kind of failure sorted and handled."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.app import lease_of, runtime_of, sender_of
from bot.clock import VirtualClock
from bot.pacing import Pacer
from services.messages import Button, Outgoing
from storage.db import session_scope
from storage.models import Client, OutboxMessage, OutboxStatus
from storage.outbox import PRIORITY_BULK, PRIORITY_REPLY, NewMessage, enqueue
from tests.factories import make_client
from tests.offline import OfflineRequest

App = Application  # type: ignore[type-arg]


def queue(app: App, *messages: NewMessage) -> None:
    rt = runtime_of(app)
    with session_scope(rt.engine) as session:
        enqueue(session=session, messages=messages, now=rt.clock.now(), cipher=rt.cipher)


def message(key: str, chat_id: int = 7001, **overrides: object) -> NewMessage:
    values: dict[str, object] = {
        "key": key,
        "chat_id": chat_id,
        "recipient_kind": "client",
        "kind": "nudge",
        "payload": Outgoing("Hoi <b>Sanne</b>", ((Button("Ja", data="a:1"),),)).to_payload(),
    } | overrides
    return NewMessage(**values)  # type: ignore[arg-type]


def rows(app: App) -> dict[str, OutboxMessage]:
    with session_scope(runtime_of(app).engine) as session:
        found = session.execute(select(OutboxMessage)).scalars().all()
        return {row.idempotency_key: row for row in found}


async def test_it_sends_and_records_telegrams_message_id(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    queue(offline_app, message("a"))
    await sender_of(offline_app).drain(limit_seconds=5)
    [call] = offline_request.sent()
    assert call.params["text"] == "Hoi <b>Sanne</b>"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ja", "callback_data": "a:1"}]]
    }
    row = rows(offline_app)["a"]
    assert (row.status, row.attempts, row.telegram_message_id) == (OutboxStatus.SENT, 1, 1)


async def test_queueing_the_same_key_twice_sends_once(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    queue(offline_app, message("same"))
    queue(offline_app, message("same"), message("same"))
    await sender_of(offline_app).drain(limit_seconds=5)
    assert len(offline_request.sent()) == 1


async def test_a_waiting_person_goes_before_bulk(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    queue(
        offline_app,
        *[message(f"bulk{i}", chat_id=9000 + i, priority=PRIORITY_BULK) for i in range(30)],
    )
    queue(offline_app, message("reply", chat_id=42, priority=PRIORITY_REPLY))
    sender = sender_of(offline_app)
    sender._max_in_flight = 5
    await sender.drain(limit_seconds=5)
    assert offline_request.sent()[0].params["chat_id"] == 42


async def test_a_429_waits_at_least_retry_after_and_then_delivers(
    offline_app: App, offline_request: OfflineRequest, clock: VirtualClock
) -> None:
    offline_request.errors["sendMessage"] = [RetryAfter(timedelta(seconds=30))]
    queue(offline_app, message("a"))
    sender = sender_of(offline_app)
    await sender.drain(limit_seconds=5)
    row = rows(offline_app)["a"]
    assert row.status == OutboxStatus.PENDING
    assert row.due_at >= clock.now() + timedelta(seconds=29)
    assert len(offline_request.sent()) == 1  # the refused attempt only
    clock.advance(timedelta(seconds=31))
    sender._pacer._paused_until.clear()
    await sender.drain(limit_seconds=5)
    row = rows(offline_app)["a"]
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)  # a 429 is no real attempt
    assert len(offline_request.sent()) == 2


async def test_a_blocked_person_is_marked_unreachable_after_one_attempt(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    rt = runtime_of(offline_app)
    with session_scope(rt.engine) as session:
        client_id = make_client(session).id
    offline_request.errors["sendMessage"] = [Forbidden("Forbidden: bot was blocked by the user")]
    queue(offline_app, message("a", recipient_id=client_id))
    await sender_of(offline_app).drain(limit_seconds=5)
    row = rows(offline_app)["a"]
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "blocked" in (row.last_error or "")
    with session_scope(rt.engine) as session:
        assert session.get_one(Client, client_id).unreachable_since is not None


async def test_a_migrated_group_gets_the_message_once_at_its_new_id(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    offline_request.errors["sendMessage"] = [ChatMigrated(-1009999)]
    queue(
        offline_app,
        message("g", chat_id=-55, recipient_kind="group", kind="group_prompt", personal=False),
    )
    await sender_of(offline_app).drain(limit_seconds=5)
    assert [c.params["chat_id"] for c in offline_request.sent()] == [-55, -1009999]
    assert rows(offline_app)["g"].status == OutboxStatus.SENT


@pytest.mark.parametrize(
    ("error", "personal", "status", "sends"),
    [
        (BadRequest("Bad Request: can't parse entities: unclosed tag"), True, "failed", 1),
        (BadRequest("Bad Request: chat not found"), True, "failed", 1),
        (TimedOut(), True, "unknown", 1),  # may have arrived: never resend anything personal
        (TimedOut(), False, "sent", 2),  # a nudge may arrive twice, at most
        (NetworkError("httpx.ConnectError: refused"), True, "sent", 2),
    ],
)
async def test_failures_are_sorted(
    offline_app: App,
    offline_request: OfflineRequest,
    clock: VirtualClock,
    error: Exception,
    personal: bool,
    status: str,
    sends: int,
) -> None:
    if "ConnectError" in str(error):
        error.__cause__ = httpx.ConnectError("refused")
    elif isinstance(error, TimedOut):
        error.__cause__ = httpx.ReadTimeout("slow")
    offline_request.errors["sendMessage"] = [error]
    queue(offline_app, message("x", personal=personal))
    sender = sender_of(offline_app)
    await sender.drain(limit_seconds=5)
    clock.advance(timedelta(minutes=10))  # past any backoff
    await sender.drain(limit_seconds=5)
    assert rows(offline_app)["x"].status == status
    assert len(offline_request.sent()) == sends


async def test_a_read_timeout_on_a_nudge_is_resent_at_most_once(
    offline_app: App, offline_request: OfflineRequest, clock: VirtualClock
) -> None:
    timeouts = [TimedOut(), TimedOut()]
    for error in timeouts:
        error.__cause__ = httpx.ReadTimeout("slow")
    offline_request.errors["sendMessage"] = list(timeouts)
    queue(offline_app, message("n", personal=False))
    sender = sender_of(offline_app)
    for _ in range(3):
        await sender.drain(limit_seconds=5)
        clock.advance(timedelta(minutes=10))
    assert len(offline_request.sent()) == 2
    assert rows(offline_app)["n"].status == OutboxStatus.UNKNOWN


async def test_rows_left_in_flight_by_a_dead_process_are_recovered(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    queue(
        offline_app,
        message("nudge", chat_id=1, personal=False),
        message("answer", chat_id=2, personal=True),
        message("claimed answer", chat_id=3, personal=True),
    )
    rt = runtime_of(offline_app)
    earlier = rt.clock.now() - timedelta(minutes=1)
    with session_scope(rt.engine) as session:
        for row in session.execute(select(OutboxMessage)).scalars():
            row.status = OutboxStatus.SENDING
            row.claimed_at = earlier
            # The first two were on their way to Telegram; the third was only claimed.
            row.attempted_at = None if row.idempotency_key == "claimed answer" else earlier
    sender = sender_of(offline_app)
    sender.recover()
    await sender.drain(limit_seconds=5)
    found = rows(offline_app)
    assert found["nudge"].status == OutboxStatus.SENT  # may arrive twice: it is a nudge
    assert found["answer"].status == OutboxStatus.UNKNOWN  # personal: never resent blindly
    assert found["claimed answer"].status == OutboxStatus.SENT  # never attempted: safe
    assert sorted(c.params["chat_id"] for c in offline_request.sent()) == [1, 3]


async def test_rows_behind_a_429_in_the_same_chat_do_not_overtake_it(
    offline_app: App, offline_request: OfflineRequest, clock: VirtualClock
) -> None:
    offline_request.errors["sendMessage"] = [RetryAfter(timedelta(seconds=3))]
    queue(offline_app, message("first"), message("second"))
    sender = sender_of(offline_app)
    await sender.drain(limit_seconds=5)
    found = rows(offline_app)
    assert found["first"].status == found["second"].status == OutboxStatus.PENDING
    assert found["second"].due_at >= found["first"].due_at
    clock.advance(timedelta(seconds=4))
    sender._pacer._paused_until.clear()  # real time did not pass in this test
    await sender.drain(limit_seconds=5)
    texts = [c.params["chat_id"] for c in offline_request.sent()]
    assert len(texts) == 3
    found = rows(offline_app)
    assert found["first"].sent_at is not None and found["second"].sent_at is not None
    assert found["first"].sent_at <= found["second"].sent_at
    assert found["first"].telegram_message_id < found["second"].telegram_message_id  # type: ignore[operator]


async def test_a_stop_puts_claimed_rows_back_unsent(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    queue(offline_app, *[message(f"m{i}") for i in range(5)])  # one chat: paced one by one
    rt = runtime_of(offline_app)
    sender = sender_of(offline_app)
    sender._pacer = Pacer(rt.settings.pacing.model_copy(update={"per_chat_per_second": 2.0}))
    lease_of(offline_app).renew()  # what the lease keeper does in a running bot
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(running, 5)
    found = rows(offline_app)
    sent = [k for k, r in found.items() if r.status == OutboxStatus.SENT]
    waiting = [k for k, r in found.items() if r.status == OutboxStatus.PENDING]
    assert sent and waiting and len(sent) + len(waiting) == 5
    assert all(found[k].attempted_at is None for k in waiting)
    assert len(offline_request.sent()) == len(sent)


async def test_a_database_hiccup_does_not_stop_the_sender(
    offline_app: App, offline_request: OfflineRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.sender as sender_module

    calls = {"n": 0}
    real = sender_module.claim_due

    def flaky(**kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sender_module, "claim_due", flaky)
    queue(offline_app, message("a"))
    lease_of(offline_app).renew()  # what the lease keeper does in a running bot
    stop = asyncio.Event()
    running = asyncio.create_task(sender_of(offline_app).run(stop))
    for _ in range(50):
        if offline_request.sent():
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert len(offline_request.sent()) == 1


async def test_after_a_403_nothing_else_is_tried_for_that_person(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    rt = runtime_of(offline_app)
    with session_scope(rt.engine) as session:
        client_id = make_client(session).id
    offline_request.errors["sendMessage"] = [Forbidden("Forbidden: bot was blocked by the user")]
    queue(offline_app, *[message(f"m{i}", recipient_id=client_id) for i in range(3)])
    await sender_of(offline_app).drain(limit_seconds=5)
    assert len(offline_request.sent()) == 1
    assert {row.status for row in rows(offline_app).values()} == {OutboxStatus.FAILED}


async def test_what_is_queued_after_a_403_is_never_attempted(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    """A feedback or digest queued while they are unreachable fails without a request; once
    they are back (Start, unblock), messages go again."""
    rt = runtime_of(offline_app)
    with session_scope(rt.engine) as session:
        client_id = make_client(session).id
    offline_request.errors["sendMessage"] = [Forbidden("Forbidden: bot was blocked by the user")]
    queue(offline_app, message("first", recipient_id=client_id))
    await sender_of(offline_app).drain(limit_seconds=5)
    queue(offline_app, message("later", recipient_id=client_id))
    await sender_of(offline_app).drain(limit_seconds=5)
    assert len(offline_request.sent()) == 1
    later = rows(offline_app)["later"]
    assert (later.status, later.attempts, later.last_error) == (
        OutboxStatus.FAILED,
        0,
        "recipient unreachable",
    )
    with session_scope(rt.engine) as session:
        session.get_one(Client, client_id).unreachable_since = None
    queue(offline_app, message("back", recipient_id=client_id))
    await sender_of(offline_app).drain(limit_seconds=5)
    assert rows(offline_app)["back"].status == OutboxStatus.SENT


async def test_after_a_429_the_whole_bot_goes_at_half_speed_for_a_while() -> None:
    """Telegram does not say which limit a 429 was for: slow down everywhere, then recover."""
    import time

    from bot.settings import PacingSettings

    pacer = Pacer(PacingSettings(overall_per_second=50, per_chat_per_second=1000))

    async def turns(first_chat: int) -> float:
        started = time.monotonic()
        for chat in range(first_chat, first_chat + 10):
            await pacer.wait_turn(chat)
        return time.monotonic() - started

    normal = await turns(1)
    pacer.slow_down(2.0)
    assert await turns(100) >= 1.6 * normal
    pacer.slow_down(0)  # a later 429 with a short wait does not shorten the slow period
    assert await turns(200) >= 1.6 * normal
    await asyncio.sleep(2.0)
    assert await turns(300) < 1.4 * normal
