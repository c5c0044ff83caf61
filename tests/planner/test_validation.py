"""Bad planner input: every error at once, each naming its field with a stable code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from openhat.planner import LocalInputs, PlanInputError, plan, validate, validate_dict

GOOD = LocalInputs.example_us_city()

CASES = [
    ("uptake above 1", {"uptake": 1.5}, "uptake", "probability_out_of_range"),
    (
        "negative prevalence",
        {"prevalence": -0.1, "eligible_population": None},
        "prevalence",
        "probability_out_of_range",
    ),
    ("discount above 1", {"discount_rate": 3.0}, "discount_rate", "probability_out_of_range"),
    (
        "exit share above 1",
        {"exit_to_abstinence": 1.2},
        "exit_to_abstinence",
        "probability_out_of_range",
    ),
    ("row not summing to 1", {"exit_to_relapse": 0.5}, "exit_to_relapse", "row_not_summing_to_one"),
    ("negative staff cost", {"staff_cost_per_fte": -1.0}, "staff_cost_per_fte", "negative_cost"),
    ("negative premises", {"premises_cost": -10.0}, "premises_cost", "negative_cost"),
    ("negative security", {"security_cost": -10.0}, "security_cost", "negative_cost"),
    (
        "negative drug cost",
        {"drug_cost_per_patient": -10.0},
        "drug_cost_per_patient",
        "negative_cost",
    ),
    (
        "negative comparator cost",
        {"comparator_cost_per_patient": -1.0},
        "comparator_cost_per_patient",
        "negative_cost",
    ),
    ("negative population", {"population": -5}, "population", "negative_population"),
    (
        "negative eligible",
        {"eligible_population": -5},
        "eligible_population",
        "negative_population",
    ),
    ("negative capacity", {"capacity": -1}, "capacity", "negative_population"),
    ("horizon 0", {"horizon_years": 0}, "horizon_years", "horizon_out_of_range"),
    ("horizon past the model", {"horizon_years": 61}, "horizon_years", "horizon_out_of_range"),
    ("capacity above eligible", {"capacity": 5000}, "capacity", "capacity_exceeds_eligible"),
    (
        "currency without price year",
        {"price_year": None},
        "price_year",
        "currency_without_price_year",
    ),
    (
        "no population at all",
        {"eligible_population": None, "population": None},
        "eligible_population",
        "missing_population",
    ),
    ("text for a number", {"premises_cost": "a lot"}, "premises_cost", "not_a_number"),
    ("half a year", {"horizon_years": 2.5}, "horizon_years", "not_a_whole_number"),
    ("half a place", {"capacity": 10.5}, "capacity", "not_a_whole_number"),
    ("unknown comparator", {"comparator": "prayer"}, "comparator", "unknown_comparator"),
]


@pytest.mark.parametrize(("case", "change", "field", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_bad_input_is_named_with_its_code(case, change, field, code):
    errors = validate(replace(GOOD, **change))
    assert (field, code) in {(e.field, e.code) for e in errors}, errors
    assert all(e.message for e in errors)
    with pytest.raises(PlanInputError) as raised:
        plan(replace(GOOD, **change), draws=0)
    assert (field, code) in {(e.field, e.code) for e in raised.value.errors}


def test_the_example_is_valid():
    assert validate(GOOD) == []


def test_all_errors_come_back_together():
    bad = replace(
        GOOD, uptake=2.0, premises_cost=-1.0, horizon_years=0, price_year=None, capacity=10_000
    )
    codes = {e.code for e in validate(bad)}
    assert codes >= {
        "probability_out_of_range",
        "negative_cost",
        "horizon_out_of_range",
        "currency_without_price_year",
        "capacity_exceeds_eligible",
    }


def test_prevalence_times_population_gives_the_eligible():
    inputs = replace(
        GOOD, eligible_population=None, population=100_000, prevalence=0.001, capacity=150
    )
    assert inputs.eligible() == pytest.approx(100.0)
    assert ("capacity", "capacity_exceeds_eligible") in {
        (e.field, e.code) for e in validate(inputs)
    }


def test_json_round_trip_and_unknown_keys():
    data = GOOD.to_dict()
    data.pop("sources")
    assert LocalInputs.from_dict(data) == GOOD
    errors = validate_dict({**data, "colour": "blue"})
    assert [(e.field, e.code) for e in errors] == [("colour", "unknown_field")]
    assert errors[0].to_dict() == {
        "field": "colour",
        "code": "unknown_field",
        "message": errors[0].message,
    }


def test_every_input_has_a_field_description():
    from dataclasses import fields

    from openhat.planner import INPUT_FIELDS

    described = [f.name for f in INPUT_FIELDS]
    assert sorted(described) == sorted(f.name for f in fields(LocalInputs) if f.name != "sources")
    assert all(f.label and f.help and f.kind for f in INPUT_FIELDS)
    assert next(f for f in INPUT_FIELDS if f.name == "comparator").choices == (
        "oral_oat",
        "no_treatment",
    )
