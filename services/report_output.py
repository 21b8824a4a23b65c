"""The anonymous report written out: JSON (every table and cell, for other tools), CSV (one row
per cell, for a spreadsheet's pivot table) and HTML (one self-contained page with charts,
readable on a phone and printable; nothing is fetched from elsewhere)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from services import charts
from services.report import ALL, TOTAL, Column, Report, Row, Table
from services.suppression import THRESHOLD

FORMATS = ("html", "csv", "json")


def to_json(report: Report) -> str:
    data: dict[str, Any] = {
        "title": report.title,
        "subtitle": report.subtitle,
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "per": report.per,
        "language": report.language,
        "threshold": THRESHOLD,
        "marks": {"<5": report.say("small"), "×": report.say("hidden")},
        "generated": report.generated,
        "tables": [
            {
                "key": table.key,
                "kind": table.kind,
                "line": table.line,
                "title": table.title,
                "columns": [
                    {"key": c.key, "title": c.label, "rate": c.rate} for c in table.columns
                ],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "values": {c.key: report.value(table, row, c) for c in table.columns},
                    }
                    for row in table.rows
                ],
            }
            for table in report.tables
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["table", "line", "row", "column", "value", "table_title", "row_label", "column_title"]
    )
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                value = report.value(table, row, column)
                writer.writerow(
                    [
                        table.kind,
                        table.line or "",
                        row.key,
                        column.key,
                        "" if value is None else value,
                        table.title,
                        row.label,
                        column.label,
                    ]
                )
    return buffer.getvalue()


def shown_text(report: Report, table: Table, row: Row, column: Column) -> str:
    """A cell as people read it: 12, <5, ×, 43%, 5,5 uur, 3,4; empty where it does not apply."""
    value = report.value(table, row, column)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.key == "followed_share":
        return f"{round(value * 100)}%"
    if column.key == "answer_time":
        if value >= 48:
            return report.say("days", value=_decimal(report, value / 24))
        return report.say("hours", value=_decimal(report, value))
    if column.rate:
        return _decimal(report, value)
    return str(int(value))


def _decimal(report: Report, value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if report.language == "nl" else text


def _series(report: Report, key: str, column: str) -> list[float | None]:
    table = report.table(key)
    if table is None:
        return []
    by_column = {c.key: c for c in table.columns}
    values: list[float | None] = []
    for row in table.rows[: len(report.bucket_labels)]:
        value = report.value(table, row, by_column[column])
        values.append(float(value) if isinstance(value, int | float) else None)
    return values


def chart_svgs(report: Report) -> list[tuple[str, str]]:
    """(name, SVG) of the three pictures: active people, steps done, the nudges' effect."""
    per = report.say(f"per_{report.per}")
    labels = report.bucket_labels
    sent = _series(report, f"contact:{ALL}", "nudges")
    followed = _series(report, f"contact:{ALL}", "followed")
    # Only where both are shown is "not followed" drawn (suppression made sure it is not small).
    both = [s is not None and f is not None for s, f in zip(sent, followed, strict=True)]
    not_followed = [
        (s or 0) - (f or 0) if ok else None for s, f, ok in zip(sent, followed, both, strict=True)
    ]
    return [
        (
            "active",
            charts.bars_svg(
                labels,
                [(report.say("active"), _series(report, f"take_part:{ALL}", "active"))],
                title=report.say("chart_active", per=per),
            ),
        ),
        (
            "steps",
            charts.bars_svg(
                labels,
                [(report.say("steps_done"), _series(report, f"take_part:{ALL}", "steps"))],
                title=report.say("chart_steps", per=per),
            ),
        ),
        (
            "nudges",
            charts.bars_svg(
                labels,
                [
                    (
                        report.say("legend_followed"),
                        [f if ok else None for f, ok in zip(followed, both, strict=True)],
                    ),
                    (report.say("legend_not_followed"), not_followed),
                ],
                title=report.say("chart_nudges", per=per),
            ),
        ),
    ]


def to_html(report: Report) -> str:
    page = report.words.page
    environment = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(page.parent)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tables = [
        {
            "id": table.key.replace(":", "-").replace("*", "all"),
            "title": table.title,
            "heading": table.heading,
            "columns": [c.label for c in table.columns],
            "rows": [
                {
                    "label": row.label,
                    "total": row.key == TOTAL,
                    "cells": [shown_text(report, table, row, c) for c in table.columns],
                }
                for row in table.rows
            ],
        }
        for table in report.tables
    ]
    return environment.get_template(page.name).render(
        language=report.language,
        title=report.title,
        subtitle=report.subtitle,
        generated=report.generated,
        notes=report.notes,
        definitions=report.definitions,
        definitions_title=report.say("definitions"),
        contents_title=report.say("contents"),
        charts_title=report.say("charts"),
        chart_hidden=report.say("chart_hidden"),
        charts=[(name, Markup(svg)) for name, svg in chart_svgs(report)],  # our own drawing
        tables=tables,
    )


def write(report: Report, format: str) -> str:
    if format == "json":
        return to_json(report)
    if format == "csv":
        return to_csv(report)
    return to_html(report)
