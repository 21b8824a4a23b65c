"""The process `bench/memory.py` measures: nothing imported at the top but the standard library,
so the baseline is the libraries' own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TICKS = 3


def _memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(path: str) -> None:
    # The baseline: the libraries every bot of this kind needs (the brief's floor, 67 MB).
    import apscheduler  # type: ignore[import-untyped]  # noqa: F401
    import jinja2  # noqa: F401
    import sqlmodel  # noqa: F401
    import telegram.ext  # noqa: F401

    baseline = _memory_mb("VmRSS")
    import bot.app  # noqa: F401 - then everything `duwtje run` imports
    from bench.enrolments import NOW
    from bot.run import freeze_long_lived
    from content import load_content
    from services.sweep import sweep
    from services.unit import Unit
    from storage.crypto import FieldCipher, new_key
    from storage.db import make_engine, session_scope

    content = load_content()
    cipher = FieldCipher([new_key()])
    engine = make_engine(f"sqlite:///{path}")
    freeze_long_lived()
    queued = 0
    stages = {"imported": _memory_mb("VmRSS")}
    for tick in range(TICKS):
        with session_scope(engine) as session:
            unit = Unit(
                session=session, now=NOW.replace(minute=30 + tick), content=content, cipher=cipher
            )
            sweep(unit)
            unit.flush()
            queued += len(unit.queued)
        stages[f"tick{tick}"] = _memory_mb("VmRSS")
    engine.dispose()
    print(json.dumps(stages), file=sys.stderr)
    print(
        json.dumps({"baseline_rss_mb": baseline, "rss_mb": _memory_mb("VmHWM"), "queued": queued})
    )


if __name__ == "__main__":
    _child(sys.argv[1])
