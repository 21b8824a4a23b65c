"""Small numbers in anonymous figures: any count below `threshold` (5) is shown as "<5", and no
such count may be worked out from the rest of the report.

A report lists the sums it holds as `Relation`s: a total and its parts (a year's total and its
weeks, all lines and each line, or "nudges sent" = "followed" + "not followed"). A part the
report does not show (like "not followed") is an unshown cell with a value: it is never shown,
but it is sensitive when small, since it could be computed from the cells that are.

What a reader knows is more than the numbers shown: a "<5" is 0 to 4, a "×" (hidden for
another's sake) is 5 or more, an unshown part is 0 or more. `suppress` first works the way a
patient reader with a calculator would: it narrows every hidden cell's range through every sum,
again and again (interval propagation). Where that finds nothing more, it asks what a reader
combining all sums at once could find: each small count's least and most value by linear
programming (scipy's HiGHS), per group of connected sums. Wherever a small count comes out as
one exact value, one more shown cell is hidden in the nearest sum that still shows one (its
smallest part, else its total), and it looks again, until no small count can be pinned down. A
cell hidden that way shows "×", not "<5", because it is not small.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

THRESHOLD = 5
MAX_PASSES = 60  # propagation passes per round; each pass only narrows, so it settles fast

CellId = TypeVar("CellId", bound=Hashable)


class Mark(StrEnum):
    SMALL = "<5"  # the count is below the threshold
    HIDDEN = "×"  # not small itself, hidden so that a small count cannot be worked out


@dataclass(frozen=True)
class Relation(Generic[CellId]):
    """`total` = sum of `parts` - sum of `minus` (`minus`: an overlap, as people active on two
    lines count in both lines and once in all lines)."""

    total: CellId
    parts: tuple[CellId, ...]
    minus: tuple[CellId, ...] = ()

    def members(self) -> tuple[CellId, ...]:
        return (self.total, *self.parts, *self.minus)

    def terms(self) -> tuple[tuple[CellId, int], ...]:
        """The relation as sum(coefficient * cell) = 0."""
        return ((self.total, 1), *((p, -1) for p in self.parts), *((m, 1) for m in self.minus))


def small(value: int, threshold: int = THRESHOLD) -> bool:
    return value < threshold


class _Reader(Generic[CellId]):
    """What can be known about each cell, given what is shown."""

    def __init__(
        self,
        shown: Mapping[CellId, int],
        unshown: Mapping[CellId, int],
        relations: list[Relation[CellId]],
        threshold: int,
        harmless_zero: frozenset[CellId] = frozenset(),
    ) -> None:
        self.shown, self.unshown, self.threshold = shown, unshown, threshold
        self.relations = relations
        self.harmless_zero = harmless_zero

    def value(self, cell: CellId) -> int:
        return self.shown[cell] if cell in self.shown else self.unshown[cell]

    def sensitive(self, cell: CellId) -> bool:
        """An unshown part is sensitive when small; for some (an overlap of lines) a zero
        says nothing about anyone."""
        value = self.unshown[cell]
        return small(value, self.threshold) and not (value == 0 and cell in self.harmless_zero)

    def ranges(self, marks: Mapping[CellId, Mark]) -> dict[CellId, tuple[float, float]]:
        low_small, high_small = 0.0, float(self.threshold - 1)
        known: dict[CellId, tuple[float, float]] = {}
        for cell, value in self.shown.items():
            mark = marks.get(cell)
            if mark is None:
                known[cell] = (value, value)
            elif mark == Mark.SMALL:
                known[cell] = (low_small, high_small)
            else:
                known[cell] = (float(self.threshold), math.inf)
        for cell in self.unshown:
            known[cell] = (0.0, math.inf)
        for _ in range(MAX_PASSES):
            changed = False
            for relation in self.relations:
                changed |= _narrow(relation.terms(), known)
            if not changed:
                break
        return known

    def pinned(self, marks: Mapping[CellId, Mark]) -> list[CellId]:
        """The small hidden counts (shown as "<5", or never shown) that a reader can work out."""
        ranges = self.ranges(marks)
        found = [c for c, m in marks.items() if m == Mark.SMALL and ranges[c][0] == ranges[c][1]]
        found += [c for c in self.unshown if self.sensitive(c) and ranges[c][0] == ranges[c][1]]
        return found


def _narrow(
    terms: tuple[tuple[CellId, int], ...], known: dict[CellId, tuple[float, float]]
) -> bool:
    """One relation's sum(a * x) = 0: each cell's range from the others'. True if any moved."""
    lows = [min(a * known[c][0], a * known[c][1]) for c, a in terms]
    highs = [max(a * known[c][0], a * known[c][1]) for c, a in terms]
    low_sum = sum(v for v in lows if v != -math.inf)
    high_sum = sum(v for v in highs if v != math.inf)
    low_inf = sum(1 for v in lows if v == -math.inf)
    high_inf = sum(1 for v in highs if v == math.inf)
    changed = False
    for (cell, a), low, high in zip(terms, lows, highs, strict=True):
        old_low, old_high = known[cell]
        if old_low == old_high:
            continue
        rest_low = (
            -math.inf
            if low_inf - (low == -math.inf)
            else low_sum - (0 if low == -math.inf else low)
        )
        rest_high = (
            math.inf
            if high_inf - (high == math.inf)
            else high_sum - (0 if high == math.inf else high)
        )
        # a * x = -(the rest)
        if a > 0:
            new_low, new_high = -rest_high, -rest_low
        else:
            new_low, new_high = rest_low, rest_high
        new_low = max(old_low, math.ceil(new_low) if new_low != -math.inf else new_low)
        new_high = min(old_high, math.floor(new_high) if new_high != math.inf else new_high)
        if (new_low, new_high) != (old_low, old_high) and new_low <= new_high:
            known[cell] = (new_low, new_high)
            changed = True
    return changed


