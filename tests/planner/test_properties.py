"""Properties of the planner that must hold for any sensible city (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.planner import LocalInputs, plan
from openhat.planner.model import Strategy, run_cohort
from openhat.planner.outcomes import summarise
from openhat.planner.params import load_parameters

EXAMPLE = LocalInputs.example_us_city()
horizons = st.integers(min_value=1, max_value=30)
comparators = st.sampled_from(["oral_oat", "no_treatment"])
COST_FIELDS = ("staff_cost_per_fte", "drug_cost_per_patient", "premises_cost", "security_cost")


@settings(max_examples=15, deadline=None)
@given(
    field=st.sampled_from(COST_FIELDS),
    cut=st.floats(min_value=0.0, max_value=1.0),
    horizon=horizons,
    comparator=comparators,
)
def test_a_cheaper_programme_never_costs_more(field, cut, horizon, comparator):
    inputs = replace(EXAMPLE, horizon_years=horizon, comparator=comparator)
    cheaper = replace(inputs, **{field: getattr(inputs, field) * (1 - cut)})
    assert (
        plan(cheaper, draws=0).net_cost.estimate <= plan(inputs, draws=0).net_cost.estimate + 1e-6
    )


@settings(max_examples=15, deadline=None)
@given(
    better=st.floats(min_value=0.3, max_value=1.0),
    worse=st.floats(min_value=1.0, max_value=2.0),
    horizon=horizons,
    comparator=comparators,
)
def test_better_retention_never_loses_qalys(better, worse, horizon, comparator):
    """Per person treated. (A programme's total can fall: with a fixed number of places, people
    who stay longer leave fewer places for newcomers.)"""
    inputs = replace(EXAMPLE, horizon_years=horizon, comparator=comparator)
    kept = plan(replace(inputs, retention_multiplier=better), draws=0)
    lost = plan(replace(inputs, retention_multiplier=worse), draws=0)
    assert kept.per_person["qalys_gained"] >= lost.per_person["qalys_gained"] - 1e-9


@settings(max_examples=10, deadline=None)
@given(horizon=horizons, comparator=comparators, uptake=st.floats(min_value=0.0, max_value=1.0))
def test_zero_capacity_averts_nothing(horizon, comparator, uptake):
    inputs = replace(
        EXAMPLE, capacity=0, horizon_years=horizon, comparator=comparator, uptake=uptake
    )
    result = plan(inputs, draws=50, seed=1)
    for name in (
        "deaths_averted",
        "overdoses_averted",
        "crimes_averted",
        "qalys_gained",
        "net_cost",
    ):
        interval = getattr(result, name)
        assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0), name
    assert result.people == 0


@settings(max_examples=20, deadline=None)
@given(
    rate=st.floats(min_value=0.0, max_value=0.15),
    horizon=st.one_of(st.none(), st.floats(min_value=0.25, max_value=60)),
    strategy=st.sampled_from(list(Strategy)),
)
def test_discounted_totals_never_exceed_undiscounted(rate, horizon, strategy):
    values = {k: np.array([v]) for k, v in load_parameters().base_values().items()}
    values["discount_rate"] = np.array([rate])
    structure = load_parameters().model_structure()
    outcome = summarise(run_cohort(values, strategy, structure=structure), values, horizon)
    assert outcome.qalys[0] <= outcome.qalys_undiscounted[0] + 1e-9
    assert outcome.cost[0] <= outcome.cost_undiscounted[0] + 1e-6
    for component, cost in outcome.costs.items():
        assert cost[0] <= outcome.costs_undiscounted[component][0] + 1e-6


@settings(max_examples=10, deadline=None)
@given(years=st.integers(min_value=1, max_value=40), strategy=st.sampled_from(list(Strategy)))
def test_running_totals_agree_with_a_cut_at_the_horizon(years, strategy):
    from openhat.planner.outcomes import cumulative

    parameters = load_parameters()
    values = {k: np.array([v]) for k, v in parameters.base_values().items()}
    values["crimes_per_year_relapse"] = np.array([10.0])
    trace = run_cohort(values, strategy, structure=parameters.model_structure(), years=40)
    totals = cumulative(trace, values)
    outcome = summarise(trace, values, float(years))
    last = years * 4 - 1
    assert totals["cost"][last, 0] == pytest.approx(outcome.cost[0])
    assert totals["qalys"][last, 0] == pytest.approx(outcome.qalys[0])
    assert totals["deaths"][last, 0] == pytest.approx(outcome.deaths[0])
    assert totals["crimes"][last, 0] == pytest.approx(outcome.crimes[0])
