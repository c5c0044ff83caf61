"""Small-cell suppression for tables that leave the clinic's records (pure Python, no Django).

A count from 1 to `minimum - 1` is not shown: with a handful of patients a count can point at a
person. Zero is shown (it points at nobody). A total is shown beside the cells, so one hidden cell
could be worked out by subtraction: the smallest shown cells are hidden with it (complementary
suppression) until at least two cells are hidden and the hidden cells together reach `minimum`, or
nothing is left to hide. A total below `minimum` hides the whole table.

The minimum is settings.OPENHAT_SMALL_CELL_MINIMUM (by default 11: the CMS cell size suppression
policy lets no cell from 1 to 10 be shown or be derivable from other cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    cells: dict[str, int | None]  # None: hidden
    total: int | None

    @property
    def hidden(self) -> int:
        return sum(1 for value in self.cells.values() if value is None)


def suppress(counts: Mapping[str, int], minimum: int) -> Table:
    if minimum < 1:
        raise ValueError("the minimum cell size is at least 1")
    if any(value < 0 for value in counts.values()):
        raise ValueError("counts are never negative")
    total = sum(counts.values())
    if 0 < total < minimum:
        return Table({key: None for key in counts}, None)
    cells: dict[str, int | None] = {
        key: (None if 0 < value < minimum else value) for key, value in counts.items()
    }
    hidden = [key for key, value in cells.items() if value is None]
    if hidden:
        shown = sorted(
            (value, key) for key, value in cells.items() if value is not None and value > 0
        )
        while shown and (len(hidden) < 2 or sum(counts[key] for key in hidden) < minimum):
            _, key = shown.pop(0)
            cells[key] = None
            hidden.append(key)
    return Table(cells, total)


def suppress_each(counts: Mapping[str, int], minimum: int) -> Table:
    """Counts that are not parts of one total (sessions, doses, people dosed): each small one is
    hidden on its own; there is no total to subtract from."""
    if minimum < 1:
        raise ValueError("the minimum cell size is at least 1")
    return Table(
        {key: (None if 0 < value < minimum else value) for key, value in counts.items()}, None
    )