def suppress(
    shown: Mapping[CellId, int],
    relations: Iterable[Relation[CellId]],
    *,
    unshown: Mapping[CellId, int] | None = None,
    harmless_zero: Iterable[CellId] = (),
    threshold: int = THRESHOLD,
) -> dict[CellId, Mark]:
    """Which of the `shown` cells to mark, and how. `unshown` are cells a relation needs that
    the report never shows (their values, to know whether they are small); `harmless_zero`:
    unshown cells whose zero may be known (people on two lines at once: none)."""
    hidden_values = dict(unshown or {})
    usable = [
        r
        for r in relations
        if (r.parts or r.minus) and all(m in shown or m in hidden_values for m in r.members())
    ]
    marks: dict[CellId, Mark] = {
        cell: Mark.SMALL for cell, value in shown.items() if small(value, threshold)
    }
    reader = _Reader(shown, hidden_values, usable, threshold, frozenset(harmless_zero))
    holding: dict[CellId, list[Relation[CellId]]] = {}
    for relation in usable:
        for member in relation.members():
            holding.setdefault(member, []).append(relation)
    solved: dict[tuple[object, ...], list[CellId]] = {}
    for _ in range(len(shown) + 1):  # each round hides at least one more cell
        # Quick reasoning first (it finds most); the exact check only once that finds nothing.
        leaks = reader.pinned(marks) or _pinned_exactly(reader, usable, marks, solved)
        if not leaks:
            return marks
        victims: set[CellId] = set()
        for cell in leaks:
            victim = _nearest_victim(cell, holding, marks, hidden_values, shown)
            if victim is not None:
                victims.add(victim)
        if not victims:
            break  # nothing left to hide around them (cannot happen with shown cells left)
        for victim in victims:
            marks[victim] = Mark.HIDDEN
    return marks


def _pinned_exactly(
    reader: _Reader[CellId],
    relations: list[Relation[CellId]],
    marks: Mapping[CellId, Mark],
    cache: dict[tuple[object, ...], list[CellId]],
) -> list[CellId]:
    """The small hidden counts a reader could pin down by combining sums, which narrowing one
    sum at a time can miss: for each, the least and the most it can be given everything shown
    (a "<5" 0-4, a "×" 5 or more, an unshown part 0 or more), by linear programming (scipy's
    HiGHS), one group of connected sums at a time. A group whose cells and marks did not
    change since the last round is not solved again (`cache`)."""

    def unknown(cell: CellId) -> bool:
        return cell in marks or cell in reader.unshown

    found: list[CellId] = []
    for group in _connected([r for r in relations if any(unknown(m) for m in r.members())]):
        cells = sorted({m for r in group for m in r.members() if unknown(m)}, key=str)
        sensitive = [
            c
            for c in cells
            if marks.get(c) == Mark.SMALL or (c in reader.unshown and reader.sensitive(c))
        ]
        if not sensitive:
            continue
        key = (len(group), *((str(c), marks.get(c)) for c in cells))
        if key not in cache:
            cache[key] = _group_pinned(reader, group, cells, sensitive, marks)
        found += cache[key]
    return found


