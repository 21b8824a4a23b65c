"""A peer group of carers end to end, over HTTP against the sandbox with the real bot (issue 11):
linking with a code, the welcome, a weekly meeting with both reminders and the live count, a
weekly conversation starter, an anonymous poll whose totals reach the digest, the group becoming
a supergroup half-way, and the bot removed at the end. Everything asserted is what the sandbox
received; tests/conftest.py checks afterwards that no bot message in the group named anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.demo.story import WAIT, has_button, says
from bot.demo.world import DemoWorld, demo_world
from bot.sandbox.client import MessageView

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    extra = {"jobs": {"sweep_seconds": 0.05}, "groups": {"poll_open_hours": 24}}
    async with demo_world(relaxed=True, extra=extra) as running:
        yield running
        assert (await running.client.stats())["spec_violations"] == []


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 given in Amsterdam's winter time (UTC+1)."""
    return datetime(2026, 3, day, hour - 1, minute, 30, tzinfo=UTC)


async def edited_to(world: DemoWorld, chat: int, fragment: str, after: int) -> MessageView:
    """The message as the bot edited it after event `after`, once it says `fragment`."""
    event = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit"
            and e["chat_id"] == chat
            and e["message"] is not None
            and fragment in (e["message"]["plain_text"] or "")
        ),
        after=after,
        timeout=WAIT,
    )
    assert event["message"] is not None
    return event["message"]


def url_buttons(message: MessageView) -> list[str]:
    return [b["url"] or "" for row in message["buttons"] for b in row if b["url"]]


