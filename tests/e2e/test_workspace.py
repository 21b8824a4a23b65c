"""The professional's workspace end to end, over HTTP against the sandbox with the real bot:
Mirjam joins by invite, invites a pupil and a parent, sees the pupil's answer, reacts (the
pupil receives it), plans and prepares a meeting, marks one held, and receives at 08:30 the
next working day a digest with exactly the right items; revoked, she can do nothing.
Everything asserted is what the sandbox received."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.demo.story import WAIT, has_button, invite_parent, onboard, says
from bot.demo.world import DemoWorld, demo_world, local
from services.admin import invite_professional, revoke_professional
from storage.db import session_scope

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    async with demo_world() as running:  # strict: Telegram's limits as they are
        yield running
        assert (await running.client.stats())["too_many_requests"] == 0


async def test_a_professionals_week_from_invite_to_digest(world: DemoWorld) -> None:
    client = world.client
    result = await onboard(world)  # Monday 2 March: Mirjam joined, invited Sanne, confirmed
    mirjam, sanne = result.cast.professional, result.cast.pupil
    step1 = result.messages["step1"]

    # A parent for Sanne's traject: /nieuw, "Ouder", Sanne; Mirjam confirms it is Karin.
    _karin, joined = await invite_parent(world, mirjam)
    assert "Karin (Ouder) doet nu mee" in (joined["plain_text"] or "")

    # Sanne does her first step and writes something; Mirjam sees it on Sanne's page.
    await client.press(sanne, step1["message_id"], label=world.label("step.read"))
    await client.wait_for_bot_message(sanne, predicate=says("donderdag"), timeout=WAIT)
    await client.text(mirjam, "/overzicht")
    overview = await client.wait_for_bot_message(mirjam, predicate=says("Karin"), timeout=WAIT)
    await client.press(mirjam, overview["message_id"], label="Sanne")
    page = await client.wait_for_bot_message(
        mirjam, predicate=says("Spanning voor school: ✔ gedaan"), timeout=WAIT
    )
    assert "1 van 11 stappen" in (page["plain_text"] or "")

    # Mirjam reacts to the answer; Sanne receives it from Mirjam by name.
    await client.press(mirjam, page["message_id"], label="Antwoorden en reageren")
    card = await client.wait_for_bot_message(mirjam, predicate=has_button("Reageer"), timeout=WAIT)
    await client.press(mirjam, card["message_id"], label="Reageer")
    await client.wait_for_bot_message(mirjam, predicate=says("Typ je reactie"), timeout=WAIT)
    await client.text(mirjam, "Goed begin, Sanne!")
    reaction = await client.wait_for_bot_message(
        sanne, predicate=says("Goed begin, Sanne!"), timeout=WAIT
    )
    assert "Mirjam" in (reaction["plain_text"] or "")

    # She plans Thursday's meeting, prepares it, and marks today's talk as held.
    await client.press(mirjam, page["message_id"], label="Gesprek plannen")
    await client.wait_for_bot_message(mirjam, predicate=says("Wanneer"), timeout=WAIT)
    await client.text(mirjam, "05-03 14:00")
    await client.wait_for_bot_message(mirjam, predicate=says("05-03-2026 14:00"), timeout=WAIT)
    await client.text(mirjam, "/voorbereiding Sanne")
    prepared = await client.wait_for_bot_message(
        mirjam, predicate=says("Voorbereiding: Sanne"), timeout=WAIT
    )
    text = prepared["plain_text"] or ""
    assert "Gesprek: 05-03-2026 14:00" in text and "• Spanning voor school" in text
    await client.press(mirjam, prepared["message_id"], label="Gesprek gehouden")
    await client.wait_for_bot_message(
        mirjam, predicate=says("je sprak Sanne vandaag"), timeout=WAIT
    )

    # Tuesday 08:30: the digest, on time, with exactly these items.
    world.advance_to(local(3, 8, 31))
    digest = await client.wait_for_bot_message(
        mirjam, predicate=says("dit is er gebeurd"), timeout=WAIT
    )
    assert digest["date"].startswith("2026-03-03T07:3")  # 08:3x Amsterdam
    body = digest["plain_text"] or ""
    assert "Nieuw" in body and "• Sanne: 1 antwoord, nieuwste 02-03" in body
    assert "Karin:" not in body.split("Gesprekken")[0], "Karin did nothing yet"
    assert "Gesprekken deze week\n• Sanne: 05-03 14:00" in body
    for absent in ("Staat stil", "Open vragen", "Niet bereikbaar", "Nog te bevestigen"):
        assert absent not in body
    assert {b["text"] for row in digest["buttons"] for b in row} == {"Sanne"}

    # Revoked: Mirjam can do nothing; her clients go to Peter.
    peter = (await client.create_user(first_name="Peter", language_code="nl"))["id"]
    with session_scope(world.engine) as session:
        link = invite_professional(
            session=session,
            organisation_key="wijkteam-demo",
            name="Peter",
            bot_username=world.application.bot.username,
            now=world.clock.now(),
        )
    await client.start(peter, link.split("start=", 1)[1])
    await client.wait_for_bot_message(peter, predicate=says("Welkom Peter"), timeout=WAIT)
    with session_scope(world.engine) as session:
        revoke_professional(
            session=session, professional_id=1, transfer_to=2, now=world.clock.now()
        )
    pressed = await client.press(mirjam, digest["message_id"], label="Sanne")
    answer = await client.wait_for_event(
        lambda e: e["kind"] == "callback_answer" and e["chat_id"] == mirjam,
        after=pressed["seq"],
        timeout=WAIT,
    )
    assert "werkt niet meer" in str(answer["data"]), answer
    await client.text(mirjam, "/overzicht")
    reply = await client.wait_for_bot_message(mirjam, timeout=WAIT)
    assert "Sanne" not in (reply["plain_text"] or "") and "Karin" not in (reply["plain_text"] or "")
    await client.text(peter, "/overzicht")
    peters = await client.wait_for_bot_message(peter, predicate=says("Sanne"), timeout=WAIT)
    assert "Karin" in (peters["plain_text"] or "")
    world.advance_to(local(4, 8, 31))  # Wednesday's digest goes to Peter, not to Mirjam
    await client.wait_for_bot_message(peter, predicate=says("dit is er gebeurd"), timeout=WAIT)
    since_revoked = [
        e
        for e in await client.events(after=pressed["seq"])
        if e["chat_id"] == mirjam and e["kind"] == "bot_message"
    ]
    assert [e["message"]["plain_text"] for e in since_revoked if e["message"]] == [
        reply["plain_text"]
    ], "after revoking: only the answer a stranger gets"
    # What showed Sanne's answers is deleted from the revoked phone (paced, so waited for).
    for shown in (page, card, prepared):
        await client.wait_for_event(
            lambda e, shown=shown: (
                e["kind"] == "bot_delete"
                and e["chat_id"] == mirjam
                and e["message"] is not None
                and e["message"]["message_id"] == shown["message_id"]
            ),
            timeout=WAIT,
        )
