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

__all__ = ["LANGUAGES", "Content", "ContentError", "Line", "Problem", "Renderer", "load_content"]


@dataclass(frozen=True)
class Content:
    lines: dict[str, Line]
    renderer: Renderer

    def line(self, key: str) -> Line:
        return self.lines[key]


def load_content(extra_dirs: Sequence[str | Path] = ()) -> Content:
    directories = content_dirs(extra_dirs)
    return Content(lines=require_lines(directories), renderer=require_renderer(directories))
