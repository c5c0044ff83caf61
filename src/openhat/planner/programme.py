"""From one person's model outcomes to a programme's: the people who fill its places over time.

The places fill along the ramp-up; each year, places freed by people who left treatment (or died)
go to new people, who would otherwise have had the comparator. Each yearly intake is a cohort of
the model followed to the end of the horizon; money and QALYs of later intakes are discounted to
the programme's start, counts (deaths, overdoses, crimes) are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from openhat.planner.budget import filled_places
from openhat.planner.inputs import LocalInputs
from openhat.planner.model import DAM, Trace
from openhat.planner.outcomes import Outcome, cumulative, summarise


def intakes(trace: Trace, inputs: Sequence[LocalInputs], years: int) -> np.ndarray:
    """(rows, years): people starting treatment at the start of each programme year."""
    cycles_per_year = round(12 / trace.cycle_months)
    boundaries = [min(y * cycles_per_year, trace.cycles) for y in range(years + 1)]
    still_treated = trace.occupancy[boundaries, :, DAM].T  # (rows, years+1), per person
    by_inputs: dict[int, list[float]] = {}  # the draws share one inputs object
    for row in inputs:
        if id(row) not in by_inputs:
            by_inputs[id(row)] = [filled_places(row, year + 1) for year in range(years)]
    targets = np.array([by_inputs[id(row)] for row in inputs])
    intake = np.zeros_like(targets)
    for year in range(years):
        in_places = sum(
            (intake[:, start] * still_treated[:, year - start] for start in range(year)),
            start=np.zeros(len(inputs)),
        )
        intake[:, year] = np.maximum(0.0, targets[:, year] - in_places)
    return intake


def _differences(ours: Outcome, theirs: Outcome) -> dict[str, np.ndarray]:
    return {
        "net_cost": ours.cost - theirs.cost,
        "qalys_gained": ours.qalys - theirs.qalys,
        "deaths_averted": theirs.deaths - ours.deaths,
        "overdoses_averted": theirs.overdoses - ours.overdoses,
        "crimes_averted": theirs.crimes - ours.crimes,
    }


def per_person(
    programme: Trace, comparator: Trace, values: Mapping[str, np.ndarray], years: int
) -> dict[str, np.ndarray]:
    """One person starting in the first year, followed over the horizon, against the comparator."""
    return _differences(
        summarise(programme, values, float(years)), summarise(comparator, values, float(years))
    )


def programme_totals(
    programme: Trace,
    comparator: Trace,
    values: Mapping[str, np.ndarray],
    inputs: Sequence[LocalInputs],
    years: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Totals per row (programme minus comparator) and the number of people treated."""
    intake = intakes(programme, inputs, years)
    rate = values["discount_rate"]
    rows = len(inputs)
    totals = {
        name: np.zeros(rows)
        for name in (
            "net_cost",
            "qalys_gained",
            "deaths_averted",
            "overdoses_averted",
            "crimes_averted",
        )
    }
    ours, theirs = cumulative(programme, values), cumulative(comparator, values)
    cycles_per_year = round(12 / programme.cycle_months)
    for start in range(years):
        if not intake[:, start].any():
            continue
        last = min(programme.cycles, (years - start) * cycles_per_year) - 1
        people = intake[:, start]
        discounted = np.power(1.0 + rate, -float(start)) * people
        totals["net_cost"] += (ours["cost"][last] - theirs["cost"][last]) * discounted
        totals["qalys_gained"] += (ours["qalys"][last] - theirs["qalys"][last]) * discounted
        for name, key in (
            ("deaths_averted", "deaths"),
            ("overdoses_averted", "overdoses"),
            ("crimes_averted", "crimes"),
        ):
            totals[name] += (theirs[key][last] - ours[key][last]) * people
    return totals, intake.sum(axis=1)
