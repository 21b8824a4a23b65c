"""Catalogue 5, timeouts: 5% of sends cannot connect (the request never leaves the bot), and 5%
are delivered but their answer never comes back in time (a read timeout: Telegram has it, the
bot cannot know). A message that met a connect error arrives exactly once after its retry; a
nudge that met a read timeout arrives at most twice; anything personal never twice.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SystemClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.network import FlakyConnect
from chaos.rig import (
    Rig,
    arrivals,
    fanout_figures,
    outbox_rows,
    queue_fanout,
    wait_settled,
)

NAME = "timeouts"
CRITERION = (
    "lost == 0, connect errors delivered exactly once, nudges at most twice, "
    "duplicated_personal == 0"
)
READ_TIMEOUT = 0.5  # the bot's; the sandbox holds a timed-out answer three times as long


def run(quick: bool) -> Figures:
    return asyncio.run(_run(200 if quick else 1000))


async def _run(total: int) -> Figures:
    now = datetime.now(UTC)
    network = FlakyConnect(0.05, seed=5)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False) as sandbox,
    ):
        rig = Rig(Path(folder), sandbox.url, telegram={"read_timeout_seconds": READ_TIMEOUT})
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, total)
            await control.add_fault("read_timeout", probability=0.05, seed=6, hold=READ_TIMEOUT * 3)
            async with running_bot(rig.settings, SystemClock(), transport=network):
                queued = queue_fanout(rig, people, "timeouts", personal_every=5, now=now)
                settled = await wait_settled(rig, "timeouts", within=120)
            arrived = await arrivals(control)
            requests = await control.requests()
            rows = outbox_rows(rig, "timeouts")
        rig.close()
    figures: Figures = fanout_figures(queued, arrived, rows)
    timed_out = Counter(
        (r["params"]["chat_id"], r["params"]["text"])
        for r in requests
        if r["fault"] == "read_timeout"
    )
    refused = set(network.refused)
    personal = {(item.chat_id, item.text) for item in queued if item.personal}
    nudges = [(item.chat_id, item.text) for item in queued if not item.personal]
    figures |= {
        "connect_errors": len(network.refused),
        "read_timeouts": sum(timed_out.values()),
        # Met a connect error (and no read timeout): must have arrived exactly once.
        "connect_error_not_once": sum(
            1 for sent in refused if sent not in timed_out and arrived[sent] != 1
        ),
        "nudge_max_copies": max((arrived[sent] for sent in nudges), default=0),
        "personal_timed_out": sum(1 for sent in timed_out if sent in personal),
        "settled": settled,
    }
    figures["met"] = (
        figures["lost"] == 0
        and figures["connect_error_not_once"] == 0
        and figures["nudge_max_copies"] <= 2
        and figures["duplicated_personal"] == 0
        and figures["connect_errors"] > 0
        and figures["read_timeouts"] > 0
        and settled
    )
    return figures
