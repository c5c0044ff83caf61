"""The planner's JSON API: a save is idempotent and gives the scenario's links, a saved scenario
reads back as its file and as the model's result, and refused inputs answer 422 with the model's
codes and nothing saved. The responses are checked against their OpenAPI schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openhat import planner
from openhat.api import api
from openhat.pilot.models import Scenario
from openhat.pilot.schemas import PlannerErrorOut, PlanOut, ScenarioDocumentOut, ScenarioOut
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

EXAMPLE = planner.LocalInputs.example_us_city().to_dict()


@pytest.fixture
def caller(personas: Any) -> Client:
    return sign_in(Client(), personas["counsellor"])


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def saved_key(client: Client, **changes: Any) -> str:
    body = {"title": "San Francisco", "inputs": {**EXAMPLE, **changes}}
    response = post(client, "/api/planner/scenarios", body)
    assert response.status_code == 201, response.content
    return str(response.json()["share_key"])


def test_the_plan_of_a_saved_scenario_gives_numbers_with_intervals_sources_and_limits(
    caller: Client,
) -> None:
    key = saved_key(caller)

    response = caller.get(f"/api/planner/scenarios/{key}/plan")

    assert response.status_code == 200
    body = PlanOut.model_validate(response.json())
    assert body.draws == 1000
    assert body.net_cost.low <= body.net_cost.estimate <= body.net_cost.high
    assert body.tornado and body.limits
    assert body.sources["net_cost"]
    assert caller.get(f"/api/planner/scenarios/{key}/plan").json() == response.json()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"uptake": 2}, "uptake", "probability_out_of_range"),
        ({"horizon_years": 0}, "horizon_years", "horizon_out_of_range"),
        ({"security_cost": -1}, "security_cost", "negative_cost"),
        ({"capacity": "many"}, "capacity", "not_a_number"),
        ({"capacity": 1e300}, "capacity", "number_too_large"),
        ({"places": 3}, "places", "unknown_input"),
        ({"sources": ["not", "a", "map"]}, "sources", "invalid_sources"),
        ({"place": "line\nbreak"}, "place", "control_character"),
    ],
)
def test_refused_inputs_answer_422_with_the_field_and_nothing_is_saved(
    caller: Client, changes: dict[str, Any], field: str, code: str
) -> None:
    response = post(
        caller, "/api/planner/scenarios", {"inputs": {**EXAMPLE, **changes}, "title": "t"}
    )

    assert response.status_code == 422, response.content
    body = PlannerErrorOut.model_validate(response.json())
    assert (body.field, body.code) == (field, code)
    assert {(e.field, e.code) for e in body.errors} >= {(field, code)}
    assert not Scenario.objects.exists()


def test_a_save_with_an_idempotency_key_is_made_once_and_reads_back_as_its_file(
    caller: Client,
) -> None:
    body = {"title": "Oakland, 60 places", "inputs": {**EXAMPLE, "capacity": 60}}
    first = post(caller, "/api/planner/scenarios", body, HTTP_IDEMPOTENCY_KEY="save-oakland-1")
    again = post(caller, "/api/planner/scenarios", body, HTTP_IDEMPOTENCY_KEY="save-oakland-1")

    assert (first.status_code, again.status_code) == (201, 201)
    saved = ScenarioOut.model_validate(first.json())
    assert again.json()["share_key"] == saved.share_key
    assert Scenario.objects.count() == 1
    assert caller.get(saved.page).status_code == 200
    assert caller.get(saved.plan).status_code == 200
    document = caller.get(f"/api/planner/scenarios/{saved.share_key}")
    assert document.status_code == 200
    file = ScenarioDocumentOut.model_validate(document.json())
    assert file.title == "Oakland, 60 places"
    assert file.inputs["capacity"] == 60
    exported = json.loads(caller.get(saved.json_file).content)
    assert exported == document.json()


def test_an_unknown_scenario_is_not_found(caller: Client) -> None:
    response = caller.get(f"/api/planner/scenarios/{'Q' * 43}")

    assert response.status_code == 404
    assert response.json()["code"] == "scenario_not_found"


def test_the_api_needs_a_signed_in_caller(db: Any) -> None:
    response = post(Client(), "/api/planner/scenarios", {"title": "t", "inputs": EXAMPLE})

    assert response.status_code == 401
    assert not Scenario.objects.exists()


def test_the_openapi_schema_describes_the_planner() -> None:
    paths = api.get_openapi_schema()["paths"]

    assert {
        "/api/planner/example",
        "/api/planner/scenarios",
        "/api/planner/scenarios/{share_key}",
        "/api/planner/scenarios/{share_key}/plan",
    } <= set(paths)
    assert 422 in paths["/api/planner/scenarios"]["post"]["responses"]
