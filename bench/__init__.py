"""`duwtje bench`: the performance targets of ../shared/brief/performance-and-reliability.md,
each measured against a baseline in the same run (absolute times drift on shared machines).

Every benchmark returns its figures and `met`. `--quick` is the smaller form CI runs; CI fails
only on correctness figures (lost, duplicated, 429s), since speed on a shared machine is noisy:
each benchmark names its correctness figures in `correctness`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Figures = dict[str, Any]


@dataclass(frozen=True)
class Benchmark:
    name: str
    target: str  # what `met` means, in words
    run: Callable[[bool], Figures]  # quick -> figures, including "met"
    # Figures that must be zero whatever the machine (lost, duplicated, 429s): CI gates on these.
    correctness: tuple[str, ...] = ()


def registry() -> dict[str, Benchmark]:
    from bench import digest, enqueue, fanout, jobs, memory, report, sweep, update

    return {
        "update": Benchmark("update", update.TARGET, update.run, correctness=("lost_answers",)),
        "fanout": Benchmark(
            "fanout", fanout.TARGET, fanout.run, correctness=("count_429", "lost", "duplicated")
        ),
        "enqueue": Benchmark("enqueue", enqueue.TARGET, enqueue.run),
        "digest": Benchmark("digest", digest.TARGET, digest.run, correctness=("wrong_counts",)),
        "sweep": Benchmark("sweep", sweep.TARGET, sweep.run, correctness=("wrong_rows",)),
        "memory": Benchmark("memory", memory.TARGET, memory.run),
        "jobs": Benchmark("jobs", jobs.TARGET, jobs.run, correctness=("job_difference",)),
        "report": Benchmark("report", report.TARGET, report.run, correctness=("wrong_counts",)),
    }


def correct(benchmark: Benchmark, figures: Figures) -> bool:
    """The correctness part of the target: every such figure is zero."""
    return all(figures.get(name) == 0 for name in benchmark.correctness)
