"""Catalogue 4, blocked recipients: one client in ten has blocked the bot while it was away (it
never saw the block). A fan-out and then a second one go to everyone. Each blocked client gets
exactly one attempt, is marked unreachable, gets nothing after that, and is named in their
professional's digest; when they press Start again, messages reach them once more.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import col

from bot.clock import SystemClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.rig import (
    Rig,
    arrivals,
    drop_pending_updates,
    eventually,
    fanout_figures,
    outbox_rows,
    queue_fanout,
    wait_settled,
)
from chaos.seed import Person
from storage.db import session_scope
from storage.models import Client, Professional

NAME = "blocked"
CRITERION = (
    "attempts == blocked (one each), attempts_after_block == 0, marked_unreachable == blocked, "
    "named_in_digest == blocked, reenabled == blocked, lost == 0 among the others"
)


def run(quick: bool) -> Figures:
    return asyncio.run(_run(50 if quick else 1000))


async def _run(clients: int) -> Figures:
    now = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False) as sandbox,
    ):
        rig = Rig(Path(folder), sandbox.url, jobs={"sweep_seconds": 0.5})
        async with SandboxClient(sandbox.url) as control:
            professionals, people = await rig.people(control, clients, caseload=50)
            blocked = people[::10]
            for person in blocked:
                await control.block(person.user_id)
            await drop_pending_updates(sandbox.url)  # the bot was away: it never saw the blocks
            async with running_bot(rig.settings, SystemClock()):
                first = queue_fanout(rig, people, "first", now=now)
                settled = await wait_settled(rig, "first", within=120)
                second = queue_fanout(rig, people, "second", now=now)
                settled &= await wait_settled(rig, "second", within=120)
                sends = [r for r in await control.requests() if r["method"] == "sendMessage"]
                unreachable = _unreachable(rig)
                digests = await _digests(rig, control, professionals)
                after = await control.events()
                for person in blocked:
                    await control.start(person.user_id)  # "Restart": unblocks, then /start
                reenabled = await _reenabled(rig, blocked, within=30)
                third = queue_fanout(rig, blocked, "third", now=now)
                settled &= await wait_settled(rig, "third", within=60)
            arrived = await arrivals(control)
            third_rows = outbox_rows(rig, "third")
        rig.close()
    blocked_chats = {person.user_id for person in blocked}
    attempts = [r for r in sends if r["params"]["chat_id"] in blocked_chats]
    others_first = [item for item in first if item.chat_id not in blocked_chats]
    others_second = [item for item in second if item.chat_id not in blocked_chats]
    delivery = fanout_figures(others_first + others_second, arrived, {})
    figures: Figures = {
        "clients": clients,
        "blocked": len(blocked),
        "attempts": len(attempts),
        "attempts_after_block": len(attempts) - len({r["params"]["chat_id"] for r in attempts}),
        "marked_unreachable": len(unreachable & {p.client_id for p in blocked}),
        "wrongly_unreachable": len(unreachable - {p.client_id for p in blocked}),
        "named_in_digest": sum(1 for p in blocked if _named(p, digests, professionals)),
        "reenabled": reenabled,
        "reached_after_start": fanout_figures(third, arrived, third_rows)["delivered"],
        "lost": delivery["lost"],
        "duplicated": delivery["duplicated"],
        "events_before_restart": len(after),
        "settled": settled,
    }
    figures["met"] = (
        figures["attempts"] == figures["blocked"]
        and figures["attempts_after_block"] == 0
        and figures["marked_unreachable"] == figures["blocked"]
        and figures["wrongly_unreachable"] == 0
        and figures["named_in_digest"] == figures["blocked"]
        and figures["reenabled"] == figures["blocked"]
        and figures["reached_after_start"] == figures["blocked"]
        and figures["lost"] == 0
        and figures["duplicated"] == 0
        and settled
    )
    return figures


def _unreachable(rig: Rig) -> set[int]:
    with session_scope(rig.engine) as session:
        ids = session.execute(
            select(col(Client.id)).where(col(Client.unreachable_since).is_not(None))
        )
        return {int(found) for found in ids.scalars()}


async def _digests(rig: Rig, control: SandboxClient, professionals: list[Person]) -> dict[int, str]:
    """Make every professional's digest due now; the sweep sends them. Chat id -> text."""
    with session_scope(rig.engine) as session:
        session.execute(update(Professional).values(next_digest_at=datetime.now(UTC)))
    texts: dict[int, str] = {}
    for professional in professionals:
        message = await control.wait_for_bot_message(
            professional.user_id, predicate=lambda m: "Duwtje" in (m["text"] or ""), timeout=30
        )
        texts[professional.user_id] = message["plain_text"] or ""
    return texts


def _named(person: Person, digests: dict[int, str], professionals: list[Person]) -> bool:
    """Under "Niet bereikbaar" in their own professional's digest."""
    own = {p.user_id for p in professionals}
    for chat, text in digests.items():
        if chat in own and "Niet bereikbaar" in text:
            section = text.split("Niet bereikbaar", 1)[1]
            if f"{person.name}:" in section:
                return True
    return False


async def _reenabled(rig: Rig, blocked: list[Person], *, within: float) -> int:
    """How many of them are reachable again, once all are (or `within` seconds have passed)."""
    ids = {person.client_id for person in blocked}

    def count() -> int:
        with session_scope(rig.engine) as session:
            still = session.execute(
                select(col(Client.id)).where(
                    col(Client.id).in_(ids), col(Client.unreachable_since).is_not(None)
                )
            ).all()
        return len(ids) - len(still)

    await eventually(lambda: count() == len(ids), within=within, every=0.2)
    return count()
