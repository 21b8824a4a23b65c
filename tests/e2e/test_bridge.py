"""The bridge to a human end to end, over HTTP against the sandbox with the real bot (issue 9):

- a question with a photo, and a voice note, make the round trip: Mirjam gets them with
  Sanne's name and answers with a Telegram reply; a parent's question reaches Mirjam marked as
  from Sanne's parent; Sanne's crisis message never reaches her parent;
- an appointment is requested, moved, confirmed and reminded the day before;
- every crisis phrase of both lists brings the help numbers and an immediate alert, and an
  ordinary "ik ga dood van het lachen" is offered as a question instead.

Everything asserted is what the sandbox received.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.story import (
    WAIT,
    edited,
    has_button,
    invite_parent,
    invite_pupil,
    invite_token,
    onboard,
    says,
)
from bot.demo.world import DemoWorld, demo_world
from bot.sandbox.client import MessageView

pytestmark = pytest.mark.e2e

SAFETY = Path(__file__).resolve().parents[2] / "content" / "safety"


def phrases(language: str) -> list[str]:
    data = tomllib.loads((SAFETY / f"{language}.toml").read_text(encoding="utf-8"))
    found: list[str] = data["phrases"]
    return found


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    extra = {
        "jobs": {"sweep_seconds": 0.05},
        # Every phrase is sent within seconds: far above the flood limit, which has its tests.
        "privacy": {"flood_per_minute": 1000},
    }
    async with demo_world(relaxed=True, extra=extra) as running:
        yield running
        assert (await running.client.stats())["spec_violations"] == []


def button_labels(message: MessageView) -> list[str]:
    return [b["text"] for row in message["buttons"] for b in row]


async def send_as_question(world: DemoWorld, who: int, offer: MessageView) -> None:
    await world.client.press(who, offer["message_id"], label=world.label("question.send"))


async def test_questions_with_a_photo_and_a_voice_note_and_a_parents_question(
    world: DemoWorld,
) -> None:
    client = world.client
    result = await onboard(world)  # Monday 2 March, 09:xx
    mirjam, sanne = result.cast.professional, result.cast.pupil
    await client.press(sanne, result.messages["step1"]["message_id"], label="Gelezen ✔")
    await client.wait_for_bot_message(sanne, predicate=says("donderdag"), timeout=WAIT)

    # A photo with a question: offered, sent, and Mirjam gets the words and the photo.
    await client.photo(sanne, caption="Is dit het goede rooster?")
    offer = await client.wait_for_bot_message(
        sanne, predicate=has_button(world.label("question.send")), timeout=WAIT
    )
    assert "als vraag naar Mirjam sturen" in (offer["plain_text"] or "")
    await send_as_question(world, sanne, offer)
    relay = await client.wait_for_bot_message(
        mirjam, predicate=says("Is dit het goede rooster?"), timeout=WAIT
    )
    assert "Vraag van Sanne" in (relay["plain_text"] or "")
    assert button_labels(relay) == ["Beantwoorden", "Afgehandeld"]
    picture = await client.wait_for_bot_message(
        mirjam, predicate=lambda m: bool(m["attachments"]), timeout=WAIT
    )
    assert picture["attachments"][0]["kind"] == "photo"
    assert "Bij de vraag van Sanne" in (picture["plain_text"] or "")
    sent = await edited(world, sanne, offer["message_id"], says("Verstuurd naar Mirjam"))
    assert "meestal binnen 2 werkdagen" in (sent["plain_text"] or "")
    assert "Liever langskomen of bellen? Dorpsstraat 1" in (sent["plain_text"] or "")

    # Mirjam answers with a Telegram reply to the relayed question.
    await client.text(mirjam, "Ja, dat is hem. Tot donderdag!", reply_to=relay["message_id"])
    answer = await client.wait_for_bot_message(
        sanne, predicate=says("Ja, dat is hem. Tot donderdag!"), timeout=WAIT
    )
    assert "Mirjam antwoordt op je vraag" in (answer["plain_text"] or "")
    assert "Is dit het goede rooster?" in (answer["plain_text"] or "")

    # A voice note is relayed as a voice note.
    await client.voice(sanne, duration=4)
    offer = await client.wait_for_bot_message(
        sanne, predicate=has_button(world.label("question.send")), timeout=WAIT
    )
    await send_as_question(world, sanne, offer)
    voice = await client.wait_for_bot_message(
        mirjam,
        predicate=lambda m: any(a["kind"] == "voice" for a in m["attachments"]),
        timeout=WAIT,
    )
    assert "Bij de vraag van Sanne" in (voice["plain_text"] or "")

    # Karin, Sanne's mother, asks too: it reaches Mirjam, marked as from Sanne's parent.
    karin, _ = await invite_parent(world, mirjam)
    await client.text(karin, "Kan ik donderdag ook bij het gesprek zijn?")
    offer = await client.wait_for_bot_message(
        karin, predicate=has_button(world.label("question.send")), timeout=WAIT
    )
    await send_as_question(world, karin, offer)
    relay = await client.wait_for_bot_message(
        mirjam, predicate=says("Kan ik donderdag ook bij het gesprek zijn?"), timeout=WAIT
    )
    assert "Vraag van Karin (ouder van Sanne)" in (relay["plain_text"] or "")

    # Sanne's crisis message goes to Mirjam, never to her parent.
    since = (await client.events())[-1]["seq"]
    await client.text(sanne, "thuis is het niet meer veilig")
    await client.wait_for_bot_message(sanne, predicate=says("0800-2000"), timeout=WAIT)
    await client.wait_for_bot_message(mirjam, predicate=says("niet meer veilig"), timeout=WAIT)
    await asyncio.sleep(0.3)
    to_karin = [
        e
        for e in await client.events(after=since)
        if e["kind"] == "bot_message" and e["chat_id"] == karin
    ]
    assert to_karin == []


async def test_an_appointment_is_requested_moved_confirmed_and_reminded(world: DemoWorld) -> None:
    client = world.client
    result = await onboard(world)  # Monday 2 March, 09:xx
    mirjam, sanne = result.cast.professional, result.cast.pupil

    await client.text(sanne, "/afspraak")
    menu = await client.wait_for_bot_message(sanne, predicate=has_button("Bellen"), timeout=WAIT)
    await client.press(sanne, menu["message_id"], label="Videobellen")
    moments = await edited(world, sanne, menu["message_id"], says("moment past je"))
    assert button_labels(moments) == [
        "di 03-03 10:00",
        "di 03-03 14:00",
        "wo 04-03 10:00",
        "wo 04-03 14:00",
    ]
    await client.press(sanne, menu["message_id"], label="di 03-03 10:00")
    request = await client.wait_for_bot_message(
        mirjam, predicate=says("vraagt een afspraak"), timeout=WAIT
    )
    assert "Videobellen, dinsdag 03-03 om 10:00" in (request["plain_text"] or "")

    # Mirjam cannot then: she proposes Wednesday; Sanne moves it to Wednesday afternoon.
    await client.press(mirjam, request["message_id"], label="Ander moment")
    other = await edited(world, mirjam, request["message_id"], says("Welk moment stel je"))
    await client.press(mirjam, other["message_id"], label="wo 04-03 10:00")
    proposal = await client.wait_for_bot_message(sanne, predicate=says("stelt voor"), timeout=WAIT)
    await client.press(sanne, proposal["message_id"], label="Verzetten")
    await edited(world, sanne, proposal["message_id"], says("moment past je"))
    await client.press(sanne, proposal["message_id"], label="wo 04-03 14:00")
    moved = await client.wait_for_bot_message(
        mirjam, predicate=says("wil de afspraak verzetten"), timeout=WAIT
    )
    assert "woensdag 04-03 om 14:00" in (moved["plain_text"] or "")
    await client.press(mirjam, moved["message_id"], label="Accepteren")
    confirmed = await client.wait_for_bot_message(
        sanne, predicate=says("Afgesproken met Mirjam"), timeout=WAIT
    )
    assert "Videobellen, woensdag 04-03 om 14:00" in (confirmed["plain_text"] or "")
    await client.wait_for_bot_message(mirjam, predicate=says("Afgesproken met Sanne"), timeout=WAIT)

    # The day before, at the same time: both are reminded.
    world.advance_to(datetime(2026, 3, 3, 13, 0, 30, tzinfo=UTC))  # Tuesday 14:00:30 local
    reminder = await client.wait_for_bot_message(sanne, predicate=says("Morgen:"), timeout=WAIT)
    assert "Videobellen met Mirjam, woensdag 04-03 om 14:00" in (reminder["plain_text"] or "")
    assert button_labels(reminder) == ["Verzetten", "Afzeggen"]
    await client.wait_for_bot_message(mirjam, predicate=says("Morgen: Videobellen"), timeout=WAIT)


async def join_english_pupil(world: DemoWorld, mirjam: int) -> int:
    client = world.client
    token = invite_token(await invite_pupil(world, mirjam))
    tom = (await client.create_user(first_name="Tom", language_code="en"))["id"]
    await client.start(tom, token)
    notice = await client.wait_for_bot_message(
        tom, predicate=has_button("Yes, I'll join"), timeout=WAIT
    )
    await client.press(tom, notice["message_id"], label="Yes, I'll join")
    yes = world.label("invites.confirm_yes", name="Tom")
    joined = await client.wait_for_bot_message(mirjam, predicate=has_button(yes), timeout=WAIT)
    await client.press(mirjam, joined["message_id"], label=yes)
    return int(tom)


async def test_every_crisis_phrase_brings_help_and_an_alert(world: DemoWorld) -> None:
    client = world.client
    result = await onboard(world)
    mirjam, sanne = result.cast.professional, result.cast.pupil
    tom = await join_english_pupil(world, mirjam)

    since = (await client.events())[-1]["seq"]
    sent: list[tuple[int, str]] = [(sanne, f"Ik denk: {p}") for p in phrases("nl")]
    sent += [(tom, f"I think: {p}") for p in phrases("en")]
    for who, text in sent:
        await client.text(who, text)
    await client.text(sanne, "Ik ga dood van het lachen om die video")

    def bot_messages(events: list, chat: int) -> list[MessageView]:  # type: ignore[type-arg]
        return [
            e["message"]
            for e in events
            if e["kind"] == "bot_message" and e["chat_id"] == chat and e["message"] is not None
        ]

    deadline = asyncio.get_running_loop().time() + 30
    while True:
        events = await client.events(after=since)
        alerts = [
            m for m in bot_messages(events, mirjam) if "Ik neem contact op" in button_labels(m)
        ]
        if len(alerts) >= len(sent) or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    help_nl = [m for m in bot_messages(events, sanne) if "0800-0113" in (m["plain_text"] or "")]
    help_en = [m for m in bot_messages(events, tom) if "0800-0113" in (m["plain_text"] or "")]
    assert len(help_nl) == len(phrases("nl")) and len(help_en) == len(phrases("en"))
    assert all("Bel nu" in (m["plain_text"] or "") for m in help_nl)
    assert all("Call now" in (m["plain_text"] or "") for m in help_en)
    assert all("chatbot" in (m["plain_text"] or "") for m in help_nl + help_en)
    alerted = "\n".join(m["plain_text"] or "" for m in alerts)
    for _who, text in sent:
        assert text in alerted, f"no alert for {text!r}"
    assert len(alerts) == len(sent)
    # The ordinary one: offered as a question, no help numbers, no alert.
    offers = [m for m in bot_messages(events, sanne) if "als vraag naar" in (m["plain_text"] or "")]
    assert len(offers) == 1
    assert "lachen" not in alerted


INJECTIONS = [
    "{{7*7}}",
    "<b>vet</b> & <script>",
    "Tom &amp; Jerry &",
    "\u202eesrever thgir-ot-tfel",
    "lang " * 800,
]


async def test_typed_injections_reach_the_professional_as_typed_and_telegram_parses_all(
    world: DemoWorld,
) -> None:
    """Catalogue item 13 against the sandbox, which parses every HTML message as Telegram does:
    0 template evaluations, 0 refused requests."""
    client = world.client
    result = await onboard(world)
    mirjam, sanne = result.cast.professional, result.cast.pupil
    for text in INJECTIONS:
        await client.text(sanne, text)
        offer = await client.wait_for_bot_message(
            sanne, predicate=has_button(world.label("question.send")), timeout=WAIT
        )
        await send_as_question(world, sanne, offer)
        shown = text.strip()[:200]
        relay = await client.wait_for_bot_message(mirjam, predicate=says(shown), timeout=WAIT)
        assert "49" not in (relay["plain_text"] or "")
    assert (await client.stats())["refused"] == {}
