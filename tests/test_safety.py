"""The crisis phrase list (content/safety/): every phrase in both languages is found in a
sentence, whatever the case or accents; the documented choice for everyday speech holds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from content.safety import load_safety

CONTENT = Path(__file__).resolve().parents[1] / "content"
SAFETY, PROBLEMS = load_safety([CONTENT])


def listed(language: str, key: str) -> list[str]:
    data = tomllib.loads((CONTENT / "safety" / f"{language}.toml").read_text(encoding="utf-8"))
    found: list[str] = data[key]
    return found


def test_the_lists_load_without_problems() -> None:
    assert PROBLEMS == []
    assert len(SAFETY) >= 30


@pytest.mark.parametrize(
    "phrase", [*listed("nl", "phrases"), *listed("en", "phrases")], ids=lambda p: p
)
def test_every_phrase_is_found_in_a_sentence(phrase: str) -> None:
    assert SAFETY.matches(f"Weet je, {phrase}.")
    assert SAFETY.matches(phrase.upper())


@pytest.mark.parametrize(
    "text",
    [
        "Ik wil dood",
        "eigenlijk wil ik dood",
        "IK KAN NIET MEER!!",
        "ik kan niet meer slapen van de zorgen",  # a phrase opens the sentence: it counts
        "Ik heb zelfmoordgedachten",
        "er is geweld thuis",
        "Ik ga dood van het lachen, maar eigenlijk wil ik dood",  # harmless first, then not
        "ik kan niet meer wachten, ik kan niet meer",
        "I can't go on like this",
        "zelfmóórd",
    ],
)
def test_crisis(text: str) -> None:
    assert SAFETY.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ik ga dood van het lachen",  # hyperbole: "ik ga dood" is no phrase (see nl.toml)
        "ik ga dood van de honger",
        "Ik kan niet meer wachten tot de vakantie!",
        "ik kan niet meer stoppen met lachen",
        "Ik kan niet meer inloggen op de site",
        "I can't wait for Friday",
        "I'm dying to see it",
        "Ik ben doodmoe",
        "de wiskundetoets was moordend",
    ],
)
def test_not_a_crisis(text: str) -> None:
    assert not SAFETY.matches(text)


def test_harmless_expressions_only_hide_themselves() -> None:
    for expression in [*listed("nl", "harmless"), *listed("en", "harmless")]:
        assert not SAFETY.matches(expression), expression
        assert SAFETY.matches(f"{expression}. Ik wil dood."), expression
