"""Runs the model with the published inputs and sets its results beside Nosyk 2012 Table 2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openhat.planner.model import Strategy, run_cohort
from openhat.planner.outcomes import Outcome, summarise
from openhat.planner.params import ParameterSet, load_parameters
from openhat.planner.published import TABLE_2, PublishedArm

QALY_TOLERANCE = 0.1  # QALYs, either way (issue 16)
COST_TOLERANCE = 0.07  # a share of the published cost, either way (issue 16)


@dataclass(frozen=True)
class ReproductionRow:
    horizon: str
    measure: str
    published: str
    ours: str
    tolerance: str
    ok: bool


def base_values(parameters: ParameterSet | None = None) -> dict[str, np.ndarray]:
    parameters = parameters or load_parameters()
    return {name: np.array([value]) for name, value in parameters.base_values().items()}


def verdict(delta_cost: float, delta_qaly: float) -> str:
    """Diacetylmorphine against methadone, in the words of a cost-effectiveness table."""
    if delta_cost <= 0 and delta_qaly >= 0:
        return "dominant"
    if delta_cost >= 0 and delta_qaly <= 0:
        return "dominated"
    return "trade-off"


def _arm_rows(
    label: str, arm: str, published: PublishedArm, ours: Outcome
) -> list[ReproductionRow]:
    qalys = float(ours.qalys[0])
    cost = float(ours.cost[0]) / 1000
    shares = [float(ours.costs[c][0]) / 1000 / cost * 100 for c in ("treatment", "health", "crime")]
    return [
        ReproductionRow(
            label,
            f"{arm} QALYs",
            f"{published.qalys:.2f}",
            f"{qalys:.2f}",
            f"±{QALY_TOLERANCE}",
            abs(qalys - published.qalys) <= QALY_TOLERANCE + 1e-9,
        ),
        ReproductionRow(
            label,
            f"{arm} cost (Can$ thousands)",
            f"{published.cost_thousands:.1f}",
            f"{cost:.1f}",
            f"±{COST_TOLERANCE:.0%}",
            abs(cost - published.cost_thousands) <= COST_TOLERANCE * published.cost_thousands,
        ),
        ReproductionRow(
            label,
            f"{arm} cost shares tx/health/crime (%)",
            "/".join(f"{s:.1f}" for s in published.shares),
            "/".join(f"{s:.1f}" for s in shares),
            "shown",
            True,
        ),
    ]


def reproduce(parameters: ParameterSet | None = None) -> list[ReproductionRow]:
    parameters = parameters or load_parameters()
    values = base_values(parameters)
    structure = parameters.model_structure()
    dam_trace = run_cohort(values, Strategy.DAM, structure=structure)
    mmt_trace = run_cohort(values, Strategy.MMT, structure=structure)
    rows: list[ReproductionRow] = []
    for published in TABLE_2:
        dam = summarise(dam_trace, values, published.years)
        mmt = summarise(mmt_trace, values, published.years)
        rows += _arm_rows(published.label, "DAM", published.dam, dam)
        rows += _arm_rows(published.label, "MMT", published.mmt, mmt)
        ours = verdict(float(dam.cost[0] - mmt.cost[0]), float(dam.qalys[0] - mmt.qalys[0]))
        rows.append(
            ReproductionRow(
                published.label,
                "verdict (DAM against MMT)",
                published.verdict,
                ours,
                "same",
                ours == published.verdict,
            )
        )
    return rows


@dataclass(frozen=True)
class IntervalRow:
    """A published 95% credibility interval beside ours (for information: not a tolerance)."""

    horizon: str
    measure: str
    published: tuple[float, float]
    ours: tuple[float, float]


def reproduce_intervals(
    draws: int = 1000, seed: int = 0, parameters: ParameterSet | None = None
) -> tuple[list[IntervalRow], dict[str, float]]:
    """The probabilistic analysis with the published inputs: 95% intervals per horizon and arm,
    and per horizon the share of draws in which DAM dominates."""
    parameters = parameters or load_parameters()
    values = parameters.sample(draws, np.random.default_rng(seed))
    structure = parameters.model_structure()
    traces = {
        "DAM": run_cohort(values, Strategy.DAM, structure=structure),
        "MMT": run_cohort(values, Strategy.MMT, structure=structure),
    }
    rows: list[IntervalRow] = []
    dominant: dict[str, float] = {}
    for published in TABLE_2:
        outcomes = {arm: summarise(trace, values, published.years) for arm, trace in traces.items()}
        for arm, arm_published in (("DAM", published.dam), ("MMT", published.mmt)):
            cost = np.percentile(outcomes[arm].cost / 1000, [2.5, 97.5])
            qalys = np.percentile(outcomes[arm].qalys, [2.5, 97.5])
            rows.append(
                IntervalRow(
                    published.label,
                    f"{arm} cost (Can$ thousands)",
                    arm_published.cost_interval,
                    (float(cost[0]), float(cost[1])),
                )
            )
            rows.append(
                IntervalRow(
                    published.label,
                    f"{arm} QALYs",
                    arm_published.qaly_interval,
                    (float(qalys[0]), float(qalys[1])),
                )
            )
        dam, mmt = outcomes["DAM"], outcomes["MMT"]
        dominant[published.label] = float(np.mean((dam.cost < mmt.cost) & (dam.qalys > mmt.qalys)))
    return rows, dominant


def format_table(rows: list[ReproductionRow]) -> str:
    header = ("horizon", "measure", "published", "ours", "tolerance", "ok")
    table = [header] + [
        (r.horizon, r.measure, r.published, r.ours, r.tolerance, "yes" if r.ok else "NO")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
