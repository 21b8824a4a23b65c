"""`duwtje chat`: you are a person in the sandbox, typing to the real bot in your terminal.

As a client (the default) an administrator and a professional are set up for you and you open
the professional's invite: the privacy notice, your moment, your first step. As a professional
(`--as professional`) you are Mirjam, with a pupil, Sanne, who has just started.

Type text to send it, a number to press that button of the newest message, and:
  :later 3d | 5h | 30m   let virtual time pass (the bot's sweep runs)
  :pupil <text>          (as professional) Sanne types this
  :say <text>            send text that starts with ':' or is only a number
  :quit                  stop (Ctrl-D too)
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from bot.demo.story import Cast, StoryResult, bind_professional, invite_pupil, invite_token, onboard
from bot.demo.transcript import only_buttons_changed
from bot.demo.world import DemoWorld, demo_world
from bot.sandbox.shapes import EventView, MessageView

# Seconds without a new bot message before the prompt comes back: longer than the bot's own
# pacing of one message per chat per second, so a reply in several messages is shown whole.
SETTLE = 1.5
FIRST_ANSWER = 4.0  # seconds to wait for the bot's first reaction to what you did
HELP = "Type text" + __doc__.split("Type text", 1)[1] if __doc__ else ""
_DURATION = re.compile(r"^(\d+)\s*([dhm])$")

ReadLine = Callable[[], str]


class ChatSession:
    def __init__(self, world: DemoWorld, console: Console, me: int, name: str) -> None:
        self.world, self.console, self.me, self.name = world, console, me, name
        self.zone = ZoneInfo(world.settings.defaults.time_zone)
        self.seen = 0
        self.latest_buttons: MessageView | None = None

    async def show_new(self, *, wait_for_first: float) -> None:
        """Print what the bot sent to me since last time; wait until it has gone quiet."""
        timeout = wait_for_first
        while True:
            events = await self.world.client.events(after=self.seen, timeout=timeout)
            mine = [e for e in events if e["chat_id"] == self.me]
            if events:
                self.seen = events[-1]["seq"]
            for event in mine:
                self._print(event)
            if not events:
                return
            timeout = SETTLE

    def _print(self, event: EventView) -> None:
        message = event["message"]
        if event["kind"] not in ("bot_message", "bot_edit") or message is None:
            return
        if event["kind"] == "bot_edit" and only_buttons_changed(message):
            return
        at = message["edit_date"] or message["date"]
        when = _local(at, self.zone)
        edited = " (bijgewerkt)" if event["kind"] == "bot_edit" else ""
        self.console.print(f"[cyan]{when}[/cyan] [bold]Duwtje{edited}[/bold]")
        for line in (message["plain_text"] or "").splitlines():
            self.console.print(f"  {escape(line)}", highlight=False)
        buttons = [button for row in message["buttons"] for button in row]
        for number, button in enumerate(buttons, start=1):
            self.console.print(f"  [reverse] {number} [/reverse] {escape(button['text'])}")
        if buttons:
            self.latest_buttons = message
        elif self.latest_buttons and self.latest_buttons["message_id"] == message["message_id"]:
            self.latest_buttons = None

    async def act(self, line: str) -> bool:
        """Do what the line says. False means: stop."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q"):
            return False
        if line.startswith(":later"):
            if self._later(line.removeprefix(":later").strip()):
                await self.show_new(wait_for_first=SETTLE)
            return True
        if line.startswith(":say "):
            await self.world.client.text(self.me, line.removeprefix(":say "))
        elif line.startswith(":pupil "):
            await self._as_pupil(line.removeprefix(":pupil "))
        elif line.isdigit():
            await self._press(int(line))
        elif line.startswith(":"):
            self.console.print(escape(HELP), highlight=False)
            return True
        else:
            await self.world.client.text(self.me, line)
        await self.show_new(wait_for_first=FIRST_ANSWER)
        return True

    def _later(self, amount: str) -> bool:
        """Move the virtual clock; False when `amount` is not understood."""
        found = _DURATION.match(amount)
        if not found:
            self.console.print("Zeg hoeveel tijd: :later 3d, :later 5h of :later 30m")
            return False
        value, unit = int(found.group(1)), found.group(2)
        delta = {
            "d": timedelta(days=value),
            "h": timedelta(hours=value),
            "m": timedelta(minutes=value),
        }[unit]
        self.world.clock.advance(delta)
        now = self.world.clock.now().astimezone(self.zone).strftime("%a %d %b %H:%M")
        self.console.print(f"[dim]… de tijd gaat verder: het is nu {now}[/dim]")
        return True

    async def _press(self, number: int) -> None:
        message = self.latest_buttons
        buttons = [b for row in message["buttons"] for b in row] if message else []
        if message is None or not 1 <= number <= len(buttons):
            self.console.print("Er is geen knop met dat nummer. Typ tekst of kies een knop.")
            return
        await self.world.client.press(
            self.me, message["message_id"], data=buttons[number - 1]["callback_data"]
        )

    async def _as_pupil(self, text: str) -> None:
        pupil = self.world.client  # the pupil's own messages are shown to you only via the bot
        users = [u for u in await pupil.users() if u["first_name"] == "Sanne"]
        if not users:
            self.console.print("Er is geen leerling in deze chat.")
            return
        await pupil.text(users[0]["id"], text)
        self.console.print(f"[dim]Sanne typt: {escape(text)}[/dim]")


async def run_chat(
    console: Console, as_role: str, read_line: ReadLine = sys.stdin.readline
) -> None:
    # Typed lines are echoed by the terminal; piped ones we show ourselves, for a readable log.
    echo_free = read_line is sys.stdin.readline and sys.stdin.isatty()
    async with demo_world() as world:
        session = await _set_up(world, console, as_role)
        console.print(escape(HELP), highlight=False)
        await session.show_new(wait_for_first=FIRST_ANSWER)
        while True:
            console.print(f"[bold green]{session.name}>[/bold green] ", end="")
            line = await asyncio.to_thread(read_line)
            if not line:  # end of input
                console.print()
                break
            if not echo_free:
                console.print(line.rstrip("\n"), markup=False, highlight=False)
            if not await session.act(line):
                break


async def _set_up(world: DemoWorld, console: Console, as_role: str) -> ChatSession:
    if as_role == "professional":
        result = await onboard(world)
        console.print("[dim]Je bent Mirjam, begeleider. Sanne is net begonnen.[/dim]")
        session = ChatSession(world, console, result.cast.professional, "Mirjam")
        session.seen = (await world.client.events(after=0))[-1]["seq"]
        return session
    mirjam = await world.client.create_user(first_name="Mirjam", language_code="nl")
    await bind_professional(world, mirjam["id"], StoryResult(Cast()))
    token = invite_token(await invite_pupil(world, mirjam["id"]))
    me = await world.client.create_user(first_name="Sanne", language_code="nl")
    console.print("[dim]Je bent Sanne, leerling. Je opent de uitnodiging van Mirjam.[/dim]")
    session = ChatSession(world, console, me["id"], "Sanne")
    session.seen = (await world.client.events(after=0))[-1]["seq"]
    await world.client.start(me["id"], token)
    return session


def _local(iso: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%a %d %b %H:%M")
