"""`duwtje report`: anonymous figures of one organisation (issue 12), as an HTML page with
charts, a CSV file or JSON. Nothing in it names or numbers a person; counts below 5 show as
"<5" (services/report.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import ConfigOption, err, settings_for


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2026-01-31",
            param_hint=option,
        ) from None


def report(
    org: Annotated[
        str, typer.Option("--org", help="The organisation's key (see `duwtje org list`).")
    ],
    start: Annotated[str, typer.Option("--from", help="The first day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="The last day (included), YYYY-MM-DD.")],
    format: Annotated[
        str, typer.Option("--format", help="html (a page with charts), csv or json.")
    ] = "html",
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="The file to write [default: the screen].", dir_okay=False),
    ] = None,
    per: Annotated[
        str | None,
        typer.Option(
            "--per", help="week or month [default: month for more than three months, else week]."
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="nl or en [default: the organisation's].")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Anonymous figures for managers and the municipality: per line and per week or month,
    who was invited, started and active, steps done, per-step reach (with watched videos),
    check-ins and scores, nudges and their effect, questions and the time to an answer,
    appointments and peer groups. Counts below 5 show as "<5". Audited."""
    from bot.clock import SystemClock
    from bot.errors import UserError
    from bot.setup import prepare_database
    from content import load_content
    from services.report import ReportError, organisation_report
    from services.report_output import FORMATS, write
    from storage.db import make_engine, session_scope
    from storage.models import AuditEntry

    if format not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    if language not in (None, "nl", "en"):
        raise typer.BadParameter("nl or en", param_hint="--language")
    first, last = _day(start, "--from"), _day(end, "--to")
    settings = settings_for(config)
    prepare_database(settings)
    content = load_content(settings.content.extra_dirs, settings.content.video_links)
    engine = make_engine(settings.database.url)
    now = SystemClock().now()
    try:
        with session_scope(engine) as session:
            try:
                made = organisation_report(
                    session,
                    content,
                    organisation_key=org,
                    first=first,
                    last=last,
                    per=per,
                    now=now,
                    language=language,
                )
            except ReportError as exc:
                raise UserError(str(exc)) from None
            session.add(
                AuditEntry(
                    at=now,
                    actor_kind="administrator",
                    action="report",
                    detail=f"{org} {first}..{last} {format}",
                )
            )
    finally:
        engine.dispose()
    text = write(made, format)
    if out_path is None:
        typer.echo(text, nl=False)
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    err.print(f"Wrote {out_path} ({format}).", markup=False, highlight=False)
