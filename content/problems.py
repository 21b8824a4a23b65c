"""A content problem: which file, which key, what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


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
