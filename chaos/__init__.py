"""`duwtje chaos`: the reliability catalogue of ../shared/brief/performance-and-reliability.md
as scenarios that run the real bot over HTTP against the sandbox, inject faults, and report
figures read from what the sandbox received and what the database holds.

Each scenario returns its figures and `met` (the catalogue's criterion). `--quick` is the form
the test suite and CI run (a few hundred messages, short waits); the full form is the catalogue's
own sizes. The tests in tests/chaos/ run the quick forms and assert the criteria.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Figures = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    criterion: str  # what `met` means, in words
    run: Callable[[bool], Figures]  # quick -> figures, including "met"


def registry() -> dict[str, Scenario]:
    from chaos import blocked, clock, crash, fuzz, redelivery, storm, timeouts, workers, writers

    return {
        scenario.NAME: Scenario(scenario.NAME, scenario.CRITERION, scenario.run)
        for scenario in (fuzz, crash, storm, blocked, timeouts, redelivery, clock, writers, workers)
    }
