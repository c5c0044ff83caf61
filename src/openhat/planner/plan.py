"""The planner: a city's inputs through the published model to its budget, outcomes and costs.

One model run holds everything as rows: the base case, each one-way sensitivity variant (low and
high) and every probabilistic draw, so a plan is two cohort runs (programme and comparator).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from openhat.planner.budget import budget_per_patient_year, yearly_budget
from openhat.planner.inputs import LocalInputs, validate
from openhat.planner.model import Strategy, run_cohort
from openhat.planner.params import ParameterSet, load_parameters
from openhat.planner.programme import per_person, programme_totals
from openhat.planner.results import CeacPoint, Interval, PlanResult, PsaPoint, TornadoRow
from openhat.planner.sensitivity import (
    INPUT_LABELS,
    INPUT_VARIANTS,
    MODEL_VARIANTS,
    plan_sources,
)
from openhat.planner.sensitivity import limits as model_limits

OUTPUTS = ("net_cost", "qalys_gained", "deaths_averted", "overdoses_averted", "crimes_averted")


class PlanInputError(ValueError):
    """Raised by `plan` for inputs with errors; `.errors` lists them all (see `validate`)."""

    def __init__(self, errors: list) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class _Row:
    name: str  # "base", a parameter or input name
    side: str  # "base", "low", "high"
    values: dict[str, float]
    inputs: LocalInputs


def model_values(
    values: Mapping[str, np.ndarray], inputs: LocalInputs, parameters: ParameterSet
) -> dict[str, np.ndarray]:
    """The model's parameters with the city's inputs put in (costs in the local currency)."""
    out = {name: np.asarray(value, dtype=float) for name, value in values.items()}
    factor = float(inputs.model_cost_factor)
    for state in ("dam", "mmt", "relapse", "abstinence"):
        out[f"cost_health_{state}"] = out[f"cost_health_{state}"] * factor
        out[f"crimes_per_year_{state}"] = out[f"cost_crime_{state}"] * 12 / out["cost_per_crime"]
        out[f"cost_crime_{state}"] = out[f"cost_crime_{state}"] * factor
    ones = np.ones_like(out["start_age"])
    out["cost_treatment_dam"] = ones * budget_per_patient_year(inputs) / 12
    out["cost_treatment_mmt"] = ones * float(inputs.comparator_cost_per_patient) / 12
    for name, field in (
        ("dam_to_relapse", "exit_to_relapse"),
        ("dam_to_abstinence", "exit_to_abstinence"),
        ("dam_to_mmt", "exit_to_oral_oat"),
    ):
        published = parameters[name].value
        out[name] = out[name] * float(getattr(inputs, field)) / published
    out["dam_retention_multiplier"] = ones * float(inputs.retention_multiplier)
    out["discount_rate"] = ones * float(inputs.discount_rate)
    return out


def _stack(rows: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([row[name] for row in rows]) for name in rows[0]}


def _interval(base: float, draws: np.ndarray) -> Interval:
    low, high = np.percentile(draws, [2.5, 97.5])
    return Interval(estimate=float(base), low=float(low), high=float(high))


def people_in_programme(inputs: LocalInputs) -> float:
    eligible = inputs.eligible() or 0.0
    return min(float(inputs.capacity), eligible) * float(inputs.uptake)


def _ceac(net_cost: np.ndarray, qalys: np.ndarray, ceiling: float) -> list[CeacPoint]:
    points = []
    for wtp in np.linspace(0.0, ceiling, 21):
        benefit = qalys * wtp - net_cost
        points.append(CeacPoint(float(wtp), float(np.mean(benefit > 0))))
    return points


def _verdict(net_cost: float, qalys: float) -> str:
    if net_cost <= 0 and qalys >= 0:
        return "cost-saving" if qalys > 0 or net_cost < 0 else "no difference"
    if net_cost >= 0 and qalys <= 0:
        return "more costly, no QALY gain"
    if net_cost > 0:
        return "cost per QALY gained"
    return "saves money, loses QALYs"


MAX_DRAWS = 100_000


def plan(inputs: LocalInputs, *, draws: int = 1000, seed: int = 0) -> PlanResult:
    """The plan for `inputs`, with `draws` probabilistic draws from `seed` (0: base case only).

    Raises PlanInputError (with every error) for invalid inputs."""
    if not 0 <= draws <= MAX_DRAWS:
        raise ValueError(f"draws must be 0 to {MAX_DRAWS}, not {draws}")
    errors = validate(inputs)
    if errors:
        raise PlanInputError(errors)
    parameters = load_parameters()
    structure = parameters.model_structure()
    base = parameters.base_values()
    rows = [_Row("base", "base", base, inputs)]
    for name in MODEL_VARIANTS:
        low, high = parameters[name].interval()
        rows += [
            _Row(name, "low", {**base, name: low}, inputs),
            _Row(name, "high", {**base, name: high}, inputs),
        ]
    for name, (low_input, high_input) in INPUT_VARIANTS.items():
        for side, variant in (("low", low_input(inputs)), ("high", high_input(inputs))):
            changes: dict[str, Any] = {name: variant}
            rows.append(_Row(name, side, base, replace(inputs, **changes)))
    fixed = [
        model_values({k: np.array([v]) for k, v in row.values.items()}, row.inputs, parameters)
        for row in rows
    ]
    rng = np.random.default_rng(seed)
    sampled = model_values(parameters.sample(draws, rng), inputs, parameters) if draws else None
    values = _stack([*fixed, sampled] if sampled is not None else fixed)
    row_inputs = [row.inputs for row in rows] + [inputs] * draws
    years = int(inputs.horizon_years)
    comparator = Strategy.MMT if inputs.comparator == "oral_oat" else Strategy.NO_TREATMENT
    programme_trace = run_cohort(values, Strategy.DAM, structure=structure, years=years)
    comparator_trace = run_cohort(values, comparator, structure=structure, years=years)
    totals, treated = programme_totals(programme_trace, comparator_trace, values, row_inputs, years)
    one_person = per_person(programme_trace, comparator_trace, values, years)
    n_fixed = len(rows)
    psa = {name: totals[name][n_fixed:] for name in OUTPUTS}

    def interval(name: str) -> Interval:
        draws_of = psa[name] if draws else totals[name][:1]
        return _interval(float(totals[name][0]), draws_of)

    drivers: dict[str, list[TornadoRow]] = {}
    for output in OUTPUTS:
        table = []
        for index in range(1, n_fixed, 2):
            low_row, high_row = rows[index], rows[index + 1]
            is_input = low_row.name in INPUT_VARIANTS
            table.append(
                TornadoRow(
                    name=low_row.name,
                    label=INPUT_LABELS[low_row.name]
                    if is_input
                    else parameters[low_row.name].label,
                    kind="your input" if is_input else "model parameter",
                    low_value=float(getattr(low_row.inputs, low_row.name))
                    if is_input
                    else low_row.values[low_row.name],
                    high_value=float(getattr(high_row.inputs, high_row.name))
                    if is_input
                    else high_row.values[high_row.name],
                    output_low=float(totals[output][index]),
                    output_high=float(totals[output][index + 1]),
                    base=float(totals[output][0]),
                )
            )
        drivers[output] = sorted(table, key=lambda row: row.swing, reverse=True)
    net_cost, qalys = float(totals["net_cost"][0]), float(totals["qalys_gained"][0])
    verdict = _verdict(net_cost, qalys)
    cost_per_qaly = None
    if verdict == "cost per QALY gained":
        ratios = psa["net_cost"] / np.where(psa["qalys_gained"] == 0, np.nan, psa["qalys_gained"])
        ratios = ratios[np.isfinite(ratios)] if draws else np.array([net_cost / qalys])
        cost_per_qaly = _interval(net_cost / qalys, ratios if len(ratios) else np.array([0.0]))
    budget = yearly_budget(inputs)
    return PlanResult(
        inputs=inputs,
        people=people_in_programme(inputs),
        people_treated=float(treated[0]),
        per_person={name: float(value[0]) for name, value in one_person.items()},
        yearly_budget=budget,
        operating_budget_per_year=budget[-1].total,
        cost_per_patient_year=budget_per_patient_year(inputs),
        deaths_averted=interval("deaths_averted"),
        overdoses_averted=interval("overdoses_averted"),
        crimes_averted=interval("crimes_averted"),
        qalys_gained=interval("qalys_gained"),
        net_cost=interval("net_cost"),
        cost_per_qaly=cost_per_qaly,
        verdict=verdict,
        probability_cost_saving=float(np.mean(psa["net_cost"] < 0))
        if draws
        else float(net_cost < 0),
        drivers=drivers,
        psa_points=[
            PsaPoint(float(q), float(c))
            for q, c in zip(psa["qalys_gained"], psa["net_cost"], strict=True)
        ],
        ceac=_ceac(psa["net_cost"], psa["qalys_gained"], 200_000.0) if draws else [],
        sources=plan_sources(parameters, inputs),
        limits=model_limits(parameters),
        currency=inputs.currency,
        price_year=inputs.price_year,
        horizon_years=int(inputs.horizon_years),
        draws=draws,
        seed=seed,
        parameters_version=parameters.version,
    )
