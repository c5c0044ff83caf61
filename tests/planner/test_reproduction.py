"""The model reproduces Nosyk et al. (CMAJ 2012) Table 2 within the issue's tolerances."""

from __future__ import annotations

import pytest

from openhat.planner import reproduce
from openhat.planner.published import TABLE_2
from openhat.planner.reproduce import COST_TOLERANCE, QALY_TOLERANCE


@pytest.fixture(scope="module")
def rows():
    return reproduce()


def test_every_row_is_within_its_tolerance(rows):
    failing = [row for row in rows if not row.ok]
    assert failing == []


def test_every_horizon_and_arm_is_compared(rows):
    horizons = {row.horizon for row in rows}
    assert horizons == {published.label for published in TABLE_2}
    for label in horizons:
        measures = {row.measure for row in rows if row.horizon == label}
        assert {
            "DAM QALYs",
            "MMT QALYs",
            "DAM cost (Can$ thousands)",
            "MMT cost (Can$ thousands)",
        } <= measures
        assert "verdict (DAM against MMT)" in measures


@pytest.mark.parametrize("published", TABLE_2, ids=lambda p: p.label)
def test_numbers_are_the_published_ones_and_close(rows, published):
    by_measure = {row.measure: row for row in rows if row.horizon == published.label}
    for arm, values in (("DAM", published.dam), ("MMT", published.mmt)):
        qalys = by_measure[f"{arm} QALYs"]
        assert float(qalys.published) == values.qalys
        assert abs(float(qalys.ours) - values.qalys) <= QALY_TOLERANCE + 0.005
        cost = by_measure[f"{arm} cost (Can$ thousands)"]
        assert float(cost.published) == values.cost_thousands
        assert abs(float(cost.ours) / values.cost_thousands - 1) <= COST_TOLERANCE + 0.001
    verdict = by_measure["verdict (DAM against MMT)"]
    assert verdict.ours == verdict.published == "dominant"


def test_a_changed_parameter_breaks_the_reproduction():
    """The test can fail: with methadone as long as DAM, DAM no longer dominates."""
    from dataclasses import replace

    from openhat.planner.params import load_parameters

    parameters = load_parameters()
    changed = dict(parameters.parameters)
    changed["smr_relapse"] = replace(changed["smr_relapse"], value=5.0)
    rows = reproduce(replace(parameters, parameters=changed))
    assert not all(row.ok for row in rows)


def test_the_documented_table_is_the_current_one(rows):
    """docs/planner.md quotes the table; a recalibration must update it."""
    from pathlib import Path

    from openhat.planner import format_table

    documented = (Path(__file__).parents[2] / "docs" / "planner.md").read_text()
    stale = [line for line in format_table(rows).splitlines() if line not in documented]
    assert stale == []
