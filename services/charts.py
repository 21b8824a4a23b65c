"""Check-in scores over time as a small chart (matplotlib, no screen needed).

matplotlib is imported when a chart is asked for, not when the bot starts: it costs a second
and 30 MB, and most processes never draw.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from storage.client_page import Score

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int], *, low: int = 0, high: int = 10) -> str:
    """Scores as a row of block characters, for a text message (a digest, a page)."""
    high = max(high, low)
    marks = _marks(low, high)
    return "".join(marks[min(max(v, low), high) - low] for v in values)


@cache
def _marks(low: int, high: int) -> tuple[str, ...]:
    """The block for each score from `low` to `high`: a digest draws a hundred lines."""
    span = max(high - low, 1)
    top = len(SPARKS) - 1
    return tuple(SPARKS[round((v - low) / span * top)] for v in range(low, high + 1))


def by_item(scores: Sequence[Score]) -> dict[tuple[str | None, str], list[Score]]:
    """Scores per (check-in step, question), each in time order."""
    grouped: dict[tuple[str | None, str], list[Score]] = defaultdict(list)
    for score in scores:
        grouped[(score.step_key, score.item_key)].append(score)
    return dict(grouped)


def scores_chart(
    series: dict[str, list[tuple[datetime, int]]], *, title: str, zone: ZoneInfo, high: int = 10
) -> bytes:
    """One line per question, scores over the dates they were given; a PNG."""
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6), dpi=110)
    axes = figure.subplots()
    for label, points in series.items():
        axes.plot(  # matplotlib plots datetimes; its type hints only say numbers
            [at.astimezone(zone) for at, _ in points],  # type: ignore[arg-type]
            [value for _, value in points],
            marker="o",
            label=label,
        )
    axes.set_ylim(-0.3, high + 0.3)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.xaxis.set_major_formatter(DateFormatter("%d-%m", tz=zone))  # type: ignore[no-untyped-call]
    if len(series) > 1:
        axes.legend(fontsize="small", loc="lower left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def bars_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    colours: Sequence[str] = ("#2f6f8f", "#e0a030"),
) -> str:
    """Bars per period, stacked when there are several series, as an inline SVG element (for a
    self-contained HTML page). A value of None (hidden: fewer than 5) leaves its spot empty."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(7.2, 3.0), dpi=100)
        axes = figure.subplots()
        positions = list(range(len(labels)))
        bottoms = [0.0] * len(labels)
        for (name, values), colour in zip(series, colours, strict=False):
            heights = [v if v is not None else 0.0 for v in values]
            shown = [v is not None for v in values]
            axes.bar(
                [p for p, s in zip(positions, shown, strict=True) if s],
                [h for h, s in zip(heights, shown, strict=True) if s],
                bottom=[b for b, s in zip(bottoms, shown, strict=True) if s],
                color=colour,
                label=name,
            )
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        step = max(1, len(labels) // 13)  # at most about 13 labels under the bars
        axes.set_xticks(positions[::step], list(labels)[::step], rotation=0)
        axes.set_title(title)
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if len(series) > 1:
            axes.legend(fontsize="small", loc="upper left", frameon=False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
