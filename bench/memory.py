"""T6: the bot's memory with 100,000 enrolments and a running sweep: at most 120 MB, and at most
1.8x the baseline measured in the same run.

A fresh process imports the libraries any such bot needs (python-telegram-bot, SQLModel,
APScheduler, Jinja2) and reads its resident memory: `baseline_rss_mb` (the brief measured 67 MB).
It then imports the bot itself (what `duwtje run` imports), loads the content and runs full
sweep ticks over the seeded database (bench/enrolments.py: 1% due at once, so a tick queues
hundreds of nudges and check-ins and writes their log), each in its own transaction as the sweep
job does. `rss_mb` is the process's peak resident memory (VmHWM)
after that, so a sweep that loaded every enrolment as an object would show here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import Figures
from bench.enrolments import seed
from content import load_content

TARGET = "rss_mb <= 120 and rss_mb <= 1.8 x baseline_rss_mb (100,000 enrolments, a sweep running)"


def run(quick: bool) -> Figures:
    enrolments = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
        path = Path(folder) / "bench.db"
        seed(path, load_content(), enrolments=enrolments, due=enrolments // 100)
        found = subprocess.run(
            [sys.executable, "-m", "bench.memory_child", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if found.returncode != 0:  # say why, not only that it failed
        raise RuntimeError(
            f"the memory benchmark's child process failed (exit {found.returncode}):\n"
            + "\n".join(found.stderr.strip().splitlines()[-15:])
        )
    figures = json.loads(found.stdout.strip().splitlines()[-1])
    rss, baseline = figures["rss_mb"], figures["baseline_rss_mb"]
    return {
        "enrolments": enrolments,
        **figures,
        "ratio": round(rss / baseline, 2),
        "met": rss <= 120 and rss <= 1.8 * baseline,
    }
