"""Small-cell suppression (pure, no database): no count from 1 to minimum - 1 is shown or can be
worked out from the total and the other cells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openhat.outcomes.suppression import suppress, suppress_each

MIN = 11

CASES = [
    pytest.param(
        {"a": 40, "b": 30, "c": 0},
        {"a": 40, "b": 30, "c": 0},
        70,
        id="nothing small: everything shown, zero included",
    ),
    pytest.param(
        {"a": 40, "b": 30, "c": 3},
        {"a": 40, "b": None, "c": None},
        73,
        id="one small cell hides the next smallest with it",
    ),
    pytest.param(
        {"a": 40, "b": 2, "c": 3},
        {"a": None, "b": None, "c": None},
        45,
        id="two small cells adding up to less than the minimum hide a third",
    ),
    pytest.param(
        {"a": 40, "b": 30, "c": 6, "d": 5},
        {"a": 40, "b": 30, "c": None, "d": None},
        81,
        id="two small cells reaching the minimum together are enough",
    ),
    pytest.param(
        {"a": 5, "b": 3}, {"a": None, "b": None}, None, id="a small total hides the whole table"
    ),
    pytest.param({"a": 0, "b": 0}, {"a": 0, "b": 0}, 0, id="an empty table is shown as zeros"),
    pytest.param(
        {"a": 50, "b": 4, "c": 0},
        {"a": None, "b": None, "c": 0},
        54,
        id="a zero cell is no complement: the next smallest counted cell is hidden",
    ),
]


@pytest.mark.parametrize(("counts", "cells", "total"), CASES)
def test_suppression(
    counts: dict[str, int], cells: dict[str, int | None], total: int | None
) -> None:
    table = suppress(counts, MIN)
    assert table.cells == cells
    assert table.total == total


def test_counts_that_are_not_parts_of_a_total_are_hidden_one_by_one() -> None:
    table = suppress_each({"sessions": 120, "doses": 4, "people": 0}, MIN)
    assert table.cells == {"sessions": 120, "doses": None, "people": 0} and table.total is None


@pytest.mark.parametrize("bad", [0, -1])
def test_a_minimum_below_one_is_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        suppress({"a": 1}, bad)
    with pytest.raises(ValueError):
        suppress_each({"a": 1}, bad)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        suppress({"a": -1, "b": 20}, MIN)


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 60), min_size=1))
def test_no_small_count_is_shown_or_derivable(counts: dict[str, int]) -> None:
    table = suppress(counts, MIN)
    hidden = [key for key, value in table.cells.items() if value is None]
    for key, value in table.cells.items():
        assert value is None or value == 0 or value >= MIN, (key, value)
        assert value is None or value == counts[key]
    if table.total is not None and hidden:
        # What subtraction gives is the sum of the hidden cells: never one small count alone.
        assert len(hidden) >= 2 or all(counts[key] == 0 for key in hidden)
        assert sum(counts[key] for key in hidden) >= MIN or len(hidden) == len(counts)
