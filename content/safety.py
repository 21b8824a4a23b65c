"""Crisis phrases: the first question asked of any free text (see ARCHITECTURE.md)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from content.lines import LANGUAGES
from content.problems import Problem, read_toml


def normalise(text: str) -> str:
    """Lower case, no accents, non-letters as single spaces: "Zelfmóórd!" -> " zelfmoord "."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " " + re.sub(r"[^\w]+", " ", plain).strip() + " "


class SafetyPhrases:
    def __init__(self, phrases: Iterable[str], harmless: Iterable[str] = ()) -> None:
        # Matched from the start of a word, to any end: Dutch glues words together, and
        # "zelfmoordgedachten" must count as much as "zelfmoord".
        self._phrases = sorted({normalise(p).rstrip() for p in phrases if p.strip()})
        # Whole set expressions (word to word) that contain a phrase but mean no harm.
        self._harmless = sorted({normalise(h) for h in harmless if h.strip()}, key=len)[::-1]

    def __len__(self) -> int:
        return len(self._phrases)

    @property
    def phrases(self) -> list[str]:
        return [p.strip() for p in self._phrases]

    def matches(self, text: str) -> bool:
        """Whether `text` contains one of the phrases at a word start, in any language, once
        the harmless set expressions are taken out."""
        haystack = normalise(text)
        for expression in self._harmless:
            while expression in haystack:
                haystack = haystack.replace(expression, " | ")
        return any(phrase in haystack for phrase in self._phrases)


def load_safety(directories: Sequence[Path]) -> tuple[SafetyPhrases, list[Problem]]:
    """Every language's phrases together: a Dutch client may well write in English."""
    phrases: list[str] = []
    harmless: list[str] = []
    problems: list[Problem] = []
    for language in LANGUAGES:
        for directory in directories:
            path = directory / "safety" / f"{language}.toml"
            if not path.exists():
                continue
            data, problem = read_toml(path)
            if data is None:
                problems.extend([problem] if problem else [])
                continue
            found = data.get("phrases")
            if not isinstance(found, list) or not all(isinstance(p, str) for p in found):
                problems.append(Problem(str(path), "phrases", "expected a list of texts"))
                continue
            phrases.extend(found)
            calm = data.get("harmless", [])
            if not isinstance(calm, list) or not all(isinstance(h, str) for h in calm):
                problems.append(Problem(str(path), "harmless", "expected a list of texts"))
                continue
            harmless.extend(calm)
    safety = SafetyPhrases(phrases, harmless)

    if not len(safety):
        problems.append(Problem("safety/nl.toml", "phrases", "no crisis phrases at all; add some"))
    return safety, problems


def load_notice_version(directories: Sequence[Path]) -> tuple[str, list[Problem]]:
    version = ""
    problems: list[Problem] = []
    for directory in directories:
        path = directory / "privacy.toml"
        if not path.exists():
            continue
        data, problem = read_toml(path)
        if data is None:
            problems.extend([problem] if problem else [])
            continue
        value = data.get("notice_version")
        if not isinstance(value, str) or not value.strip() or len(value) > 20:
            problems.append(Problem(str(path), "notice_version", "expected a short text"))
            continue
        version = value.strip()
    if not version:
        problems.append(Problem("privacy.toml", "notice_version", "missing; add it"))
    return version, problems


def load_lock_screen_words(directories: Sequence[Path]) -> tuple[list[str], list[Problem]]:
    """Words a locked phone must not show on the first line of an unasked message."""
    found: list[str] = []
    problems: list[Problem] = []
    for directory in directories:
        path = directory / "privacy.toml"
        if not path.exists():
            continue
        data, problem = read_toml(path)
        if data is None:
            problems.extend([problem] if problem else [])
            continue
        words = data.get("lock_screen_words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            problems.append(Problem(str(path), "lock_screen_words", "expected a list of texts"))
            continue
        found.extend(words)
    return found, problems
