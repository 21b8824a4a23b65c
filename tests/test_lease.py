"""The sender lease on both engines: one holder at a time, handed over at a clean stop, taken
over when the holder stops renewing, and what the old holder left in flight sorted out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine, select

from bot.clock import VirtualClock
from bot.lease import LeaseKeeper
from bot.runtime import Runtime
from content import load_content
from storage.crypto import FieldCipher
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import NewMessage, claim_due, enqueue, mark_attempt, recover_in_flight
from tests.conftest import TEST_KEY, settings_for
from tests.factories import NOW

TTL = timedelta(seconds=20)


def keeper(engine: Engine, clock: VirtualClock, on_acquired: list[str], name: str) -> LeaseKeeper:
    rt = Runtime(
        settings=settings_for("sqlite:////unused.db"),
        clock=clock,
        engine=engine,
        content=load_content(),
        cipher=FieldCipher([TEST_KEY]),
        organisation_name="x",
    )
    return LeaseKeeper(rt, ttl=TTL, on_acquired=lambda: on_acquired.append(name))


async def test_one_holder_at_a_time_and_a_clean_handover(engine: Engine) -> None:
    clock = VirtualClock(NOW, ticking=False)
    taken: list[str] = []
    first, second = keeper(engine, clock, taken, "first"), keeper(engine, clock, taken, "second")
    assert first.renew() and not second.renew()
    assert first.renew(), "renewing keeps it"
    assert taken == ["first"]
    first.release()
    assert not first.held
    assert second.renew() and taken == ["first", "second"]


async def test_a_silent_holder_is_taken_over_after_the_lease_runs_out(engine: Engine) -> None:
    clock = VirtualClock(NOW, ticking=False)
    taken: list[str] = []
    first, second = keeper(engine, clock, taken, "first"), keeper(engine, clock, taken, "second")
    assert first.renew()
    clock.advance(TTL - timedelta(seconds=1))
    assert not second.renew(), "not before the lease has run out"
    clock.advance(timedelta(seconds=2))  # first died and did not renew
    assert second.renew() and taken == ["first", "second"]
    assert not first.renew(), "the old holder does not get it back while the new one renews"


def test_a_holder_stops_acting_before_the_lease_runs_out(engine: Engine) -> None:
    clock = VirtualClock(NOW, ticking=False)
    first = keeper(engine, clock, [], "first")
    assert first.renew()
    first._valid_until -= TTL.total_seconds()  # its own clock says time is up
    assert not first.held


def test_a_new_holder_sorts_out_what_the_old_one_left(engine: Engine) -> None:
    cipher = FieldCipher([TEST_KEY])
    now = NOW
    with session_scope(engine) as session:
        enqueue(
            session=session,
            now=now,
            cipher=cipher,
            messages=[
                NewMessage(
                    key=k,
                    chat_id=i,
                    recipient_kind="client",
                    kind="nudge",
                    payload={"t": 1},
                    personal=personal,
                )
                for i, (k, personal) in enumerate(
                    [
                        ("attempted nudge", False),
                        ("attempted answer", True),
                        ("claimed answer", True),
                    ]
                )
            ],
        )
        claimed = claim_due(session=session, now=now, limit=10, cipher=cipher, claimed_by="old")
        for row in claimed[:2]:
            assert mark_attempt(session=session, message_id=row.id, now=now, claimed_by="old")
    with session_scope(engine) as session:
        assert recover_in_flight(session=session, holder="new") == (2, 1)
        status = dict(
            session.execute(
                select(OutboxMessage.idempotency_key, OutboxMessage.status)  # type: ignore[call-overload]
            ).all()
        )
        # The old holder wakes up and tries to send a row it had claimed: refused.
        assert not mark_attempt(
            session=session, message_id=claimed[2].id, now=now, claimed_by="old"
        )
    assert status == {
        "attempted nudge": OutboxStatus.PENDING,
        "attempted answer": OutboxStatus.UNKNOWN,
        "claimed answer": OutboxStatus.PENDING,
    }


async def test_the_keeper_renews_until_stopped_and_then_lets_go(engine: Engine) -> None:
    clock = VirtualClock(NOW)
    first = keeper(engine, clock, [], "first")
    first.ttl = timedelta(seconds=2)
    stop = asyncio.Event()
    running = asyncio.create_task(first.run(stop))
    await asyncio.sleep(0.8)
    assert first.held
    stop.set()
    await running
    second = keeper(engine, clock, [], "second")
    assert second.renew(), "released at stop: no need to wait for it to run out"


def test_a_holder_on_this_machine_that_is_gone_is_taken_over_at_once(
    engine: Engine,
) -> None:
    """A restart after kill -9 need not wait for the dead process's lease to run out; a holder
    on another machine, or one that still runs here, keeps its lease."""
    import socket
    import subprocess
    import sys

    from storage import lease

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process now
    clock = VirtualClock(NOW, ticking=False)
    taken: list[str] = []
    for holder, expected in (
        (f"elsewhere:{gone.pid}:abc", False),
        (f"{socket.gethostname()}:1:abc", False),  # pid 1 runs
        (f"{socket.gethostname()}:{gone.pid}:abc", True),
    ):
        with session_scope(engine) as session:
            session.execute(lease._table.delete())
            lease.try_hold(session=session, name="sender", holder=holder, now=NOW, ttl=TTL)
        assert keeper(engine, clock, taken, holder).renew() is expected, holder
