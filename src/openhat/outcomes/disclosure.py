"""Small-cell and complementary suppression across a whole published report (no Django).

A public report publishes named counts ("cells", keys such as "2026-11/starts/dam") and the
linear relations between them (`Relation`: a total equals the sum of its parts; one cell may be a
part or a total of several relations, e.g. the starts of a month are the total of the starts by
drug there and the number at risk of that month's retention cohort in later reports). Anyone can
write those relations down and solve them, so hiding a small count is not enough.

The method (docs/public-report.md):

1. Primary suppression: every count from 1 to `threshold - 1` is hidden. Zero is shown (it points
   at nobody), and a zero is never hidden, so an attacker may take every hidden cell to be >= 1.
2. Sticky cells: a cell hidden in an earlier frozen report (an earlier version of the period, or
   another period that shares the cell, e.g. a month's starts) stays hidden, so that two reports
   never show a cell once hidden and once not.
3. Complementary suppression, per relation: while a relation has a hidden member and fewer than
   two hidden members, or its total is shown and its hidden parts together are below the
   threshold, the smallest shown non-zero member that is not already public elsewhere is hidden
   too. A cell already public (`known`: published with the same value in an earlier frozen
   report) protects nothing and is never chosen.
4. Audit: for every hidden cell, of this report and of the earlier ones, the smallest and largest
   value it can take over all solutions of this report's and the earlier reports' relations
   (shown and known cells fixed, hidden cells >= 1) is found by linear programming. Earlier
   versions (`earlier_versions`) are copies of their cells, each equal to the current cell
   unless a revision is known or that guess contradicts the numbers, as an attacker would guess
   (a shown total revised by 1 beside unrevised hidden parts gives the revised part away). A
   cell whose bounds meet is pinned: one more member of a relation that holds it (or, if none is
   left, of one a hidden cell further) is hidden, and steps 3-4 run again until no cell is
   pinned or nothing is left to hide (then the cell is reported in `exposed`; it was already
   derivable from what was public before).

`complementary=False` switches steps 3 and 4 off, `audit=False` step 4 alone: only the tests use
them, to show that the attacker (tests/outcomes/test_public_attacker.py) then pins a cell (step 3
alone is not enough in a table with margins both ways).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog


@dataclass(frozen=True)
class Relation:
    total: str
    parts: tuple[str, ...]

    @property
    def members(self) -> tuple[str, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Suppressed:
    shown: dict[str, int | None]  # every cell, None where hidden
    exposed: tuple[str, ...] = field(default=())  # hidden, yet pinned by what was public before

    @property
    def hidden(self) -> set[str]:
        return {key for key, value in self.shown.items() if value is None}


@dataclass(frozen=True)
class Report:
    """What one frozen report published: its period, every cell (None where hidden) and its
    relations."""

    period: str
    cells: Mapping[str, int | None]
    relations: tuple[Relation, ...]


def earlier_of(
    reports: Iterable[Report], period: str
) -> tuple[dict[str, int | None], list[Relation]]:
    """From the clinic's earlier reports (oldest first, every version): every cell, None if any
    report hid it (it stays hidden), else its latest published value; and the relations of the
    latest version of each other period (the period being frozen brings its own)."""
    merged: dict[str, int | None] = {}
    latest: dict[str, Report] = {}
    for report in reports:
        for key, value in report.cells.items():
            merged[key] = None if value is None or merged.get(key, 0) is None else value
        if report.period != period:
            latest[report.period] = report
    return merged, [relation for report in latest.values() for relation in report.relations]


def earlier_versions(reports: Iterable[Report], period: str) -> list[Report]:
    """The earlier reports that `earlier_of` does not stand for by cell key: every earlier version
    of `period` and every superseded version of another period. The audit gives each its own copy
    of its cells, linked to the current ones where no revision is known (step 4)."""
    reports = list(reports)
    latest = {r.period: n for n, r in enumerate(reports)}
    return [r for n, r in enumerate(reports) if r.period == period or latest[r.period] != n]


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float  # math.inf when unbounded

    @property
    def pinned(self) -> bool:
        if math.isinf(self.high):
            return False
        return math.ceil(self.low - 1e-6) >= math.floor(self.high + 1e-6)


def suppress_cells(
    values: Mapping[str, int],
    relations: Iterable[Relation],
    threshold: int,
    *,
    earlier: Mapping[str, int | None] | None = None,
    earlier_relations: Iterable[Relation] = (),
    versions: Iterable[Report] = (),
    complementary: bool = True,
    audit: bool = True,
) -> Suppressed:
    """Hide what must be hidden of `values` under `relations`.

    `earlier`: every cell of the clinic's earlier frozen reports (None where hidden there) and
    `earlier_relations` theirs: a cell hidden there stays hidden (sticky), one shown there with the
    same value is public already, and their relations join the audit. `versions`
    (`earlier_versions`): earlier reports the audit models as copies of the cells, so that a
    revision between versions cannot give a hidden cell away."""
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    if any(value < 0 for value in values.values()):
        raise ValueError("counts are never negative")
    earlier = dict(earlier or {})
    relations = [r for r in relations if all(key in values for key in r.members)]
    public = {k: v for k, v in earlier.items() if v is not None and values.get(k) == v}
    hidden = {k for k, v in values.items() if 0 < v < threshold}
    hidden |= {k for k, v in earlier.items() if v is None and values.get(k, 0) > 0}
    if not complementary:
        return Suppressed({k: (None if k in hidden else v) for k, v in values.items()})
    context = _Context(
        values, earlier, [*relations, *_consistent(earlier_relations, values, earlier)], versions
    )
    exposed: list[str] = []
    while True:
        _complete_relations(values, relations, threshold, hidden, public)
        pinned = [
            key
            for key, bound in context.audit(hidden, public).items()
            if bound.pinned and key not in exposed
        ]
        if not pinned or not audit:
            break
        key = pinned[0]
        candidate = _nearest_candidate(key, context.all_relations(), values, hidden, public)
        if candidate is None:
            exposed.append(key)
        else:
            hidden.add(candidate)
    return Suppressed(
        {k: (None if k in hidden else v) for k, v in values.items()}, tuple(sorted(exposed))
    )


def _consistent(
    relations: Iterable[Relation], values: Mapping[str, int], earlier: Mapping[str, int | None]
) -> list[Relation]:
    """Earlier relations whose cells still hold the values published then (a revised count makes
    the earlier relation a statement about other data)."""
    return [
        r
        for r in relations
        if all(
            k not in values or earlier.get(k) is None or earlier[k] == values[k] for k in r.members
        )
        and all(k in values or k in earlier for k in r.members)
    ]


def _copy(key: str, version: int) -> str:
    return f"{key}@{version}"


def _base(key: str) -> str:
    return key.split("@", 1)[0]


@dataclass(frozen=True)
class _Context:
    values: Mapping[str, int]
    earlier: Mapping[str, int | None]
    relations: list[Relation]
    versions: Iterable[Report] = ()

    def all_relations(self) -> list[Relation]:
        return [*self.relations, *(r for _, r in self._version_relations())]

    def _version_relations(self) -> list[tuple[int, Relation]]:
        return [
            (n, Relation(_copy(r.total, n), tuple(_copy(p, n) for p in r.parts)))
            for n, report in enumerate(self.versions)
            for r in report.relations
            if all(k in report.cells for k in r.members)
        ]

    def audit(self, hidden: set[str], public: Mapping[str, int]) -> dict[str, Bounds]:
        fixed: dict[str, int] = {
            k: v for k, v in self.earlier.items() if v is not None and k not in self.values
        }
        fixed.update({k: v for k, v in self.values.items() if k not in hidden})
        fixed.update({k: v for k, v in public.items() if k in hidden})
        unknown = {k for k in hidden if k not in fixed}
        unknown |= {k for k, v in self.earlier.items() if v is None and k not in self.values}
        links: list[Relation] = []
        for n, report in enumerate(self.versions):
            for key, value in report.cells.items():
                copy = _copy(key, n)
                if value is None:
                    unknown.add(copy)
                else:
                    fixed[copy] = value
                if _unrevised(key, value, self.values, fixed, unknown):
                    links.append(Relation(copy, (key,)))
        relations = [*self.all_relations()]
        found = solve_bounds(sorted(unknown), fixed, [*relations, *links])
        if found is None:  # a guessed link contradicts the numbers: the cell was revised
            found = solve_bounds(sorted(unknown), fixed, relations)
        return found or {}


def _unrevised(
    key: str,
    value: int | None,
    values: Mapping[str, int],
    fixed: Mapping[str, int],
    unknown: set[str],
) -> bool:
    """Whether an earlier version's copy of a cell is linked to the cell (equal, as an attacker
    guesses where nothing shows a revision): a copy shown with a value the cell no longer has, or
    hidden (so >= 1) where the cell is now 0, was revised."""
    if key not in unknown:
        return False  # shown now (or public): nothing to link an unknown to
    if value is None:
        return values.get(key) != 0
    return key not in values or values[key] == value


def _nearest_candidate(
    key: str,
    relations: list[Relation],
    values: Mapping[str, int],
    hidden: set[str],
    public: Mapping[str, int],
) -> str | None:
    """The smallest candidate among the members of the relations holding `key`; when all of them
    are hidden, zero or public, among those one relation further through a hidden cell, and so on
    (the cells pinning `key` may all be hidden already)."""
    reached = {key, _base(key)}
    while True:
        holding = {_base(m) for r in relations if reached & set(r.members) for m in r.members}
        holding |= {m for r in relations if reached & set(r.members) for m in r.members}
        candidate = _smallest_candidate(holding & set(values), values, hidden, public)
        grown = reached | {m for m in holding if m in hidden or _base(m) in hidden or "@" in m}
        if candidate is not None or grown == reached:
            return candidate
        reached = grown


def _smallest_candidate(
    keys: Iterable[str], values: Mapping[str, int], hidden: set[str], public: Mapping[str, int]
) -> str | None:
    options = sorted(
        (values[k], k) for k in keys if k not in hidden and k not in public and values[k] > 0
    )
    return options[0][1] if options else None


def _complete_relations(
    values: Mapping[str, int],
    relations: list[Relation],
    threshold: int,
    hidden: set[str],
    public: Mapping[str, int],
) -> None:
    changed = True
    while changed:
        changed = False
        for relation in relations:
            in_hiding = [k for k in relation.members if k in hidden]
            if not in_hiding:
                continue
            hidden_parts = sum(values[k] for k in relation.parts if k in hidden)
            too_few = len(in_hiding) < 2
            too_small = relation.total not in hidden and hidden_parts < threshold
            if not (too_few or too_small):
                continue
            candidate = _smallest_candidate(relation.parts, values, hidden, public)
            if candidate is None:
                candidate = _smallest_candidate([relation.total], values, hidden, public)
            if candidate is not None:
                hidden.add(candidate)
                changed = True


def solve_bounds(
    unknown: list[str], fixed: Mapping[str, int], relations: Iterable[Relation]
) -> dict[str, Bounds] | None:
    """Min and max of each unknown over x >= 1 with every relation (total = sum of parts) holding
    (None when no solution exists); a relation with a cell that is neither fixed nor unknown says
    nothing and is left out."""
    if not unknown:
        return {}
    index = {key: i for i, key in enumerate(unknown)}
    rows: list[list[float]] = []
    rhs: list[float] = []
    for relation in relations:
        if not all(k in index or k in fixed for k in relation.members):
            continue
        if not any(k in index for k in relation.members):
            continue
        row = [0.0] * len(unknown)
        constant = 0.0
        for key, sign in [(relation.total, 1.0)] + [(p, -1.0) for p in relation.parts]:
            if key in index:
                row[index[key]] += sign
            else:
                constant -= sign * fixed[key]
        rows.append(row)
        rhs.append(constant)
    if not rows:
        return {key: Bounds(1, math.inf) for key in unknown}
    a_eq = np.array(rows)
    b_eq = np.array(rhs)
    bounds = [(1, None)] * len(unknown)
    found: dict[str, Bounds] = {}
    for key, i in index.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 2:
            return None
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        lowest = low.fun if low.status == 0 else 1.0
        highest = -high.fun if high.status == 0 else math.inf
        found[key] = Bounds(lowest, highest)
    return found
