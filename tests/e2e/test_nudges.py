"""Nudges end to end, over HTTP against the sandbox with the real bot, on a virtual clock that
runs through three weeks of March 2026 (a school holiday from Saturday 7 until Sunday 15 March
for region "noord"):

- Sanne, a pupil, reads step 1 on Monday and lets step 2 (Thursday) wait: no nudge in the
  holiday, a welcome back on Monday 16 March at her moment, then the three rungs, which she
  ignores, and Mirjam is told at once (configured so);
- Daan, also a pupil, lets step 2 wait as well, answers rung 1 by carrying on, and his ladder
  starts over.

Everything asserted is what the sandbox received.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.demo.story import WAIT, has_button, invite_pupil, invite_token, onboard, says
from bot.demo.world import DemoWorld, demo_world
from bot.sandbox.client import MessageView
from storage.db import session_scope
from storage.models import Nudge

pytestmark = pytest.mark.e2e

AMS = ZoneInfo("Europe/Amsterdam")
HOLIDAY = {"name": "voorjaarsvakantie", "first": date(2026, 3, 7), "last": date(2026, 3, 15)}


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    extra = {
        "organisation": {"school_region": "noord"},
        "school_holidays": {"noord": [HOLIDAY]},
        "nudges": {"tell_professional": "at_once"},
        "jobs": {"sweep_seconds": 0.05},  # days go by quickly: the sweep looks often
    }
    async with demo_world(relaxed=True, extra=extra) as running:
        yield running


async def join_pupil(world: DemoWorld, mirjam: int, name: str) -> tuple[int, MessageView]:
    """Another pupil of Mirjam's, confirmed, with the afternoon as their moment."""
    client = world.client
    token = invite_token(await invite_pupil(world, mirjam))
    pupil = (await client.create_user(first_name=name, language_code="nl"))["id"]
    await client.start(pupil, token)
    notice = await client.wait_for_bot_message(
        pupil, predicate=has_button(world.label("consent.yes")), timeout=WAIT
    )
    await client.press(pupil, notice["message_id"], label=world.label("consent.yes"))
    moment = await client.wait_for_bot_message(
        pupil, predicate=has_button(world.label("moments.afternoon")), timeout=WAIT
    )
    yes = world.label("invites.confirm_yes", name=name)
    joined = await client.wait_for_bot_message(mirjam, predicate=has_button(yes), timeout=WAIT)
    await client.press(mirjam, joined["message_id"], label=yes)
    await client.press(pupil, moment["message_id"], label=world.label("moments.afternoon"))
    step1 = await client.wait_for_bot_message(
        pupil, predicate=has_button(world.label("step.read")), timeout=WAIT
    )
    return pupil, step1


async def bot_messages(
    world: DemoWorld, chat: int, after: int
) -> list[tuple[datetime, MessageView]]:
    """Every bot message to `chat` since event `after`, with its local time."""
    return [
        (datetime.fromisoformat(e["message"]["date"]).astimezone(AMS), e["message"])
        for e in await world.client.events(after=after)
        if e["kind"] == "bot_message" and e["chat_id"] == chat and e["message"] is not None
    ]


def labels(message: MessageView) -> set[str]:
    return {b["text"] for row in message["buttons"] for b in row}


def is_nudge(message: MessageView) -> bool:
    return bool({"Ik ga verder", "Een week pauze"} & labels(message))


async def next_afternoon(world: DemoWorld) -> None:
    """On to 16:00 in Amsterdam the next day, and time for a few sweeps and the sender."""
    now = world.clock.now().astimezone(AMS)
    following = datetime.combine(now.date() + timedelta(days=1), time(16, 0), tzinfo=AMS)
    world.advance_to(following)
    await asyncio.sleep(0.4)  # several sweeps (every 0.05 s) and the sender's drain


