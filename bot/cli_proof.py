"""`duwtje bench` and `duwtje chaos`: run the benchmarks or the reliability scenarios, show a
table of figures with the target or criterion, and write JSON `{NAME: {figure: value, ...,
"met": true|false}}` (the design brief freezes this shape). Exit 1 when any `met` is false."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.errors import UserError

out = Console(soft_wrap=True)

Names = Annotated[
    list[str] | None,
    typer.Argument(help="Which to run (default: all; see the list above).", show_default=False),
]
Quick = Annotated[bool, typer.Option("--quick", help="The smaller form CI runs.")]
JsonFile = Annotated[
    Path | None,
    typer.Option("--json", help="Write {NAME: {figure: value, ..., met}}.", dir_okay=False),
]


def bench(
    names: Names = None,
    quick: Quick = False,
    json_file: JsonFile = None,
    gate: Annotated[
        str,
        typer.Option(
            help="What decides the exit code: 'target' (every target met) or 'correctness' "
            "(only lost, duplicated and 429s; what CI uses on shared machines)."
        ),
    ] = "target",
) -> None:
    """Measure the performance targets (update, fanout, enqueue, ...), each against a baseline
    measured in the same run. Exit 1 when a target (with --gate correctness: a correctness
    figure) is not met."""
    from bench import correct, registry

    if gate not in ("target", "correctness"):
        raise typer.BadParameter("'target' or 'correctness'", param_hint="--gate")
    known = registry()
    results = _run_all(
        "bench",
        {name: (f"target: {b.target}", b.run) for name, b in known.items()},
        names,
        quick,
        json_file,
    )
    if gate == "correctness":
        passed = all(correct(known[name], figures) for name, figures in results.items())
    else:
        passed = all(figures["met"] for figures in results.values())
    if not passed:
        raise typer.Exit(1)


def chaos(names: Names = None, quick: Quick = False, json_file: JsonFile = None) -> None:
    """Run the reliability scenarios (crash, storm, blocked, timeouts, redelivery, workers)
    against the sandbox with the real bot. Exit 1 when a criterion is not met. `workers` needs
    PostgreSQL in DUWTJE_CHAOS_DATABASE_URL."""
    from chaos import registry

    known = {name: (f"criterion: {s.criterion}", s.run) for name, s in registry().items()}
    results = _run_all("chaos", known, names, quick, json_file)
    if not all(figures["met"] for figures in results.values()):
        raise typer.Exit(1)


def _run_all(
    command: str,
    known: Mapping[str, tuple[str, Callable[[bool], dict[str, Any]]]],
    names: list[str] | None,
    quick: bool,
    json_file: Path | None,
) -> dict[str, dict[str, Any]]:
    from bot.logs import configure_logging

    chosen = names or list(known)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown {command} {', '.join(unknown)}; known: {', '.join(known)}",
            param_hint="NAMES",
        )
    configure_logging(logging.ERROR)  # the figures are the output; errors still show
    results: dict[str, dict[str, Any]] = {}
    for name in chosen:
        what, run = known[name]
        with out.status(f"{command} {name}{' (quick)' if quick else ''} ..."):
            try:
                results[name] = run(quick)
            except UserError as exc:  # it cannot run here (no PostgreSQL): say so, go on
                results[name] = {"error": str(exc), "met": False}
        out.print(_table(name, what, results[name]))
    if json_file is not None:
        json_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def _table(name: str, what: str, figures: dict[str, Any]) -> Table:
    table = Table(
        title=f"{name}: {'met' if figures.get('met') else 'NOT met'}",
        caption=what,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in figures.items():
        if figure != "met":
            table.add_row(figure, str(value))
    return table
