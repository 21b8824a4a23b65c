"""Catalogue 3, a 429 storm: half of all sends are answered 429 with a `retry_after` of 1-30 s
(`--quick`: 1-2 s), for as long as the fan-out takes (minutes in the full form). No retry may
come before its `retry_after` has passed, nothing may be lost or sent twice, and the bot must
wait, not spin: its CPU stays low while it waits.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SystemClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.shapes import RequestView
from chaos import Figures
from chaos.rig import (
    Rig,
    arrivals,
    fanout_figures,
    outbox_rows,
    queue_fanout,
    wait_settled,
)

NAME = "storm"
CRITERION = "early_retries == 0, lost == 0, duplicated == 0, cpu_share < 0.3 (no busy loop)"
_RETRY_AFTER = re.compile(r"retry after (\d+)")


def run(quick: bool) -> Figures:
    return asyncio.run(_run(people=30 if quick else 200, longest=2 if quick else 30))


async def _run(*, people: int, longest: int) -> Figures:
    now = datetime.now(UTC)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False) as sandbox,
    ):
        rig = Rig(Path(folder), sandbox.url)
        async with SandboxClient(sandbox.url) as control:
            _, persons = await rig.people(control, people, caseload=50)
            await control.add_fault(
                "retry_after", probability=0.5, seed=3, retry_after=1, retry_after_max=longest
            )
            async with running_bot(rig.settings, SystemClock()):
                wall, cpu = time.monotonic(), time.process_time()
                queued = queue_fanout(rig, persons, "storm", personal_every=5, now=now)
                settled = await wait_settled(rig, "storm", within=60 + longest * 40)
                wall, cpu = time.monotonic() - wall, time.process_time() - cpu
            figures: Figures = fanout_figures(
                queued, await arrivals(control), outbox_rows(rig, "storm")
            )
            requests = await control.requests()
        rig.close()
    sends = [r for r in requests if r["method"] == "sendMessage"]
    figures |= {
        "count_429": sum(1 for r in sends if r["status"] == 429),
        "early_retries": _early_retries(sends),
        "send_requests": len(sends),
        "seconds": round(wall, 1),
        # The sandbox answers in this process too: its share is in here, and still small.
        "cpu_share": round(cpu / wall, 3) if wall else 0.0,
        "settled": settled,
    }
    figures["met"] = (
        figures["early_retries"] == 0
        and figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["cpu_share"] < 0.3
        and settled
    )
    return figures


def _early_retries(sends: list[RequestView]) -> int:
    """Requests to a chat that came before the `retry_after` of that chat's last 429 ran out."""
    not_before: dict[int, float] = defaultdict(float)
    early = 0
    for request in sorted(sends, key=lambda r: r["monotonic"]):
        chat = request["params"]["chat_id"]
        if request["monotonic"] < not_before[chat]:
            early += 1
        if request["status"] == 429:
            found = _RETRY_AFTER.search(request["description"] or "")
            wait = int(found.group(1)) if found else 0
            not_before[chat] = max(not_before[chat], request["monotonic"] + wait)
    return early
