"""A content problem: which file, which key, what is wrong and how to fix it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ContentError(Exception):
    """Content that cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else "unknown problem"
        more = (
            f" (and {len(problems) - 1} more; run `duwtje content check`)"
            if len(problems) > 1
            else ""
        )
        super().__init__(f"{first}{more}")


def read_toml(path: Path) -> tuple[dict[str, Any] | None, Problem | None]:
    """A content file's data, or the problem that keeps us from reading it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, Problem(str(path), "-", f"cannot read the file ({exc})")
    except tomllib.TOMLDecodeError as exc:
        return None, Problem(str(path), "-", f"not valid TOML: {exc}")
