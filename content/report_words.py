"""The words of the anonymous report: `report/<language>.toml` (flat `key = "text"`, `{name}`
values filled in with str.format) and the page around them, `report/page.html` (a Jinja2
template with autoescape). An organisation's own content folder may replace either file."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content.lines import LANGUAGES
from content.problems import ContentError, Problem, read_toml

PAGE = "page.html"


@dataclass(frozen=True)
class ReportWords:
    words: dict[str, dict[str, str]]  # language -> key -> text
    page: Path

    def say(self, key: str, language: str, /, **values: Any) -> str:
        return self.words[language if language in self.words else "nl"][key].format(**values)


def _last(directories: Sequence[Path], name: str) -> Path | None:
    found = [d / "report" / name for d in directories if (d / "report" / name).exists()]
    return found[-1] if found else None


def load_report_words(directories: Sequence[Path]) -> tuple[ReportWords | None, list[Problem]]:
    problems: list[Problem] = []
    words: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = _last(directories, f"{language}.toml")
        if path is None:
            problems.append(
                Problem(f"report/{language}.toml", "-", "missing: copy the shipped file")
            )
            continue
        data, problem = read_toml(path)
        if problem is not None or data is None:
            problems.extend([problem] if problem else [])
            continue
        texts: dict[str, str] = {}
        for key, value in data.items():
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(str(path), key, "give a text in quotes"))
                continue
            try:
                list(string.Formatter().parse(value))
            except ValueError as exc:
                problems.append(Problem(str(path), key, f"a {{value}} is not closed ({exc})"))
                continue
            texts[key] = value
        words[language] = texts
    if len(words) == len(LANGUAGES):
        first, *others = LANGUAGES
        for other in others:
            for missing, there, language in (
                (set(words[first]) - set(words[other]), first, other),
                (set(words[other]) - set(words[first]), other, first),
            ):
                problems.extend(
                    Problem(
                        f"report/{language}.toml",
                        key,
                        f"missing here (it is in report/{there}.toml): add it",
                    )
                    for key in sorted(missing)
                )
    page = _last(directories, PAGE)
    if page is None:
        problems.append(Problem(f"report/{PAGE}", "-", "missing: copy the shipped file"))
    if problems or page is None:
        return None, problems
    return ReportWords(words, page), []


def require_report_words(directories: Sequence[Path]) -> ReportWords:
    words, problems = load_report_words(directories)
    if words is None:
        raise ContentError(problems)
    return words
