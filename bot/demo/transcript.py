"""The transcript: built from what the sandbox actually received, not from what the bot meant.

Each line is `{"at", "chat", "from", "kind", "text", "buttons"}`: `at` the virtual time (ISO 8601
with offset), `chat` a readable label, `from` "bot" or the person's role, `kind` the template
family for the bot's messages (from the outbox row with that Telegram message id) and start,
text, button, voice or photo for people's, `buttons` rows of labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from bot.sandbox.shapes import EventView, MessageView

PEOPLE_KINDS = {"start", "text", "button", "voice", "photo"}
BOT_KINDS = {"bot_message", "bot_edit"}

Line = dict[str, Any]


def transcript_lines(
    events: Iterable[EventView],
    *,
    labels: Mapping[int, str],
    kinds: Mapping[tuple[int, int], str],
    extra: Iterable[Line] = (),
) -> list[Line]:
    lines = list(extra)
    for event in events:
        chat = event["chat_id"]
        if chat is None or chat not in labels or event["kind"] not in PEOPLE_KINDS | BOT_KINDS:
            continue
        message = event["message"]
        if event["kind"] in BOT_KINDS:
            assert message is not None
            if event["kind"] == "bot_edit" and only_buttons_changed(message):
                continue  # the press before it already tells the story
            lines.append(
                {
                    "at": event["time"],
                    "chat": labels[chat],
                    "from": "bot",
                    "kind": kinds.get((chat, message["message_id"]), "edit"),
                    "text": message["plain_text"] or "",
                    "buttons": [[button["text"] for button in row] for row in message["buttons"]],
                }
            )
        else:
            lines.append(
                {
                    "at": event["time"],
                    "chat": labels[chat],
                    "from": labels[chat],
                    "kind": event["kind"],
                    "text": _person_text(event),
                    "buttons": [],
                }
            )
    return sorted(lines, key=lambda line: datetime.fromisoformat(line["at"]))


def only_buttons_changed(message: MessageView) -> bool:
    """An edit that only took the buttons away (the answer is in): nothing new to read."""
    return bool(message["edits"]) and message["edits"][-1]["plain_text"] == message["plain_text"]


def _person_text(event: EventView) -> str:
    if event["kind"] == "button":
        return str(event["data"].get("label") or event["data"].get("data") or "")
    if event["kind"] == "start":
        payload = event["data"].get("payload")
        return f"/start {payload}" if payload else "/start"
    message = event["message"]
    return (message["plain_text"] or message["text"] or "") if message else ""


def write_jsonl(lines: Iterable[Line], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def print_transcript(lines: Iterable[Line], console: Console, zone: ZoneInfo) -> None:
    for line in lines:
        at = datetime.fromisoformat(line["at"]).astimezone(zone).strftime("%a %d %b %H:%M")
        who = (
            f"[bold]Duwtje → {line['chat']}[/bold]"
            if line["from"] == "bot"
            else f"[bold green]{line['from']}[/bold green]"
        )
        console.print(f"[cyan]{at}[/cyan]  {who} [dim]({line['kind']})[/dim]")
        for text_line in str(line["text"]).splitlines() or [""]:
            console.print(f"    {escape(text_line)}", highlight=False)
        for row in line["buttons"]:
            console.print(
                "    " + "  ".join(f"[reverse] {escape(label)} [/reverse]" for label in row)
            )
        console.print()
