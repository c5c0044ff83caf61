"""A scenario as JSON: what is exported loads back to the same inputs (with their citations), and a
file that is not a scenario gets a stable code and a sentence, never an exception."""

from __future__ import annotations

import dataclasses
import json

import pytest

from openhat import planner
from openhat.core.errors import DomainError
from openhat.pilot import scenario_json

EXAMPLE = planner.LocalInputs.example_us_city()


def test_an_exported_scenario_loads_back_to_the_same_inputs_and_citations() -> None:
    changed = dataclasses.replace(EXAMPLE, capacity=90, place="Baltimore, Maryland")
    text = scenario_json.dumps("Baltimore, 90 places", changed, planner.PARAMETERS_VERSION)

    loaded = scenario_json.load(text)

    assert loaded.title == "Baltimore, 90 places"
    assert loaded.inputs.to_dict() == changed.to_dict()
    assert loaded.inputs.sources == EXAMPLE.sources
    assert loaded.parameters_version == planner.PARAMETERS_VERSION
    assert not planner.validate(loaded.inputs)


def test_a_file_with_a_byte_order_mark_loads() -> None:
    text = scenario_json.dumps("t", EXAMPLE, "v")

    assert scenario_json.load(("\ufeff" + text).encode()).inputs == EXAMPLE


def _document(**changes: object) -> str:
    data = json.loads(scenario_json.dumps("t", EXAMPLE, "v"))
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "scenario_json_empty"),
        ("{not json", "scenario_json_malformed"),
        (b"\xff\xfe\x00garbage", "scenario_json_malformed"),
        ("[" * 100_001, "scenario_json_too_large"),
        ("[" * 5000 + "]" * 5000, "scenario_json_malformed"),  # nested too deeply
        ("[1, 2]", "scenario_json_not_a_scenario"),
        ('{"inputs": {}}', "scenario_json_not_a_scenario"),
        (_document(format_version=2), "scenario_json_version_unsupported"),
        (_document(inputs=[1]), "scenario_json_inputs_missing"),
        (_document(title=5), "scenario_json_title_invalid"),
    ],
)
def test_what_is_not_a_scenario_file_is_refused_with_a_stable_code(
    raw: str | bytes, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        scenario_json.load(raw)

    assert (refused.value.code, refused.value.field, refused.value.status_code) == (
        code,
        "file",
        400,
    )
    assert refused.value.message


def test_inputs_that_load_but_make_no_sense_are_left_to_the_model_to_name() -> None:
    loaded = scenario_json.load(_document(inputs={**EXAMPLE.to_dict(), "horizon_years": 0}))

    assert [(e.field, e.code) for e in planner.validate(loaded.inputs)] == [
        ("horizon_years", "horizon_out_of_range")
    ]
