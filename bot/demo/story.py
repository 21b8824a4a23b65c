"""The walking skeleton's story, played by people in the sandbox against the real bot.

An administrator invites a professional; the professional invites a pupil; the pupil agrees,
picks a moment and does the first step; days pass, the next step arrives and waits, the real
sweep sends a nudge; the pupil answers; the real digest reaches the professional. Every wait is
for a message the sandbox actually received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.demo.world import DemoWorld, local
from bot.sandbox.shapes import MessageView

WAIT = 20.0  # seconds for any one message; the whole story takes a few


@dataclass
class Cast:
    administrator: str = "administrator"
    professional: int = 0
    pupil: int = 0
    labels: dict[int, str] = field(default_factory=dict)  # chat id -> role


@dataclass
class StoryResult:
    cast: Cast
    messages: dict[str, MessageView] = field(default_factory=dict)
    admin_lines: list[tuple[str, str]] = field(default_factory=list)  # (time, command)


def has_button(label: str) -> Callable[[MessageView], bool]:
    return lambda m: any(button["text"] == label for row in m["buttons"] for button in row)


def says(fragment: str) -> Callable[[MessageView], bool]:
    return lambda m: fragment in (m["plain_text"] or "")


async def play_story(world: DemoWorld, pupil_answer: str) -> StoryResult:
    result = await onboard(world)
    client, got = world.client, result.messages
    mirjam, sanne = result.cast.professional, result.cast.pupil
    await client.press(sanne, got["step1"]["message_id"], label=world.label("step.read"))
    got["step1_done"] = await client.wait_for_bot_message(sanne, timeout=WAIT)

    # Thursday after school: three days later the next step arrives, at the moment she chose.
    world.advance_to(local(5, 15, 31))
    got["step2"] = await client.wait_for_bot_message(sanne, timeout=WAIT)

    # Sunday afternoon: three days without an answer; the sweep sends one warm nudge.
    world.advance_to(local(8, 15, 31))
    got["nudge"] = await client.wait_for_bot_message(
        sanne, predicate=has_button(world.label("nudge.go")), timeout=WAIT
    )

    # Sanne does the exercise: "Klaar", then the reflection question in her own words.
    done = await client.press(sanne, got["step2"]["message_id"], label=world.label("step.done"))
    got["reflection_question"] = await _next_bot_message(
        world, sanne, after=done["seq"], ready=says("?")
    )
    got["next_planned"] = await _next_bot_message(
        world, sanne, after=done["seq"], ready=has_button(world.label("step.now"))
    )
    sent = await client.text(sanne, pupil_answer)
    got["answer_saved"] = await _next_bot_message(world, sanne, after=sent["seq"], ready=_any)

    # She feels like another one now: "Nu verder" gives the next step, a choice.
    pressed = await client.press(
        sanne, got["next_planned"]["message_id"], label=world.label("step.now")
    )
    got["step3"] = await _next_bot_message(
        world, sanne, after=pressed["seq"], ready=lambda m: bool(m["buttons"])
    )
    choice = got["step3"]["buttons"][1][0]["text"]
    chosen = await client.press(sanne, got["step3"]["message_id"], label=choice)
    got["step3_done"] = await _next_bot_message(world, sanne, after=chosen["seq"], ready=_any)

    # Monday morning: Mirjam's digest lists the new answers.
    world.advance_to(local(9, 8, 31))
    got["digest"] = await _next_bot_message(world, mirjam, after=sent["seq"], ready=says("Nieuw"))

    # Monday after school: the weekly check-in, one tap.
    world.advance_to(local(9, 15, 31))
    got["checkin"] = await _next_bot_message(
        world, sanne, after=chosen["seq"], ready=says("check-in")
    )
    tapped = await client.press(
        sanne, got["checkin"]["message_id"], data=got["checkin"]["buttons"][0][3]["callback_data"]
    )
    got["checkin_done"] = await _next_bot_message(world, sanne, after=tapped["seq"], ready=_any)

    # And how far is she?
    asked = await client.text(sanne, "/voortgang")
    got["progress"] = await _next_bot_message(world, sanne, after=asked["seq"], ready=_any)
    return result


def _any(_message: MessageView) -> bool:
    return True


async def onboard(world: DemoWorld) -> StoryResult:
    """Monday morning: from the administrator's command to the pupil's first step."""
    client = world.client
    cast = Cast()
    result = StoryResult(cast)
    got = result.messages

    mirjam = await client.create_user(first_name="Mirjam", language_code="nl")
    sanne = await client.create_user(first_name="Sanne", language_code="nl")
    cast.professional, cast.pupil = mirjam["id"], sanne["id"]
    cast.labels = {mirjam["id"]: "professional", sanne["id"]: "pupil"}

    # Monday 09:00. The administrator makes a link for Mirjam on the command line.
    got["professional_welcome"] = await bind_professional(world, mirjam["id"], result)

    # Mirjam invites Sanne from the chat: /nieuw, the role, the line.
    got["client_invite"] = invite = await invite_pupil(world, mirjam["id"])
    token = invite_token(invite)

    # Sanne opens the link: the privacy notice first, nothing stored before "yes".
    await client.start(sanne["id"], token)
    notice = await client.wait_for_bot_message(
        sanne["id"], predicate=has_button(world.label("consent.yes")), timeout=WAIT
    )
    got["consent"] = notice
    await client.press(sanne["id"], notice["message_id"], label=world.label("consent.yes"))
    moment = await client.wait_for_bot_message(
        sanne["id"], predicate=has_button(world.label("moments.afternoon")), timeout=WAIT
    )
    # Mirjam hears Sanne joined, and confirms it is her (a link can be forwarded).
    yes = world.label("invites.confirm_yes", name="Sanne")
    got["joined"] = joined = await client.wait_for_bot_message(
        mirjam["id"], predicate=has_button(yes), timeout=WAIT
    )
    await client.press(mirjam["id"], joined["message_id"], label=yes)
    await client.press(sanne["id"], moment["message_id"], label=world.label("moments.afternoon"))
    step1 = await client.wait_for_bot_message(
        sanne["id"], predicate=has_button(world.label("step.read")), timeout=WAIT
    )
    got["step1"] = step1
    return result


async def bind_professional(world: DemoWorld, user_id: int, result: StoryResult) -> MessageView:
    """The administrator's command, and the professional opening the link it printed."""
    link = world.invite_professional("Mirjam")
    result.admin_lines.append(
        (
            world.clock.now().isoformat(),
            f'duwtje invite professional --org wijkteam-demo --name "Mirjam"  ->  {link}',
        )
    )
    await world.client.start(user_id, link.split("start=", 1)[1])
    return await world.client.wait_for_bot_message(user_id, timeout=WAIT)


