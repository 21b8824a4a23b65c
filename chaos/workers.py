"""Catalogue 9, two workers on PostgreSQL: two `duwtje run` processes share one database. One
holds the sender lease and sends and sweeps; the other waits. Nudges come due while both run,
and the holder is killed (-9) in the middle of a fan-out: the other takes over (within 30 s),
nothing is sent twice but what was on the wire at the kill, and no one is nudged twice.

Needs a PostgreSQL server: `DUWTJE_CHAOS_DATABASE_URL` (or `DUWTJE_TEST_DATABASE_URL`) names
one; the scenario makes a database of its own there and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.errors import UserError
from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.rig import (
    BotProcess,
    Rig,
    arrivals,
    eventually,
    fanout_figures,
    in_flight,
    outbox_rows,
    queue_fanout,
    unsent,
    wait_arrived,
    wait_settled,
)
from chaos.seed import Person
from storage.db import scratch_database, session_scope
from storage.models import Client, OutboxMessage, Traject

NAME = "workers"
CRITERION = (
    "one sender at a time, takeover_s <= 30, duplicated_not_in_flight == 0, double_nudges == 0, "
    "sweepers == 1"
)
ROUND_TRIP = 0.05


def run(quick: bool) -> Figures:
    server = os.environ.get("DUWTJE_CHAOS_DATABASE_URL") or os.environ.get(
        "DUWTJE_TEST_DATABASE_URL"
    )
    if not server:
        raise UserError(
            "chaos workers needs PostgreSQL: set DUWTJE_CHAOS_DATABASE_URL to a server URL "
            "(postgresql+psycopg://user@host/postgres); it makes and drops a database there"
        )
    with scratch_database(server, "duwtje_chaos") as url:
        return asyncio.run(
            _run(
                url,
                total=200 if quick else 1000,
                nudged=50 if quick else 200,
                lease_seconds=6 if quick else 20,
            )
        )


async def _run(url: str, *, total: int, nudged: int, lease_seconds: float) -> Figures:
    now = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=True, latency=ROUND_TRIP) as sandbox,
    ):
        rig = Rig(
            Path(folder),
            sandbox.url,
            database_url=url,
            jobs={"lease_seconds": lease_seconds, "sweep_seconds": 1.0},
            # No quiet hours, holidays or caps in the way: the nudges must go whatever the hour
            # and day this runs at (each person's moment is set to now, see `_stall`).
            defaults={"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"},
            nudges={"on_public_holidays": True, "just_wrote_hours": 0},
        )
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, total)
            queued = queue_fanout(rig, people, "workers", now=now)
            first, second = BotProcess(rig, name="first"), BotProcess(rig, name="second")
            first.start()
            await eventually(lambda: _holds(first), within=30)
            second.start()
            _stall(rig, people[:nudged], now)  # due now: both processes' sweeps would see them
            # Kill only once the nudges were swept, so that "one sweeper" means something.
            await eventually(lambda: _nudges_queued(rig) == nudged, within=60)
            await wait_arrived(control, total // 3, within=120)
            killed_utc = datetime.now(UTC)
            sweeps_before_kill = {p.name: _swept(p) for p in (first, second)}
            first.kill()
            excused = in_flight(rig, "workers")
            settled = await wait_settled(rig, "workers", within=300)
            settled &= await eventually(lambda: not unsent(rig), within=120)
            exit_code = second.stop()
            arrived = await arrivals(control)
            rows = outbox_rows(rig, "workers")
            senders = _senders(rig)
        rig.close()
    figures: Figures = fanout_figures(queued, arrived, rows, excused=excused)
    by_second = sorted(at for holder, at in senders if f":{second.pid}:" in holder)
    stalled = {person.user_id for person in people[:nudged]}
    nudges = Counter(
        {
            chat: n
            for (chat, body), n in arrived.items()
            if chat in stalled and "workers" not in body
        }
    )
    figures |= {
        "processes": 2,
        "senders": len({holder for holder, _ in senders}),
        # One sender at a time: the second sent nothing while the first held the lease.
        "second_sent_before_kill": sum(
            1 for holder, at in senders if f":{second.pid}:" in holder and at < killed_utc
        ),
        # From the kill to the first message the second process sent.
        "takeover_s": round((by_second[0] - killed_utc).total_seconds(), 2) if by_second else None,
        "nudged": nudged,
        "nudges_arrived": sum(nudges.values()),
        "double_nudges": sum(1 for n in nudges.values() if n > 1),
        "sweepers": sum(1 for swept in sweeps_before_kill.values() if swept),
        "settled": settled,
        "clean_exit": exit_code == 0,
    }
    figures["met"] = (
        figures["duplicated_not_in_flight"] == 0
        and figures["lost"] == 0
        and figures["double_nudges"] == 0
        and figures["nudges_arrived"] == nudged
        and figures["sweepers"] == 1
        and figures["second_sent_before_kill"] == 0
        and figures["takeover_s"] is not None
        and figures["takeover_s"] <= 30
        and settled
        and exit_code == 0
    )
    return figures


def _holds(process: BotProcess) -> bool:
    return any("sender lease taken" in line for line in process.output)


def _swept(process: BotProcess) -> bool:
    return any("sweep queued" in line for line in process.output)


def _stall(rig: Rig, people: list[Person], now: datetime) -> None:
    """A waiting step whose nudge is due now, for each of `people`, whose moment of the day is
    now (a nudge goes at the person's moment, reminders/slots.py)."""
    moment = now.astimezone(ZoneInfo(rig.settings.defaults.time_zone)).strftime("%H:%M")
    with session_scope(rig.engine) as session:
        for person in people:
            assert person.client_id is not None
            client = session.get_one(Client, person.client_id)
            client.preferred_moment = moment
            session.add(
                Traject(
                    client_id=person.client_id,
                    line_key="faalangst",
                    step_key="gedachten",
                    started_at=now - timedelta(days=10),
                    step_sent_at=now - timedelta(days=5),
                    next_nudge_at=now,
                )
            )


def _nudges_queued(rig: Rig) -> int:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with session_scope(rig.engine) as session:
        return int(
            session.execute(
                select(func.count()).where(table.c.idempotency_key.like("nudge:%"))
            ).scalar_one()
        )


def _senders(rig: Rig) -> list[tuple[str, datetime]]:
    """(sender, when) for every row sent; a sender is its lease holder name, host:pid:random."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with session_scope(rig.engine) as session:
        rows = session.execute(
            select(table.c.claimed_by, table.c.sent_at).where(table.c.sent_at.is_not(None))
        ).all()
        return [(holder or "", at) for holder, at in rows]
