"""Content as data: learning lines, message templates and button labels, per language.

`load_content(extra_dirs)` returns everything the bot needs, validated, or raises ContentError
naming every file and key that is wrong. Nothing here imports `telegram`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from content.lines import LANGUAGES, Line, require_lines
from content.problems import ContentError, Problem
from content.render import Renderer, content_dirs, require_renderer
from content.report_words import ReportWords, load_report_words
from content.safety import SafetyPhrases, load_notice_version, load_safety

__all__ = ["LANGUAGES", "Content", "ContentError", "Line", "Problem", "Renderer", "load_content"]


@dataclass(frozen=True)
class Content:
    lines: dict[str, Line]
    renderer: Renderer
    safety: SafetyPhrases
    notice_version: str
    report: ReportWords  # the anonymous report's words and page (content/report/)

    def line(self, key: str) -> Line:
        return self.lines[key]

    def nudge_pictures(self) -> tuple[str, ...]:
        return _nudge_pictures(self.renderer.directories)

    def picture(self, name: str) -> Path | None:
        """The file for a step's `picture` (the organisation's own folders first)."""
        for directory in reversed(self.renderer.directories):
            path = directory / "pictures" / name
            if path.is_file():
                return path
        return None


NUDGE_PICTURES = ("nudge-*.png", "nudge-*.jpg")


def _nudge_pictures(directories: Sequence[Path]) -> tuple[str, ...]:
    """The cheerful pictures a second nudge may bring: `pictures/nudge-*.png` (or .jpg) in
    every content folder, the organisation's own among them."""
    names = {
        path.name
        for directory in directories
        for pattern in NUDGE_PICTURES
        for path in (directory / "pictures").glob(pattern)
    }
    return tuple(sorted(names))


def load_content(
    extra_dirs: Sequence[str | Path] = (), video_links: Mapping[str, str] | None = None
) -> Content:
    directories = content_dirs(extra_dirs)
    lines = with_videos(require_lines(directories), video_links or {})
    renderer = require_renderer(directories)
    safety, safety_problems = load_safety(directories)
    notice_version, notice_problems = load_notice_version(directories)
    report, report_problems = load_report_words(directories)
    if safety_problems or notice_problems or report_problems or report is None:
        raise ContentError(safety_problems + notice_problems + report_problems)
    return Content(
        lines=lines,
        renderer=renderer,
        safety=safety,
        notice_version=notice_version,
        report=report,
    )


def with_videos(lines: dict[str, Line], video_links: Mapping[str, str]) -> dict[str, Line]:
    """The organisation's own video links (`[content] video_links`) in place of the shipped."""
    problems = []
    for key, url in video_links.items():
        line_key, _, step_key = key.partition(".")
        line = lines.get(line_key)
        step = line.step(step_key) if line else None
        if line is None or step is None:
            problems.append(
                Problem(
                    "[content] video_links", key, "no such line.step; see `duwtje content list`"
                )
            )
            continue
        steps = tuple(
            s.model_copy(update={"video_url": url}) if s is step else s for s in line.steps
        )
        lines[line_key] = line.model_copy(update={"steps": steps})
    if problems:
        raise ContentError(problems)
    return lines