async def invite_pupil(world: DemoWorld, professional: int, line: str = "faalangst") -> MessageView:
    """/nieuw, "pupil", the line: the message with the pupil's one-time link."""
    client = world.client
    await client.text(professional, "/nieuw")
    roles = await client.wait_for_bot_message(professional, timeout=WAIT)
    await client.press(professional, roles["message_id"], label=world.label("roles.pupil"))
    lines = await edited(world, professional, roles["message_id"], lambda m: bool(m["buttons"]))
    [chosen] = [
        button["callback_data"]
        for row in lines["buttons"]
        for button in row
        if (button["callback_data"] or "").endswith(f":{line}")
    ]
    await client.press(professional, roles["message_id"], data=chosen)
    # The age rule: this pupil is 16 or older, so no parent's agreement is needed first.
    ages = await edited(world, professional, roles["message_id"], says("jonger dan"))
    [older] = [b["text"] for row in ages["buttons"] for b in row if "ouder" in b["text"]]
    await client.press(professional, roles["message_id"], label=older)
    return await edited(world, professional, roles["message_id"], says("https://t.me/"))


async def invite_parent(
    world: DemoWorld, professional: int, pupil: str = "Sanne", parent: str = "Karin"
) -> tuple[int, MessageView]:
    """/nieuw, "Ouder", the pupil: the parent opens the link and agrees, the professional
    confirms it is them. Returns the parent's user id and the "joined" message."""
    client = world.client
    await client.text(professional, "/nieuw")
    roles = await client.wait_for_bot_message(
        professional, predicate=has_button(world.label("roles.parent")), timeout=WAIT
    )
    await client.press(professional, roles["message_id"], label=world.label("roles.parent"))
    pupils = await edited(world, professional, roles["message_id"], lambda m: bool(m["buttons"]))
    [[chosen]] = [row for row in pupils["buttons"] if row[0]["text"].startswith(pupil)]
    await client.press(professional, roles["message_id"], data=chosen["callback_data"])
    invite = await edited(world, professional, roles["message_id"], says("https://t.me/"))
    user = (await client.create_user(first_name=parent, language_code="nl"))["id"]
    await client.start(user, invite_token(invite))
    notice = await client.wait_for_bot_message(
        user, predicate=has_button(world.label("consent.yes")), timeout=WAIT
    )
    await client.press(user, notice["message_id"], label=world.label("consent.yes"))
    yes = world.label("invites.confirm_yes", name=parent)
    joined = await client.wait_for_bot_message(
        professional, predicate=has_button(yes), timeout=WAIT
    )
    await client.press(professional, joined["message_id"], label=yes)
    return int(user), joined


def invite_token(invite: MessageView) -> str:
    return (invite["plain_text"] or "").split("start=", 1)[1].split()[0]


async def _next_bot_message(
    world: DemoWorld, chat_id: int, *, after: int, ready: Callable[[MessageView], bool]
) -> MessageView:
    """The first bot message to `chat_id` after event `after` that makes `ready` true."""
    event = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_message"
            and e["chat_id"] == chat_id
            and e["message"] is not None
            and ready(e["message"])
        ),
        after=after,
        timeout=WAIT,
    )
    assert event["message"] is not None
    return event["message"]


async def edited(
    world: DemoWorld, chat_id: int, message_id: int, ready: Callable[[MessageView], bool]
) -> MessageView:
    """The message after the bot's edit that makes `ready` true."""
    event = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_edit"
            and e["chat_id"] == chat_id
            and e["message"] is not None
            and e["message"]["message_id"] == message_id
            and ready(e["message"])
        ),
        timeout=WAIT,
    )
    assert event["message"] is not None
    return event["message"]
