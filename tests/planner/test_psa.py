"""The probabilistic analysis: deterministic with a seed, and its plot data well formed."""

from __future__ import annotations

from openhat.planner import LocalInputs, plan

EXAMPLE = LocalInputs.example_us_city()


def test_same_seed_same_numbers():
    first = plan(EXAMPLE, draws=1000, seed=7)
    second = plan(EXAMPLE, draws=1000, seed=7)
    assert first.psa_points == second.psa_points
    assert first.net_cost == second.net_cost
    assert first.ceac == second.ceac
    assert len(first.psa_points) == 1000


def test_another_seed_other_draws():
    assert (
        plan(EXAMPLE, draws=200, seed=1).psa_points != plan(EXAMPLE, draws=200, seed=2).psa_points
    )


def test_plot_data():
    result = plan(EXAMPLE, draws=300, seed=0)
    assert result.net_cost.low <= result.net_cost.estimate <= result.net_cost.high
    assert result.qalys_gained.low <= result.qalys_gained.high
    probabilities = [point.probability_cost_effective for point in result.ceac]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    some_draws_lose = min(point.qalys_gained for point in result.psa_points) < 0
    assert probabilities == sorted(probabilities) or some_draws_lose
    assert result.ceac[0].willingness_to_pay == 0.0
    assert result.ceac[0].probability_cost_effective == result.probability_cost_saving
    for output, rows in result.drivers.items():
        assert rows, output
        swings = [row.swing for row in rows]
        assert swings == sorted(swings, reverse=True)
    kinds = {row.kind for row in result.tornado}
    assert kinds == {"your input", "model parameter"}
    assert result.sources["input:premises_cost"].startswith("your input")
    assert "Nosyk" in result.sources["weibull_lambda_dam"]
    assert "calibrated to" in result.sources["utility_dam"]


def test_the_result_is_plain_json():
    import json

    result = plan(EXAMPLE, draws=20, seed=0)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["inputs"]["place"] == EXAMPLE.place
    assert len(data["psa_points"]) == 20
    assert data["yearly_budget"][-1]["total"] == result.operating_budget_per_year
    assert set(data["drivers"]) == {
        "net_cost",
        "qalys_gained",
        "deaths_averted",
        "overdoses_averted",
        "crimes_averted",
    }


def test_refilled_places_treat_more_people_than_the_places():
    result = plan(EXAMPLE, draws=0)
    assert result.people == EXAMPLE.capacity * EXAMPLE.uptake
    assert result.people_treated > result.people
    assert result.per_person["qalys_gained"] > 0


def test_a_draw_count_out_of_range_is_refused():
    import pytest

    for draws in (-1, 100_001):
        with pytest.raises(ValueError, match="draws"):
            plan(EXAMPLE, draws=draws)
