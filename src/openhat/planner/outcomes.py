"""Costs, QALYs, deaths and events from a cohort trace, discounted, cut at a horizon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from openhat.planner.model import COMPONENTS, STATE_NAMES, Trace


@dataclass(frozen=True)
class Outcome:
    """Per person, one value per draw (arrays of shape (draws,))."""

    costs: dict[str, np.ndarray]  # discounted, by component
    costs_undiscounted: dict[str, np.ndarray]
    qalys: np.ndarray
    qalys_undiscounted: np.ndarray
    life_years: np.ndarray
    deaths: np.ndarray
    overdoses: np.ndarray
    crimes: np.ndarray
    state_years: np.ndarray  # (draws, states), discounted person-years in each state

    @property
    def cost(self) -> np.ndarray:
        return sum((self.costs[c] for c in COMPONENTS), start=np.zeros_like(self.qalys))

    @property
    def cost_undiscounted(self) -> np.ndarray:
        return sum(
            (self.costs_undiscounted[c] for c in COMPONENTS), start=np.zeros_like(self.qalys)
        )


def state_values(values: Mapping[str, np.ndarray], prefix: str) -> np.ndarray:
    """(draws, states) of `prefix_<state>` values; a missing state counts zero."""
    draws = len(values["start_age"])
    return np.stack(
        [np.asarray(values.get(f"{prefix}_{name}", np.zeros(draws))) for name in STATE_NAMES],
        axis=1,
    )


def summarise(
    trace: Trace, values: Mapping[str, np.ndarray], horizon_years: float | None = None
) -> Outcome:
    years_per_cycle = trace.cycle_months / 12
    cycles = trace.cycles
    if horizon_years is not None:
        cycles = min(cycles, max(1, round(horizon_years / years_per_cycle)))
    occ = trace.occupancy[: cycles + 1]
    person_years = (occ[:-1] + occ[1:]) / 2 * years_per_cycle  # (cycles, draws, states)
    midpoints = (np.arange(cycles) + 0.5) * years_per_cycle
    rate = values["discount_rate"]
    discount = np.power(1.0 + rate[None, :], -midpoints[:, None])  # (cycles, draws)
    discounted = person_years * discount[:, :, None]
    state_years = discounted.sum(axis=0)
    plain_years = person_years.sum(axis=0)
    # Health-care costs grow and quality of life falls with time since the start (ageing and the
    # infections the model does not track); both rates are calibrated.
    growth = np.power(1.0 + values["health_cost_growth"][None, :], midpoints[:, None])
    decline = np.power(1.0 - values["utility_decline"][None, :], midpoints[:, None])
    costs = {}
    costs_undiscounted = {}
    for component in COMPONENTS:
        yearly = state_values(values, f"cost_{component}") * 12  # monthly costs in the file
        weight = growth[:, :, None] if component == "health" else 1.0
        costs[component] = (discounted * weight).sum(axis=0).__mul__(yearly).sum(axis=1)
        costs_undiscounted[component] = (
            (person_years * weight).sum(axis=0).__mul__(yearly).sum(axis=1)
        )
    utilities = state_values(values, "utility")
    quality_years = (discounted * decline[:, :, None]).sum(axis=0)
    plain_quality_years = (person_years * decline[:, :, None]).sum(axis=0)
    deaths = trace.deaths[:cycles].sum(axis=(0, 2))
    overdose_rate = state_values(values, "overdoses_per_year")
    crime_rate = state_values(values, "crimes_per_year")
    return Outcome(
        costs=costs,
        costs_undiscounted=costs_undiscounted,
        qalys=(quality_years * utilities).sum(axis=1),
        qalys_undiscounted=(plain_quality_years * utilities).sum(axis=1),
        life_years=plain_years.sum(axis=1),
        deaths=deaths,
        overdoses=(plain_years * overdose_rate).sum(axis=1),
        crimes=(plain_years * crime_rate).sum(axis=1),
        state_years=state_years,
    )


def cumulative(trace: Trace, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Running totals per cycle (cycles, draws) of what `summarise` returns at one horizon:
    discounted cost and QALYs, deaths, overdoses and crimes. Index c-1 is the horizon of c cycles.
    """
    years_per_cycle = trace.cycle_months / 12
    occ = trace.occupancy
    person_years = (occ[:-1] + occ[1:]) / 2 * years_per_cycle
    midpoints = (np.arange(trace.cycles) + 0.5) * years_per_cycle
    discount = np.power(1.0 + values["discount_rate"][None, :], -midpoints[:, None])
    growth = np.power(1.0 + values["health_cost_growth"][None, :], midpoints[:, None])
    decline = np.power(1.0 - values["utility_decline"][None, :], midpoints[:, None])
    discounted = person_years * discount[:, :, None]
    cost = np.zeros(discounted.shape[:2])
    for component in COMPONENTS:
        yearly = state_values(values, f"cost_{component}")[None, :, :] * 12
        weight = growth[:, :, None] if component == "health" else 1.0
        cost += (discounted * weight * yearly).sum(axis=2)
    utilities = state_values(values, "utility")[None, :, :]
    qalys = (discounted * decline[:, :, None] * utilities).sum(axis=2)
    overdoses = (person_years * state_values(values, "overdoses_per_year")[None]).sum(axis=2)
    crimes = (person_years * state_values(values, "crimes_per_year")[None]).sum(axis=2)
    return {
        "cost": np.cumsum(cost, axis=0),
        "qalys": np.cumsum(qalys, axis=0),
        "deaths": np.cumsum(trace.deaths.sum(axis=2), axis=0),
        "overdoses": np.cumsum(overdoses, axis=0),
        "crimes": np.cumsum(crimes, axis=0),
    }
