"""T7: the scheduler holds a fixed handful of jobs, whatever the number of clients.

The real application is built (`bot.app.build_application`, as `duwtje run` does) and
initialised against two databases, one with 100 enrolments and one with 100,000
(bench/enrolments.py), and its job queue is counted: `jobs_at_100` and `jobs_at_100000` must be
equal (`job_difference` 0). What is due per person lives in the database (`next_nudge_at`,
`next_at`, `due_at`), never in a job per person.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench import Figures
from bench.enrolments import seed
from bot.app import build_application
from bot.clock import VirtualClock
from bot.settings import settings_from_data
from content import load_content
from storage.crypto import new_key

TARGET = "jobs_at_100 == jobs_at_100000 (a fixed handful of scheduler jobs)"


def run(quick: bool) -> Figures:
    large = 10_000 if quick else 100_000
    content = load_content()
    counts = {}
    for size in (100, large):
        with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
            path = Path(folder) / "bench.db"
            seed(path, content, enrolments=size, due=size // 100)
            counts[size] = asyncio.run(_jobs(path))
    small_jobs, large_jobs = counts[100], counts[large]
    return {
        "jobs_at_100": small_jobs,
        f"jobs_at_{large}": large_jobs,
        "job_difference": abs(large_jobs - small_jobs),
        "met": small_jobs == large_jobs,
    }


async def _jobs(path: Path) -> int:
    from bench.enrolments import NOW

    settings = settings_from_data(
        {
            "database": {"url": f"sqlite:///{path}"},
            "organisation": {"key": "gemeente", "name": "Gemeente"},
        },
        {"DUWTJE_TELEGRAM_TOKEN": "1:T", "DUWTJE_ENCRYPTION_KEYS": new_key()},
        source="(bench)",
    )
    application = build_application(settings, VirtualClock(NOW))
    assert application.job_queue is not None
    return len(application.job_queue.jobs())
