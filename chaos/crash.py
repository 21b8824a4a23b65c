"""Catalogue 2, crash mid fan-out: `duwtje run` is killed with SIGKILL at five points during a
fan-out (2,000 messages; `--quick`: 200) and started again each time. Nothing may be lost;
copies only of rows that were on the wire at a kill, and never of a personal message.

One message in ten is personal: after a kill those that were on the wire become "unknown" (shown
to the professional, not resent), so they are reported apart and are not "lost".
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.rig import (
    BotProcess,
    Rig,
    arrivals,
    fanout_figures,
    in_flight,
    outbox_rows,
    queue_fanout,
    wait_arrived,
    wait_settled,
)

NAME = "crash"
CRITERION = "lost == 0, duplicated_not_in_flight == 0, duplicated_personal == 0 after 5 kills"
KILLS = 5
ROUND_TRIP = 0.05


def run(quick: bool) -> Figures:
    return asyncio.run(_run(200 if quick else 2000))


async def _run(total: int) -> Figures:
    now = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        # Telegram's limits, and a round trip, so that a kill finds messages on the wire.
        SandboxThread(strict=True, latency=ROUND_TRIP) as sandbox,
    ):
        rig = Rig(Path(folder), sandbox.url)
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, total)
            queued = queue_fanout(rig, people, "crash", personal_every=10, now=now)
            bot = BotProcess(rig)
            excused: set[str] = set()
            kills = 0
            for point in range(1, KILLS + 1):
                bot.start()
                await wait_arrived(control, total * point // (KILLS + 1), within=300)
                bot.kill()
                kills += 1
                excused |= in_flight(rig, "crash")  # what was on the wire when it died
            bot.start()
            settled = await wait_settled(rig, "crash", within=600)
            exit_code = bot.stop()
            figures = fanout_figures(
                queued, await arrivals(control), outbox_rows(rig, "crash"), excused=excused
            )
        rig.close()
    figures |= {
        "kills": kills,
        "in_flight_at_kills": len(excused),
        "settled": settled,
        "clean_exit": exit_code == 0,
    }
    figures["met"] = (
        figures["lost"] == 0
        and figures["duplicated_not_in_flight"] == 0
        and figures["duplicated_personal"] == 0
        and kills == KILLS
        and settled
        and exit_code == 0
    )
    return figures
