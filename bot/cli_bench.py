"""`duwtje bench`: run the benchmarks, show a table of figures and targets, write JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)


def bench(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Benchmarks to run (default: all). Known: fanout, enqueue.", show_default=False
        ),
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="The smaller form CI runs.")] = False,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", help="Write {NAME: {figure: value, ..., met}}.", dir_okay=False),
    ] = None,
    gate: Annotated[
        str,
        typer.Option(
            help="What decides the exit code: 'target' (every target met) or 'correctness' "
            "(only lost, duplicated and 429s; what CI uses on shared machines)."
        ),
    ] = "target",
) -> None:
    """Measure the performance targets, each against a baseline in the same run.
    Exit 1 when a target (or, with --gate correctness, a correctness figure) is not met."""
    import logging

    from bench import correct, registry
    from bot.logs import configure_logging

    configure_logging(logging.ERROR)  # the figures are the output; errors still show
    known = registry()
    chosen = names or list(known)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}", param_hint="NAMES"
        )
    if gate not in ("target", "correctness"):
        raise typer.BadParameter("'target' or 'correctness'", param_hint="--gate")
    results = {}
    for name in chosen:
        with out.status(f"bench {name}{' (quick)' if quick else ''} ..."):
            results[name] = known[name].run(quick)
        out.print(_table(name, known[name].target, results[name]))
    if json_file is not None:
        json_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if gate == "correctness":
        passed = all(correct(known[name], figures) for name, figures in results.items())
    else:
        passed = all(figures["met"] for figures in results.values())
    if not passed:
        raise typer.Exit(1)


def _table(name: str, target: str, figures: dict[str, object]) -> Table:
    met = bool(figures.get("met"))
    table = Table(
        title=f"{name}: {'met' if met else 'NOT met'}",
        caption=f"target: {target}",
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in figures.items():
        if figure != "met":
            table.add_row(figure, str(value))
    return table
