"""Fits what Nosyk 2012 did not print in the text we could read, to its published Table 2.

Fitted: the Weibull time unit, an excess-mortality multiplier (the HIV and hepatitis deaths the
model does not track), a yearly growth of health-care costs and a yearly decline of utility (the
same, plus ageing), the monthly costs per state and the utilities per state.

Given the first two, the cohort traces are fixed and costs and QALYs are linear in the unit costs
and utilities: each cost component and the utilities are a small bounded least-squares fit of
relative errors over both arms and the four horizons. The rest is a grid search.

    python -m openhat.planner.calibrate           # prints the fitted values
    python -m openhat.planner.calibrate --write   # and puts them into parameters/nosyk2012.toml
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from openhat.planner.model import STATE_NAMES, Strategy, run_cohort
from openhat.planner.params import PARAMETER_DIR, load_parameters
from openhat.planner.published import TABLE_2

# Each fitted value and the states it applies to. Abstinence is rare in the cohort, so its values
# cannot be fitted on their own: its health-care cost is taken as methadone's and it carries no
# drug-related crime. One utility serves both treatments and abstinence: NAOMI's two arms had
# nearly the same first-year QALYs (0.86 and 0.85), and separate values fitted to nonsense.
FITTED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "cost_treatment": (("dam", ("dam",)), ("mmt", ("mmt",))),
    "cost_health": (("dam", ("dam",)), ("mmt", ("mmt", "abstinence")), ("relapse", ("relapse",))),
    "cost_crime": (("dam", ("dam",)), ("mmt", ("mmt",)), ("relapse", ("relapse",))),
    "utility": (("treatment", ("dam", "mmt", "abstinence")), ("relapse", ("relapse",))),
}
COMPONENT_INDEX = {"cost_treatment": 0, "cost_health": 1, "cost_crime": 2}
# Whole months only: a unit someone would have fitted in. (Half a month fits Table 2 a little
# better, 0.66 against 0.75 weighted squared error, but no source counts in half-months.)
UNIT_GRID = (1.0, 2.0, 3.0, 4.0, 6.0)
MORTALITY_GRID = (0.5, 0.6, 0.75, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
GROWTH_GRID = (0.0, 0.02, 0.04, 0.05, 0.06, 0.07, 0.08)
DECLINE_GRID = (0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04)
QALY_SCALE = 1.0  # QALYs: absolute errors (a 0.1 QALY miss weighs like a 10% cost miss)


def _bounded_lstsq(a: np.ndarray, b: np.ndarray, upper: float | None = None) -> np.ndarray:
    """Least squares with 0 <= x (<= upper): pin offending variables to a bound and re-solve."""
    free = list(range(a.shape[1]))
    pinned: dict[int, float] = {}
    while True:
        rhs = b - sum((a[:, i] * v for i, v in pinned.items()), start=np.zeros_like(b))
        solved = np.linalg.lstsq(a[:, free], rhs, rcond=None)[0] if free else np.array([])
        bad = [
            (i, v)
            for i, v in zip(free, solved, strict=True)
            if v < 0 or (upper is not None and v > upper)
        ]
        if not bad:
            x = np.zeros(a.shape[1])
            for i, v in pinned.items():
                x[i] = v
            for i, v in zip(free, solved, strict=True):
                x[i] = v
            return x
        index, value = bad[0]
        pinned[index] = 0.0 if value < 0 else float(upper or 0.0)
        free.remove(index)


def _per_cycle_years(unit: float, mortality: float) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Discounted person-years per cycle and state for both arms, and the cycle midpoints."""
    parameters = load_parameters()
    values = {k: np.array([v]) for k, v in parameters.base_values().items()}
    values["weibull_time_unit_months"] = np.array([unit])
    values["excess_mortality_multiplier"] = np.array([mortality])
    structure = parameters.model_structure()
    years_per_cycle = structure.cycle_months / 12
    out = {}
    for arm, strategy in (("dam", Strategy.DAM), ("mmt", Strategy.MMT)):
        occ = run_cohort(values, strategy, structure=structure).occupancy[:, 0, :]
        person_years = (occ[:-1] + occ[1:]) / 2 * years_per_cycle
        midpoints = (np.arange(len(person_years)) + 0.5) * years_per_cycle
        discount = np.power(1.0 + values["discount_rate"][0], -midpoints)
        out[arm] = person_years * discount[:, None]
    return out, midpoints


