"""The pilot planner: what a heroin-assisted treatment programme would cost and save in a city.

Pure Python (no Django): the semi-Markov cohort model of Nosyk et al. (CMAJ 2012), its
reproduction, its probabilistic sensitivity analysis and the planner on a city's own inputs.

    from openhat.planner import LocalInputs, validate, plan, reproduce
    inputs = LocalInputs.example_us_city()
    assert not validate(inputs)
    result = plan(inputs, draws=1000, seed=0)
"""

from __future__ import annotations

from openhat.planner.fields import INPUT_FIELDS, InputField
from openhat.planner.inputs import InputError, LocalInputs, validate, validate_dict
from openhat.planner.params import load_parameters
from openhat.planner.plan import PlanInputError, plan
from openhat.planner.reproduce import ReproductionRow, format_table, reproduce
from openhat.planner.results import (
    BudgetYear,
    CeacPoint,
    Interval,
    PlanResult,
    PsaPoint,
    TornadoRow,
)

PARAMETERS_VERSION = load_parameters().version

__all__ = [
    "INPUT_FIELDS",
    "PARAMETERS_VERSION",
    "BudgetYear",
    "CeacPoint",
    "InputError",
    "InputField",
    "Interval",
    "LocalInputs",
    "PlanInputError",
    "PlanResult",
    "PsaPoint",
    "ReproductionRow",
    "TornadoRow",
    "format_table",
    "plan",
    "reproduce",
    "validate",
    "validate_dict",
]
