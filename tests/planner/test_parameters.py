"""The parameter file: every value sourced, calibrated ones reproducible from the script."""

from __future__ import annotations

import numpy as np
import pytest

from openhat.planner import PARAMETERS_VERSION
from openhat.planner.calibrate import FITTED, _fit_linear, _per_cycle_years
from openhat.planner.params import STATUSES, load_parameters

PARAMETERS = load_parameters()


def test_every_parameter_has_a_status_a_source_and_a_label():
    assert PARAMETERS.version == PARAMETERS_VERSION
    for name, parameter in PARAMETERS.parameters.items():
        assert parameter.status in STATUSES, name
        assert parameter.label, name
        assert PARAMETERS.source_text(name), name
        if parameter.status == "calibrated":
            assert parameter.target, name
            assert "calibrated to" in PARAMETERS.source_text(name)


def test_the_published_inputs_are_the_published_numbers():
    published = {
        "weibull_lambda_mmt": 0.114,
        "weibull_gamma_mmt": 0.643,
        "weibull_lambda_dam": 0.061,
        "weibull_gamma_dam": 0.761,
        "weibull_lambda_relapse": 0.091,
        "weibull_gamma_relapse": 0.672,
        "weibull_lambda_abstinence": 0.089,
        "weibull_gamma_abstinence": 0.797,
        "treatment_multiplier_ep4": 0.923,
        "relapse_multiplier_ep6": 1.442,
        "dam_to_relapse": 0.370,
        "dam_to_abstinence": 0.224,
        "dam_to_mmt": 0.407,
        "mmt_to_relapse": 0.959,
        "smr_relapse": 30.063,
        "rr_mmt_vs_relapse": 0.350,
        "smr_dam": 9.70,
    }
    for name, value in published.items():
        assert PARAMETERS[name].value == value, name
        assert PARAMETERS[name].status == "published", name


def test_the_calibrated_costs_and_utilities_come_from_the_script():
    values = {name: PARAMETERS[name].value for name in PARAMETERS.parameters}
    years, midpoints = _per_cycle_years(
        values["weibull_time_unit_months"], values["excess_mortality_multiplier"]
    )
    fitted, _ = _fit_linear(
        years, midpoints, values["health_cost_growth"], values["utility_decline"]
    )
    assert set(fitted) >= {f"{q}_dam" for q in FITTED}
    for name, value in fitted.items():
        assert PARAMETERS[name].value == pytest.approx(value, abs=0.01), name


def test_sampling_is_seeded_and_keeps_ties():
    first = PARAMETERS.sample(50, np.random.default_rng(3))
    second = PARAMETERS.sample(50, np.random.default_rng(3))
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert np.array_equal(first["utility_mmt"], first["utility_dam"])
    shares = first["dam_to_relapse"] + first["dam_to_abstinence"] + first["dam_to_mmt"]
    assert np.allclose(shares, 1.0)
