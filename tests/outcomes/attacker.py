"""The attacker: takes every number the clinic ever published (every frozen report, every version,
every breakdown) and solves for each hidden cell.

It is written apart from outcomes.disclosure on purpose (its own linear programs, straight from
the published reports), so that a mistake in the suppression's own audit does not hide itself.

What it knows: each report's relations (a total equals the sum of its parts), every shown number,
and the published method: zero is always shown, so a hidden cell is at least 1. A cell that
appears in several reports (a month's starts in that month's report and as the number at risk of
its cohort later; every cell of a period's versions) is one unknown per report, with a guess that
it was not revised between them (a link: equal values). Links that published numbers contradict
are dropped; when the links together contradict the numbers, the attacker drops one or two links
at a time (the records were revised there) and keeps every consistent explanation: a cell pinned
in any of them counts as pinned. That is stronger than a real attacker, which only helps the test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import linprog

from openhat.outcomes.disclosure import Report

Var = tuple[str, int]  # (cell key, index of the report)


@dataclass(frozen=True)
class Range:
    low: int
    high: float  # math.inf when the cell is not bounded above

    @property
    def pinned(self) -> bool:
        return self.high == self.low


def _system(
    reports: list[Report], links: list[tuple[Var, Var]]
) -> tuple[list[Var], list[np.ndarray], list[float]]:
    unknown = sorted(
        {(k, i) for i, r in enumerate(reports) for k, v in r.cells.items() if v is None}
    )
    index = {var: n for n, var in enumerate(unknown)}
    rows: list[np.ndarray] = []
    rhs: list[float] = []

    def add(terms: list[tuple[Var, float]]) -> None:
        row = np.zeros(len(unknown))
        constant = 0.0
        for var, sign in terms:
            if var in index:
                row[index[var]] += sign
            else:
                value = reports[var[1]].cells[var[0]]
                assert value is not None
                constant -= sign * value
        if row.any():
            rows.append(row)
            rhs.append(constant)

    for i, report in enumerate(reports):
        for relation in report.relations:
            add([((relation.total, i), 1.0)] + [((p, i), -1.0) for p in relation.parts])
    for a, b in links:
        add([(a, 1.0), (b, -1.0)])
    return unknown, rows, rhs


def _bounds(
    unknown: list[Var], rows: list[np.ndarray], rhs: list[float]
) -> dict[Var, Range] | None:
    found: dict[Var, Range] = {}
    for n, var in enumerate(unknown):
        if not rows:
            found[var] = Range(1, math.inf)
            continue
        objective = np.zeros(len(unknown))
        objective[n] = 1.0
        bounds = [(1, None)] * len(unknown)
        low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        if low.status == 2:
            return None  # infeasible: this explanation contradicts the published numbers
        assert low.status == 0, low.message
        high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        highest = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
        found[var] = Range(math.ceil(low.fun - 1e-6), highest)
    return found


def _linked_to_a_shown_cell(reports: list[Report], links: list[tuple[Var, Var]]) -> set[Var]:
    group: dict[Var, Var] = {}

    def root(var: Var) -> Var:
        while group.get(var, var) != var:
            var = group[var]
        return var

    for a, b in links:
        group[root(a)] = root(b)
    shown_roots = {
        root((k, i)) for i, r in enumerate(reports) for k, v in r.cells.items() if v is not None
    }
    return {
        (k, i)
        for i, r in enumerate(reports)
        for k, v in r.cells.items()
        if v is None and root((k, i)) in shown_roots
    }


def attack(reports: Iterable[Report]) -> dict[str, Range]:
    """The narrowest range the attacker finds for every hidden cell whose value no other report
    shows (under the explanation considered)."""
    reports = list(reports)
    seen: dict[str, int] = {}
    links: list[tuple[Var, Var]] = []
    for i, report in enumerate(reports):
        for key, value in report.cells.items():
            if key in seen:
                before = reports[seen[key]].cells[key]
                if value is None or before is None or value == before:
                    links.append(((key, seen[key]), (key, i)))
            seen[key] = i
    result: dict[str, Range] = {}
    for dropped in range(3):
        explanations = 0
        for kept in combinations(links, len(links) - dropped):
            found = _bounds(*_system(reports, list(kept)))
            if found is None:
                continue
            explanations += 1
            public = _linked_to_a_shown_cell(reports, list(kept))
            for (key, i), bound in found.items():
                if (key, i) in public:
                    continue  # its value is shown in another report, as this explanation has it
                best = result.get(key)
                if best is None or (bound.high - bound.low) < (best.high - best.low):
                    result[key] = bound
        if explanations:
            return result
    raise AssertionError("no explanation of the published numbers with up to two revisions")


def pinned(reports: Iterable[Report]) -> dict[str, int]:
    return {key: r.low for key, r in attack(reports).items() if r.pinned}
