"""Content as data: learning lines, message templates and button labels, per language.

`load_content(extra_dirs)` returns everything the bot needs, validated, or raises ContentError
naming every file and key that is wrong. Nothing here imports `telegram`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from content.lines import LANGUAGES, Line, require_lines
from content.problems import ContentError, Problem
from content.render import Renderer, content_dirs, require_renderer
from content.safety import SafetyPhrases, load_notice_version, load_safety

__all__ = ["LANGUAGES", "Content", "ContentError", "Line", "Problem", "Renderer", "load_content"]


@dataclass(frozen=True)
class Content:
    lines: dict[str, Line]
    renderer: Renderer
    safety: SafetyPhrases
    notice_version: str

    def line(self, key: str) -> Line:
        return self.lines[key]


def load_content(extra_dirs: Sequence[str | Path] = ()) -> Content:
    directories = content_dirs(extra_dirs)
    lines = require_lines(directories)
    renderer = require_renderer(directories)
    safety, safety_problems = load_safety(directories)
    notice_version, notice_problems = load_notice_version(directories)
    if safety_problems or notice_problems:
        raise ContentError(safety_problems + notice_problems)
    return Content(lines=lines, renderer=renderer, safety=safety, notice_version=notice_version)