def _fit_linear(
    years: dict[str, np.ndarray], midpoints: np.ndarray, growth: float, decline: float
) -> tuple[dict[str, float], float]:
    fitted: dict[str, float] = {}
    error = 0.0
    years_per_cycle = midpoints[1] - midpoints[0] if len(midpoints) > 1 else 1.0
    for quantity, variables in FITTED.items():
        groups = [[STATE_NAMES.index(s) for s in states] for _, states in variables]
        if quantity == "cost_health":
            weight = np.power(1.0 + growth, midpoints)
        elif quantity == "utility":
            weight = np.power(1.0 - decline, midpoints)
        else:
            weight = np.ones_like(midpoints)
        rows, targets = [], []
        for row in TABLE_2:
            cycles = len(midpoints) if row.years is None else round(row.years / years_per_cycle)
            for arm, published in (("dam", row.dam), ("mmt", row.mmt)):
                per_state = (years[arm][:cycles] * weight[:cycles, None]).sum(axis=0)
                occupancy = np.array([per_state[group].sum() for group in groups])
                if quantity == "utility":
                    # QALYs are judged on an absolute tolerance (0.1), so fit absolute errors,
                    # scaled to be comparable with the costs' relative errors.
                    target = published.qalys
                    rows.append(occupancy / QALY_SCALE)
                    targets.append(target / QALY_SCALE)
                    continue
                else:
                    share = published.shares[COMPONENT_INDEX[quantity]]
                    target = published.cost_thousands * 1000 * share / 100
                    rows.append(occupancy * 12 / target)
                targets.append(1.0)
        a, b = np.array(rows), np.array(targets)
        x = _bounded_lstsq(a, b, upper=1.0 if quantity == "utility" else None)
        residual = a @ x - b
        error += float(np.sum((residual * (10.0 if quantity == "utility" else 1.0)) ** 2))
        for (_, states), value in zip(variables, x, strict=True):
            for state in states:
                fitted[f"{quantity}_{state}"] = float(value)
    return fitted, error


def search() -> tuple[dict[str, float], float]:
    best: tuple[dict[str, float], float] | None = None
    for unit, mortality in itertools.product(UNIT_GRID, MORTALITY_GRID):
        years, midpoints = _per_cycle_years(unit, mortality)
        for growth, decline in itertools.product(GROWTH_GRID, DECLINE_GRID):
            fitted, error = _fit_linear(years, midpoints, growth, decline)
            if best is None or error < best[1]:
                fitted = {
                    "weibull_time_unit_months": unit,
                    "excess_mortality_multiplier": mortality,
                    "health_cost_growth": growth,
                    "utility_decline": decline,
                    **fitted,
                }
                best = (fitted, error)
    assert best is not None
    return best


# The coefficient of variation assumed for each fitted cost's gamma distribution.
COST_CV = {"cost_treatment": 0.10, "cost_health": 0.25, "cost_crime": 0.25}


def _replacement(new: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + new


def write(fitted: dict[str, float], path: Path) -> None:
    """Puts the fitted values (and their assumed sd) into the parameter file, in place."""
    text = path.read_text()
    for name, value in fitted.items():
        decimals = 2 if name.startswith("cost_") else 4
        block = re.compile(rf"(\[parameters\.{name}\]\n(?:[^\[\n][^\n]*\n)*?value = )[-0-9.e]+")
        if not block.search(text):
            raise SystemExit(f"{name}: no such parameter in {path.name}")
        text = block.sub(_replacement(repr(round(value, decimals))), text)
        quantity = name.rsplit("_", 1)[0]
        if quantity in COST_CV:
            sd = round(value * COST_CV[quantity], 2)
            pattern = re.compile(rf"(\[parameters\.{name}\]\n(?:[^\[\n][^\n]*\n)*?sd = )[-0-9.e]+")
            text = pattern.sub(_replacement(repr(sd)), text)
    path.write_text(text)


def main() -> None:
    fitted, error = search()
    print(f"# weighted squared error {error:.5f}")
    for name, value in fitted.items():
        print(f"{name} = {value:.4f}")
    if "--write" in sys.argv:
        write(fitted, PARAMETER_DIR / "nosyk2012.toml")
        print("# written to parameters/nosyk2012.toml")


if __name__ == "__main__":
    main()
