"""Learning lines end to end over the sandbox: a pupil (with a linked parent) through the whole
fear-of-failure line, a carer through the carer line, and the intake's six scores. What is
stored must be exactly what the people sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.demo.story import (
    Cast,
    StoryResult,
    bind_professional,
    has_button,
    invite_pupil,
    invite_token,
)
from bot.demo.world import DemoWorld, demo_world, local
from bot.sandbox.shapes import MessageView
from content.lines import Step, StepKind
from storage.db import session_scope
from storage.models import Client, Reply, Traject, TrajectStatus

pytestmark = pytest.mark.e2e
WAIT = 15.0

Expected = tuple[int, str, str | None, str | None, str | None, str | None]


@dataclass
class Walk:
    """People in the sandbox, and every answer they gave, to compare with what was stored."""

    world: DemoWorld
    professional: int = 0
    client: int = 0
    parent: int = 0
    client_id: int = 0  # database ids
    parent_id: int = 0
    expected: list[Expected] = field(default_factory=list)
    seq: int = 0

    async def act(self, action: Callable[[], object]) -> None:
        result = await action()  # type: ignore[misc]
        self.seq = result["seq"]

    async def next_message(
        self, chat: int, ready: Callable[[MessageView], bool] | None = None
    ) -> MessageView:
        event = await self.world.client.wait_for_event(
            lambda e: (
                e["kind"] == "bot_message"
                and e["chat_id"] == chat
                and e["message"] is not None
                and (ready is None or ready(e["message"]))
            ),
            after=self.seq,
            timeout=WAIT,
        )
        assert event["message"] is not None
        return event["message"]

    async def press(self, chat: int, message: MessageView, label: str) -> None:
        await self.act(lambda: self.world.client.press(chat, message["message_id"], label=label))

    async def say(self, chat: int, text: str) -> None:
        await self.act(lambda: self.world.client.text(chat, text))

    def expect(
        self,
        who: int,
        kind: str,
        step: str | None,
        item: str | None = None,
        value: str | None = None,
        text: str | None = None,
    ) -> None:
        self.expected.append((who, kind, step, item, value, text))

    def stored(self) -> list[Expected]:
        world = self.world
        cipher = world.application.bot_data["runtime"].cipher
        with session_scope(world.engine) as session:
            rows = session.execute(select(Reply).order_by(Reply.id)).scalars().all()
            return [
                (
                    r.client_id,
                    r.kind,
                    r.step_key,
                    r.item_key,
                    r.value,
                    cipher.decrypt(r.text_enc) if r.text_enc else None,
                )
                for r in rows
            ]


def says(fragment: str) -> Callable[[MessageView], bool]:
    return lambda m: fragment in (m["plain_text"] or "")


async def join(world: DemoWorld, role: str, line: str) -> Walk:
    """A professional invites a client to `line`; the client agrees and picks "Na school"."""
    client = world.client
    walk = Walk(world)
    mirjam = await client.create_user(first_name="Mirjam", language_code="nl")
    person = await client.create_user(
        first_name="Sanne" if role == "pupil" else "Joop", language_code="nl"
    )
    walk.professional, walk.client = mirjam["id"], person["id"]
    await bind_professional(world, mirjam["id"], StoryResult(Cast()))
    if role == "pupil":
        token = invite_token(await invite_pupil(world, mirjam["id"], line))
    else:
        token = await _invite(world, walk, role, line)
    await walk.act(lambda: client.start(person["id"], token))
    notice = await walk.next_message(person["id"], has_button("Ja, ik doe mee"))
    await walk.press(person["id"], notice, "Ja, ik doe mee")
    ask = await walk.next_message(person["id"], has_button("Na school (15:30)"))
    await walk.press(person["id"], ask, "Na school (15:30)")
    walk.client_id = _client_id(world, person["id"])
    return walk


async def _invite(world: DemoWorld, walk: Walk, role: str, line: str) -> str:
    labels = {"carer": "Mantelzorger", "resident": "Bewoner"}
    await walk.say(walk.professional, "/nieuw")
    roles = await walk.next_message(walk.professional, has_button(labels[role]))
    await walk.press(walk.professional, roles, labels[role])
    event = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit"
            and e["chat_id"] == walk.professional
            and any(
                (b["callback_data"] or "").endswith(f":{line}")
                for row in (e["message"] or {}).get("buttons", [])
                for b in row
            )
        ),
        after=walk.seq,
        timeout=WAIT,
    )
    assert event["message"] is not None
    [data] = [
        b["callback_data"]
        for row in event["message"]["buttons"]
        for b in row
        if (b["callback_data"] or "").endswith(f":{line}")
    ]
    await walk.act(
        lambda: world.client.press(walk.professional, event["message"]["message_id"], data=data)
    )
    done = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit" and "start=" in ((e["message"] or {}).get("plain_text") or "")
        ),
        after=walk.seq,
        timeout=WAIT,
    )
    return (done["message"]["plain_text"] or "").split("start=")[1].split()[0]  # type: ignore[index]


def _client_id(world: DemoWorld, telegram_id: int) -> int:
    with session_scope(world.engine) as session:
        return session.execute(
            select(Client.id).where(Client.telegram_user_id == telegram_id)  # type: ignore[call-overload]
        ).scalar_one()


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    async with demo_world(relaxed=True, keep_media=True) as running:
        yield running
        assert (await running.client.stats())["spec_violations"] == []


async def invite_parent(walk: Walk) -> None:
    world, client = walk.world, walk.world.client
    karin = await client.create_user(first_name="Karin", language_code="nl")
    walk.parent = karin["id"]
    await walk.say(walk.professional, "/nieuw")
    roles = await walk.next_message(walk.professional, has_button("Ouder"))
    await walk.press(walk.professional, roles, "Ouder")
    event = await client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit"
            and "Bij welke leerling" in ((e["message"] or {}).get("plain_text") or "")
        ),
        after=walk.seq,
        timeout=WAIT,
    )
    assert event["message"] is not None
    await walk.press(walk.professional, event["message"], event["message"]["buttons"][0][0]["text"])
    done = await client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit" and "start=" in ((e["message"] or {}).get("plain_text") or "")
        ),
        after=walk.seq,
        timeout=WAIT,
    )
    token = (done["message"]["plain_text"] or "").split("start=")[1].split()[0]  # type: ignore[index]
    await walk.act(lambda: client.start(karin["id"], token))
    notice = await walk.next_message(karin["id"], has_button("Ja, ik doe mee"))
    await walk.press(karin["id"], notice, "Ja, ik doe mee")
    welcome = await walk.next_message(karin["id"], says("samen met Sanne"))
    assert "niet" in (welcome["plain_text"] or "")  # what Sanne does alone stays hers
    walk.parent_id = _client_id(world, karin["id"])


async def do_step(walk: Walk, step: Step, message: MessageView) -> int:
    """Answer one step the way a pupil would; note what must be stored. Returns the event
    after which the bot says what comes next."""
    me, key = walk.client, step.key
    if step.kind == StepKind.INFO:
        await walk.press(me, message, "Gelezen ✔")
        walk.expect(walk.client_id, "done", key)
    elif step.kind == StepKind.EXERCISE:
        await walk.press(me, message, "Klaar ✔")
        walk.expect(walk.client_id, "done", key)
        answered = walk.seq
        if step.question is not None:
            await walk.next_message(me, says("Nog één vraag"))
            words = f"Mijn antwoord bij {key}."
            await walk.say(me, words)
            await walk.next_message(me, says("ik heb het bewaard"))
            walk.expect(walk.client_id, "reflection", key, text=words)
        return answered
    elif step.kind == StepKind.CHOICE:
        option = step.options[1]
        await walk.press(me, message, option.label.nl)
        walk.expect(walk.client_id, "choice", key, value=option.key)
    elif step.kind == StepKind.SCALE:
        assert step.scale is not None
        label = step.scale.labels[2] if step.scale.labels else str(step.scale.min + 2)
        await walk.press(me, message, label)
        walk.expect(walk.client_id, "scale", key, value=str(step.scale.min + 2))
    elif step.kind == StepKind.QUESTION:
        words = f"Wat ik denk bij {key}: het gaat steeds beter."
        await walk.say(me, words)
        walk.expect(walk.client_id, "text", key, text=words)
    return walk.seq


def next_or_end(message: MessageView) -> bool:
    text = message["plain_text"] or ""
    return (
        "Nu verder" in str(message["buttons"]) or "alle stappen" in text or ("staat klaar" in text)
    )


async def carry_on(walk: Walk, after: int) -> MessageView | None:
    """After a step: "Nu verder" to get the next one now; None at the end of the line."""
    me = walk.client
    walk.seq = after
    following = await walk.next_message(me, next_or_end)
    if "alle stappen" in (following["plain_text"] or ""):
        return None
    if "Nu verder" in str(following["buttons"]):
        await walk.press(me, following, "Nu verder")
        return await walk.next_message(me, says("staat klaar"))
    return following


async def test_a_pupil_and_a_parent_go_through_the_whole_line(world: DemoWorld) -> None:
    line = world.application.bot_data["runtime"].content.line("faalangst")
    walk = await join(world, "pupil", "faalangst")
    me, client = walk.client, world.client
    message = await walk.next_message(me, says("staat klaar"))
    await invite_parent(walk)

    # A voice note along the way: logged, (this organisation keeps media) kept encrypted, and
    # offered as a question.
    await walk.act(lambda: client.voice(me, content=b"OggS..."))
    await walk.next_message(me, says("als vraag naar Mirjam sturen"))
    walk.expect(walk.client_id, "voice", None)

    for number, step in enumerate(line.sequence()):
        assert step.title.nl in (message["plain_text"] or ""), step.key
        if number == 1:  # snooze once, then ask for it early after all
            await walk.press(me, message, "Later")
            await walk.next_message(me, says("nog een keer"))
            await walk.say(me, "/oefening")
            message = await walk.next_message(me, says(step.title.nl))
        if number == 2:  # a week passes: the weekly check-in comes, answered by button
            world.advance_to(local(9, 16))  # Monday next week, after 15:30
            check = await walk.next_message(me, says("check-in"))
            await walk.press(me, check, check["buttons"][0][3]["text"])
            weekly = line.recurring()[0]
            walk.expect(walk.client_id, "checkin", weekly.key, weekly.items[0].key, value="4")
            await walk.next_message(me, says("Je antwoorden zijn bewaard"))
        if number == 3:  # a week's pause, and back
            await walk.say(me, "/pauze")
            menu = await walk.next_message(me, has_button("Een week"))
            await walk.press(me, menu, "Een week")
            await walk.next_message(me, says("pauze tot"))
            await walk.say(me, "/verder")
            message = await walk.next_message(me, says(step.title.nl))
        if step.audience == "together":
            parent_copy = await walk.next_message(walk.parent, says(step.title.nl))
            assert "samen met je kind" in (parent_copy["plain_text"] or "")
            if not step.shared:
                # The parent presses first; the pupil's button is then stale.
                await walk.press(walk.parent, parent_copy, "Klaar ✔")
                walk.expect(walk.parent_id, "done", step.key)
                await walk.next_message(me, has_button("Nu verder"))  # done: the next planned
                await walk.press(me, message, "Klaar ✔")
                await client.wait_for_event(
                    lambda e: e["kind"] == "callback_answer", after=walk.seq, timeout=WAIT
                )
                assert (await client.callback_answers())[-1]["text"] == "Deze stap is al klaar."
                planned = await walk.next_message(me, says("Wil je hem nu?"))
                await walk.press(me, planned, "Nu verder")
                message = await walk.next_message(me, says("staat klaar"))
                continue
        answered = await do_step(walk, step, message)
        if step.shared:
            shared = await walk.next_message(walk.parent, says("Sanne heeft gereageerd"))
            assert "het gaat steeds beter" in (shared["plain_text"] or "")
        following = await carry_on(walk, answered)
        if following is None:
            break
        message = following

    await walk.say(me, "/voortgang")
    progress = await walk.next_message(me, says("stappen"))
    total = len(line.sequence())
    assert f"{total} van {total} stappen" in (progress["plain_text"] or "")
    with session_scope(world.engine) as session:
        assert session.get_one(Traject, 1).status == TrajectStatus.FINISHED
        voice = session.execute(select(Reply.media_enc).where(Reply.kind == "voice")).scalar_one()
    cipher = world.application.bot_data["runtime"].cipher
    assert cipher.decrypt_bytes(voice) == b"OggS..."
    assert walk.stored() == walk.expected


async def test_a_carer_goes_through_the_carer_line(world: DemoWorld) -> None:
    line = world.application.bot_data["runtime"].content.line("mantelzorg")
    walk = await join(world, "carer", "mantelzorg")
    message = await walk.next_message(walk.client, says("staat klaar"))
    for step in line.sequence():
        assert step.title.nl in (message["plain_text"] or ""), step.key
        following = await carry_on(walk, await do_step(walk, step, message))
        if following is None:
            break
        message = following
    assert walk.stored() == walk.expected
    with session_scope(world.engine) as session:
        assert session.get_one(Traject, 1).status == TrajectStatus.FINISHED


async def test_the_intake_yields_six_scores(world: DemoWorld) -> None:
    walk = await join(world, "pupil", "intake")
    me = walk.client
    intro = await walk.next_message(me, says("staat klaar"))
    await walk.press(me, intro, "Gelezen ✔")
    question = await walk.next_message(me, says("check-in"))
    for score in ("7", "4", "8", "6", "5", "9"):
        await walk.press(me, question, score)
        await world.client.wait_for_event(
            lambda e: e["kind"] in ("bot_edit", "bot_message") and e["chat_id"] == me,
            after=walk.seq,
            timeout=WAIT,
        )
    await walk.next_message(me, says("staat klaar"))  # the closing step
    scores = [(item, value) for _c, kind, _s, item, value, _t in walk.stored() if kind == "checkin"]
    assert scores == [
        ("lichaam", "7"),
        ("mentaal", "4"),
        ("zingeving", "8"),
        ("kwaliteit", "6"),
        ("meedoen", "5"),
        ("dagelijks", "9"),
    ]
