"""The share of people starting heroin-assisted treatment who are still in it months later.

This is the model's own figure, set beside a clinic's published retention on the brief. A start
is the cohort's first modelled episode of diacetylmorphine (its 3rd treatment episode, so no
episode multiplier). The episode ends when the Weibull sojourn ends, S(t) = exp(-lambda * m *
(t / unit)^gamma) with the DAM parameters (`dam_retention_multiplier` m, 1 unless a scenario
changes it), or when the person dies: the DAM state's mortality ratio over the life table at the
start age. A return after a relapse is a new start, as in a clinic's count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from openhat.planner.params import load_parameters

# The Weibull parameters and mortality values this figure reads: the brief cites their sources.
PARAMETERS = (
    "weibull_lambda_dam",
    "weibull_gamma_dam",
    "weibull_time_unit_months",
    "smr_dam",
    "excess_mortality_multiplier",
    "background_ln_a",
    "background_slope",
    "start_age",
)


def still_in_treatment(months: float, values: Mapping[str, float] | None = None) -> float:
    """The model's share still in their first DAM episode `months` after starting it."""
    if not math.isfinite(months) or months < 0:
        raise ValueError(f"months must be a finite number of at least 0, not {months!r}")
    v = load_parameters().base_values() if values is None else values
    lam = v["weibull_lambda_dam"] * v.get("dam_retention_multiplier", 1.0)
    leaving = lam * math.pow(months / v["weibull_time_unit_months"], v["weibull_gamma_dam"])
    # The integral of the yearly death hazard, exp(ln_a + slope * age) times the state's ratio,
    # from the start age over `months`.
    slope = v["background_slope"]
    years = months / 12
    ratio = v["smr_dam"] * v["excess_mortality_multiplier"]
    at_start = math.exp(v["background_ln_a"] + slope * v["start_age"])
    dying = ratio * at_start * math.expm1(slope * years) / slope
    return math.exp(-(leaving + dying))
