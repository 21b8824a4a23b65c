"""Small numbers in anonymous figures: any count below `threshold` (5) is shown as "<5", and no
such count may be worked out from the others by adding or subtracting.

A report lists the sums it holds as `Relation`s: a total and its parts (a year's total and its
weeks, all lines and each line, or "nudges sent" = "followed" + "not followed"). A part the
report does not show (like "not followed") is a hidden cell with a value: it is never shown,
but it is sensitive when small, since it could be computed from the cells that are.

The rule, applied until nothing changes (the usual "complementary suppression" of official
statistics): when a relation has exactly one unknown cell and that cell is hidden (or is a
never-shown part that is small), the smallest shown cell of the relation is hidden too. A
relation with two unknowns cannot be solved. A cell hidden that way shows "×", not "<5",
because it is not small; it is protected like the small ones, or working it out would give
them away in the next sum.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

THRESHOLD = 5

CellId = TypeVar("CellId", bound=Hashable)


class Mark(StrEnum):
    SMALL = "<5"  # the count is below the threshold
    HIDDEN = "×"  # not small itself, hidden so that a small count cannot be worked out


@dataclass(frozen=True)
class Relation(Generic[CellId]):
    """`total` = sum of `parts`."""

    total: CellId
    parts: tuple[CellId, ...]

    def members(self) -> tuple[CellId, ...]:
        return (self.total, *self.parts)


def small(value: int, threshold: int = THRESHOLD) -> bool:
    return value < threshold


def suppress(
    shown: Mapping[CellId, int],
    relations: Iterable[Relation[CellId]],
    *,
    unshown: Mapping[CellId, int] | None = None,
    threshold: int = THRESHOLD,
) -> dict[CellId, Mark]:
    """Which of the `shown` cells to mark, and how. `unshown` are cells a relation needs that
    the report never shows (their values, to know whether they are small)."""
    hidden_values = dict(unshown or {})
    relations = [
        r
        for r in relations
        if r.parts and all(m in shown or m in hidden_values for m in r.members())
    ]
    marks: dict[CellId, Mark] = {
        cell: Mark.SMALL for cell, value in shown.items() if small(value, threshold)
    }

    def unknown(cell: CellId) -> bool:
        return cell in marks or cell in hidden_values

    def protected(cell: CellId) -> bool:
        """Hidden from the reader, so it must stay unknown: every marked cell (one hidden to
        protect another too, or the reader could work it out and then the small one), and a
        never-shown part when it is small."""
        return cell in marks or small(hidden_values[cell], threshold)

    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknowns = [m for m in relation.members() if unknown(m)]
            if len(unknowns) != 1 or not protected(unknowns[0]):
                continue
            # Hide the smallest part shown (the total only when no part is left): it costs the
            # reader the least.
            candidates = [m for m in relation.parts if not unknown(m)] or [relation.total]
            if unknown(candidates[0]):
                continue  # nothing left to hide (cannot happen with one unknown; a guard)
            victim = min(candidates, key=lambda m: (shown[m], str(m)))
            marks[victim] = Mark.HIDDEN
            changed = True
    return marks


def derivable(
    shown: Mapping[CellId, int],
    relations: Iterable[Relation[CellId]],
    marks: Mapping[CellId, Mark],
    *,
    unshown: Mapping[CellId, int] | None = None,
) -> dict[CellId, int]:
    """What a reader can work out exactly from what is shown: every unknown cell that is alone
    in a relation of known cells, repeated (for tests and for a report's own check)."""
    hidden_values = dict(unshown or {})
    known: dict[CellId, int] = {c: v for c, v in shown.items() if c not in marks}
    relations = [r for r in relations if all(m in shown or m in hidden_values for m in r.members())]
    found: dict[CellId, int] = {}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            missing = [m for m in relation.members() if m not in known]
            if len(missing) != 1:
                continue
            cell = missing[0]
            parts = sum(known[m] for m in relation.parts if m != cell)
            value = parts if cell == relation.total else known[relation.total] - parts
            known[cell] = found[cell] = value
            changed = True
    return found
