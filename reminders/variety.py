"""Variety: which of a rung's texts someone gets, never the one they had last time."""

from __future__ import annotations


def pick_variant(count: int, *, seed: int, last: str | None, rung: int) -> int:
    """One of `count` texts of `rung`, spread by `seed` (the traject and how often it was
    nudged), and never the text of the person's previous nudge (`last`, as `text_id` made it)."""
    if count <= 0:
        raise ValueError("a rung needs at least one text")
    variant = seed % count
    if count > 1 and text_id(rung, variant) == last:
        variant = (variant + 1) % count
    return variant


def text_id(rung: int, variant: int) -> str:
    """How a nudge text is named in the log: "2.4" is rung 2's fifth text."""
    return f"{rung}.{variant}"