async def test_a_carers_group_from_linking_to_removal(world: DemoWorld) -> None:
    client = world.client
    mirjam = (await client.create_user(first_name="Mirjam", language_code="nl"))["id"]
    anja, bert, kees, lies = [
        (await client.create_user(first_name=name, language_code="nl"))["id"]
        for name in ("Anja", "Bert", "Kees", "Lies")
    ]
    link = world.invite_professional("Mirjam")
    await client.start(mirjam, link.split("start=")[1])
    await client.wait_for_bot_message(mirjam, predicate=says("Welkom Mirjam"), timeout=WAIT)

    # Linking: a code in her private chat; the bot added to the group; /koppel CODE there.
    await client.text(mirjam, "/nieuwegroep")
    made = await client.wait_for_bot_message(mirjam, predicate=says("/koppel"), timeout=WAIT)
    code = (made["plain_text"] or "").split("/koppel ")[1].split()[0]
    group = await client.create_group(title="Mantelzorg Noord", members=[mirjam, anja, bert])
    chat = group["id"]
    hello = await client.wait_for_bot_message(
        chat, predicate=says("nog niet gekoppeld"), timeout=WAIT
    )
    assert "60 minuten" in (hello["plain_text"] or "")
    await client.text(mirjam, f"/koppel {code}", chat_id=chat)
    await client.wait_for_bot_message(chat, predicate=says("hoor nu bij deze groep"), timeout=WAIT)
    await client.wait_for_bot_message(mirjam, predicate=says("is gekoppeld"), timeout=WAIT)

    # Welcome: one for two people joining at once, with the rules and a private link.
    await client.join(chat, kees)
    await client.join(chat, lies)
    welcome = await client.wait_for_bot_message(
        chat, predicate=says("Welkom in de groep"), timeout=WAIT
    )
    assert "blijft in de groep" in (welcome["plain_text"] or "")
    [private] = url_buttons(welcome)
    assert private.startswith(f"https://t.me/{world.application.bot.username}?start=")

    # A weekly meeting, planned in her private chat from the group's page.
    await client.text(mirjam, "/groepen")
    listing = await client.wait_for_bot_message(mirjam, predicate=says("Je groepen"), timeout=WAIT)
    await client.press(mirjam, listing["message_id"], label="Mantelzorg Noord")
    page = await client.wait_for_event(
        lambda e: e["kind"] == "bot_edit" and e["chat_id"] == mirjam, timeout=WAIT
    )
    assert page["message"] is not None
    await client.press(mirjam, page["message"]["message_id"], label="Bijeenkomst plannen")
    await client.wait_for_bot_message(mirjam, predicate=says("videolink"), timeout=WAIT)
    await client.text(mirjam, "05-03 19:30 https://meet.jit.si/mantelzorg-noord elke week")
    await client.wait_for_bot_message(mirjam, predicate=says("Gepland"), timeout=WAIT)
    announced = await client.wait_for_bot_message(
        chat, predicate=says("Nieuwe bijeenkomst"), timeout=WAIT
    )
    assert "donderdag 05-03 om 19:30" in (announced["plain_text"] or "")
    assert url_buttons(announced) == ["https://meet.jit.si/mantelzorg-noord"]
    for who in (anja, bert, lies):
        await client.press(who, announced["message_id"], label="Ik kom", chat_id=chat)
    await client.press(kees, announced["message_id"], label="Ik kom niet", chat_id=chat)
    await client.press(lies, announced["message_id"], label="Ik kom niet", chat_id=chat)
    await client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit"
            and e["chat_id"] == chat
            and e["message"] is not None
            and "2 mensen komen" in (e["message"]["plain_text"] or "")
        ),
        timeout=WAIT,
    )

    # The rhythm: the question of the week on Tuesdays, the poll on Wednesdays.
    page_id = page["message"]["message_id"]

    async def choose(button: str, day: str, shown: str) -> None:
        pressed = await client.press(mirjam, page_id, label=button)
        menu = await edited_to(world, mirjam, "Op welke dag", pressed["seq"])
        # By its data: the same day label was on the other menu's earlier version too.
        [data] = [b["callback_data"] for row in menu["buttons"] for b in row if b["text"] == day]
        pressed = await client.press(mirjam, page_id, data=data)
        await edited_to(world, mirjam, shown, pressed["seq"])

    await choose("Vraag van de week", "di", "Vraag van de week: dinsdag")
    await choose("Peiling", "wo", "Peiling: woensdag")

    world.advance_to(at(3, 10))  # Tuesday 10:00
    prompt = await client.wait_for_bot_message(
        chat, predicate=says("Vraag van de week"), timeout=WAIT
    )
    assert prompt["plain_text"]

    # Half-way the group becomes a supergroup: a new id, and everything follows it.
    moved = await client.migrate(chat, mirjam)
    supergroup = moved["chat_id"]
    assert supergroup != chat

    world.advance_to(at(4, 10))  # Wednesday 10:00: the poll, in the supergroup
    poll = await client.wait_for_bot_message(
        supergroup, predicate=lambda m: bool(m["attachments"]), timeout=WAIT
    )
    [attachment] = poll["attachments"]
    assert attachment["kind"] == "poll" and attachment["question"] == "Hoe zwaar was je week?"
    for who, option in ((anja, 2), (bert, 1), (kees, 2), (lies, 3)):
        await client.vote(who, supergroup, poll["message_id"], [option])

    world.advance_to(at(4, 19, 30))  # Wednesday 19:30: the day before
    await client.wait_for_bot_message(
        supergroup, predicate=says("Morgen: bijeenkomst"), timeout=WAIT
    )
    # Thursday 10:05: the poll has been open 24 hours; it ends, and the digest due since 08:30
    # has its totals (only totals: nobody's vote).
    world.advance_to(at(5, 10, 5))
    await client.wait_for_event(lambda e: e["kind"] == "poll_stopped", timeout=WAIT)
    digest = await client.wait_for_bot_message(mirjam, predicate=says("Je groepen"), timeout=WAIT)
    text = digest["plain_text"] or ""
    assert "Mantelzorg Noord" in text
    assert "Hoe zwaar was je week? (4 stemmen): Licht 0, Het ging wel 1, Zwaar 2, Heel zwaar 1" in (
        text
    )
    world.advance_to(at(5, 18, 30))  # Thursday 18:30: an hour before
    hour = await client.wait_for_bot_message(
        supergroup, predicate=says("Over een uur"), timeout=WAIT
    )
    assert "2 mensen komen" in (hour["plain_text"] or "")

    # Friday 08:30: the digest has the meeting and how many said they would come.
    world.advance_to(at(6, 8, 31))
    digest = await client.wait_for_bot_message(
        mirjam, predicate=says("Bijeenkomst 05-03 19:30: 2 zeiden te komen"), timeout=WAIT
    )
    for name in ("Anja", "Bert", "Kees", "Lies"):
        assert name not in (digest["plain_text"] or ""), "totals, not who voted or came"
    world.advance_to(at(6, 9, 1))
    after = await client.wait_for_bot_message(
        supergroup, predicate=lambda m: bool(m["attachments"]), timeout=WAIT
    )
    assert after["attachments"][0]["question"] == "Hoe was de bijeenkomst?"
    world.advance_to(at(7, 10, 1))  # Saturday: the next meeting of the series is announced
    nxt = await client.wait_for_bot_message(
        supergroup, predicate=says("Nieuwe bijeenkomst"), timeout=WAIT
    )
    assert "donderdag 12-03 om 19:30" in (nxt["plain_text"] or "")

    # Removed: the group goes inactive, Mirjam hears it once, and nothing more goes there.
    await client.remove_bot(supergroup, anja)
    told = await client.wait_for_bot_message(
        mirjam, predicate=says("uit de groep gehaald"), timeout=WAIT
    )
    assert "Mantelzorg Noord" in (told["plain_text"] or "")
    before = len(await client.messages(supergroup))
    world.advance_to(at(10, 10, 1))  # next Tuesday: no question of the week any more
    await client.text(mirjam, "/groepen")
    # The listing, not Tuesday's digest (due since Monday, it went at the same moment and has
    # "Je groepen" too): only the listing has the group's button.
    listing = await client.wait_for_bot_message(
        mirjam,
        predicate=lambda m: says("Je groepen")(m) and has_button("Mantelzorg Noord")(m),
        timeout=WAIT,
    )
    assert "ik kan er niets heen sturen" in (listing["plain_text"] or "")
    assert len(await client.messages(supergroup)) == before
    assert (await client.stats())["too_many_requests"] == 0
    assert has_button("Mantelzorg Noord")(listing)
