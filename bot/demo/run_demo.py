"""`duwtje demo`: play the story, print the transcript and a summary, optionally write JSONL."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from bot.demo.story import play_story
from bot.demo.transcript import print_transcript, transcript_lines, write_jsonl
from bot.demo.world import demo_world
from bot.errors import UserError
from storage.db import session_scope
from storage.models import Reply

PUPIL_ANSWER = "Ik dacht: dat lukt me toch nooit. Maar ik heb het wel geprobeerd."
STORY_STEPS = (
    "consent",
    "step1",
    "step2",
    "nudge",
    "answer_saved",
    "step3",
    "digest",
    "checkin",
    "progress",
)


async def run_demo(console: Console, transcript: Path | None) -> None:
    began = time.monotonic()
    async with demo_world() as world:
        try:
            result = await play_story(world, PUPIL_ANSWER)
        except TimeoutError as exc:
            raise UserError(f"the demo story stalled: {exc}") from None
        events = await world.client.events(after=0)
        stats = await world.client.stats()
        with session_scope(world.engine) as session:
            replies = session.execute(select(func.count()).select_from(Reply)).scalar_one()
        admin = [
            {
                "at": at,
                "chat": "administrator",
                "from": "administrator",
                "kind": "text",
                "text": command,
                "buttons": [],
            }
            for at, command in result.admin_lines
        ]
        lines = transcript_lines(
            events, labels=result.cast.labels, kinds=world.kinds(), extra=admin
        )
        zone = ZoneInfo(world.settings.defaults.time_zone)
    print_transcript(lines, console, zone)
    if transcript is not None:
        write_jsonl(lines, transcript)
    missing = [step for step in STORY_STEPS if step not in result.messages]
    if missing:
        raise UserError(f"the demo story is missing: {', '.join(missing)}")
    sent = Counter(line["kind"] for line in lines if line["from"] == "bot")
    summary = Table(title="Summary", show_header=False)
    summary.add_row(
        "story",
        "consent → first exercise → nudge → reflection → another step → digest → weekly "
        "check-in → progress: all played",
    )
    summary.add_row(
        "bot messages", ", ".join(f"{kind} {count}" for kind, count in sorted(sent.items()))
    )
    summary.add_row("replies stored", f"{replies} (free text encrypted at rest)")
    summary.add_row(
        "Bot API requests",
        f"{stats['requests']} over HTTP to the local sandbox, "
        f"{stats['too_many_requests']} answered 429",
    )
    summary.add_row("virtual time", "Monday 2 March 09:00 → Monday 9 March 15:31 (Amsterdam)")

    summary.add_row("real time", f"{time.monotonic() - began:.1f} s")
    if transcript is not None:
        summary.add_row("transcript", str(transcript))
    console.print(summary)