def _group_pinned(
    reader: _Reader[CellId],
    group: list[Relation[CellId]],
    cells: list[CellId],
    sensitive: list[CellId],
    marks: Mapping[CellId, Mark],
) -> list[CellId]:
    import numpy as np
    from scipy.optimize import linprog

    index = {cell: i for i, cell in enumerate(cells)}
    matrix = np.zeros((len(group), len(cells)))
    constants = np.zeros(len(group))
    for row, relation in enumerate(group):
        for cell, coefficient in relation.terms():
            if cell in index:
                matrix[row, index[cell]] += coefficient
            else:
                constants[row] -= coefficient * reader.shown[cell]
    bounds = [
        (0, None)
        if c in reader.unshown
        else (0, reader.threshold - 1)
        if marks[c] == Mark.SMALL
        else (reader.threshold, None)
        for c in cells
    ]

    def most(column: int, sign: float) -> float | None:
        """The largest (sign 1) or least (sign -1) value the cell can take."""
        objective = np.zeros(len(cells))
        objective[column] = -sign
        result = linprog(objective, A_eq=matrix, b_eq=constants, bounds=bounds, method="highs")
        return sign * float(result.x[column]) if result.status == 0 else None

    # The true values are one solution, so a cell is free when its largest or least value
    # differs from the truth: usually one solve tells.
    found = []
    for cell in sensitive:
        column, truth = index[cell], reader.value(cell)
        high = most(column, 1.0)
        if high is not None and high - truth >= 0.5:
            continue
        low = most(column, -1.0)
        if low is None or truth - low < 0.5:  # a solver failure counts as pinned: hide more
            found.append(cell)
    return found


def _connected(relations: list[Relation[CellId]]) -> list[list[Relation[CellId]]]:
    """Relations in groups that share no cell (union-find over their members)."""
    parent: dict[CellId, CellId] = {}

    def root(cell: CellId) -> CellId:
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        first, *others = relation.members()
        for other in others:
            parent[root(other)] = root(first)
    groups: dict[CellId, list[Relation[CellId]]] = {}
    for relation in relations:
        groups.setdefault(root(relation.total), []).append(relation)
    return list(groups.values())


def _nearest_victim(
    leak: CellId,
    holding: Mapping[CellId, list[Relation[CellId]]],
    marks: Mapping[CellId, Mark],
    unshown: Mapping[CellId, int],
    shown: Mapping[CellId, int],
) -> CellId | None:
    """A cell to hide for `leak`: in a sum that holds it, else (the leak comes through other
    hidden cells) in the nearest sum along the chain of hidden cells that still shows one."""
    seen, frontier = {leak}, [leak]
    while frontier:
        relations = [r for cell in frontier for r in holding.get(cell, [])]
        victim = _victim(relations, marks, unshown, shown)
        if victim is not None:
            return victim
        following = []
        for relation in relations:
            for member in relation.members():
                if member not in seen:
                    seen.add(member)
                    following.append(member)
        frontier = following
    return None


def _victim(
    relations: list[Relation[CellId]],
    marks: Mapping[CellId, Mark],
    unshown: Mapping[CellId, int],
    shown: Mapping[CellId, int],
) -> CellId | None:
    """In the sum with the fewest unknowns that holds the leak: its smallest shown part, else
    its total (a part costs the reader the least)."""

    def open_cells(relation: Relation[CellId]) -> list[CellId]:
        return [m for m in relation.members() if m not in marks and m not in unshown]

    candidates = [r for r in relations if open_cells(r)]
    if not candidates:
        return None
    best = min(candidates, key=lambda r: (len(r.members()) - len(open_cells(r)), len(r.members())))
    parts = [m for m in (*best.parts, *best.minus) if m in shown and m not in marks]
    if parts:
        return min(parts, key=lambda m: (shown[m], str(m)))
    return best.total


def derivable(
    shown: Mapping[CellId, int],
    relations: Iterable[Relation[CellId]],
    marks: Mapping[CellId, Mark],
    *,
    unshown: Mapping[CellId, int] | None = None,
    threshold: int = THRESHOLD,
) -> dict[CellId, int]:
    """Every hidden cell a reader can work out exactly (its value), by the same reasoning."""
    hidden_values = dict(unshown or {})
    usable = [
        r
        for r in relations
        if (r.parts or r.minus) and all(m in shown or m in hidden_values for m in r.members())
    ]
    ranges = _Reader(shown, hidden_values, usable, threshold).ranges(marks)
    return {
        cell: int(low)
        for cell, (low, high) in ranges.items()
        if low == high and (cell in marks or cell in hidden_values)
    }