def ladder_of(world: DemoWorld, client_id: int) -> list[tuple[str, int, bool]]:
    """(kind, rung, followed) of what the nudge log holds for one client."""
    with session_scope(world.engine) as session:
        rows = session.execute(
            select(Nudge).where(Nudge.client_id == client_id).order_by(Nudge.id)  # type: ignore[arg-type]
        ).scalars()
        return [(n.kind, n.rung, n.followed_at is not None) for n in rows]


async def test_a_holiday_a_welcome_back_three_rungs_and_the_professional_told(
    world: DemoWorld,
) -> None:
    client = world.client
    result = await onboard(world)  # Monday 2 March, 09:xx
    mirjam, sanne = result.cast.professional, result.cast.pupil
    await client.press(
        sanne, result.messages["step1"]["message_id"], label=world.label("step.read")
    )
    await client.wait_for_bot_message(sanne, predicate=says("donderdag"), timeout=WAIT)
    daan, daan_step1 = await join_pupil(world, mirjam, "Daan")
    await client.press(daan, daan_step1["message_id"], label=world.label("step.read"))
    await client.wait_for_bot_message(daan, predicate=says("donderdag"), timeout=WAIT)
    since = (await client.events())[-1]["seq"]

    told: MessageView | None = None
    pressed_for_daan = False
    for _ in range(45):  # at most until mid-April
        await next_afternoon(world)
        if not pressed_for_daan and any(kind == "ladder" for kind, _, _ in ladder_of(world, 2)):
            # Daan answers rung 1 (after his welcome back) by carrying on.
            daans = [m for _, m in await bot_messages(world, daan, since) if is_nudge(m)]
            await client.press(daan, daans[-1]["message_id"], label="Ik ga verder")
            await asyncio.sleep(0.5)
            pressed_for_daan = True
        mine = [m for _, m in await bot_messages(world, mirjam, since)]
        told = next(
            (m for m in mine if "reageert niet op de duwtjes" in (m["plain_text"] or "")), None
        )
        if told is not None:
            break
    assert told is not None, "Mirjam hears when nudging did not help"
    assert "Sanne" in (told["plain_text"] or "")

    sannes = await bot_messages(world, sanne, since)
    # Nothing at all in her school holiday (no nudge, no check-in).
    assert [m for at, m in sannes if HOLIDAY["first"] <= at.date() <= HOLIDAY["last"]] == []
    # The first school day after it: the welcome back, at her moment.
    welcome_at, welcome = sannes[sannes.index(next(x for x in sannes if is_nudge(x[1])))]
    assert welcome_at.date() == date(2026, 3, 16) and 15 <= welcome_at.hour <= 18
    assert "Welkom terug" in (welcome["plain_text"] or "") or "vakantie" in (
        welcome["plain_text"] or ""
    )
    # Then rungs 1 to 3, which she ignores; the last asks what suits her.
    nudges = [(at, m) for at, m in sannes if is_nudge(m)]
    assert len(nudges) == 4, [(at.isoformat(), (m["plain_text"] or "")[:40]) for at, m in nudges]
    assert labels(nudges[-1][1]) == {"Een week pauze", "Ik ga verder", "Even praten met Mirjam"}
    assert told is not None
    # Never two automatic messages on one day; none at night.
    days = [at.date() for at, m in sannes if is_nudge(m) or "check-in" in (m["plain_text"] or "")]
    assert len(days) == len(set(days)), days
    assert all(8 <= at.hour < 21 for at, _ in sannes)
    assert [
        (kind, rung)
        for kind, rung, _ in ladder_of(world, 1)
        if kind != "checkin" and kind != "reminder"
    ] == [("welcome", 0), ("ladder", 1), ("ladder", 2), ("ladder", 3)]

    # Daan carried on after his first nudge: it counts as followed, and his ladder started over.
    assert pressed_for_daan
    daans = [
        (kind, rung, followed) for kind, rung, followed in ladder_of(world, 2) if kind == "ladder"
    ]
    assert daans[0][1] == 1 and daans[0][2], f"rung 1, followed within 48 hours: {daans}"
    assert [rung for _, rung, _ in daans[1:2]] in ([], [1]), f"no rung 2: started over {daans}"
