"""Saving a scenario: one row written once, with an unguessable key and its audit event; the
model's refusals and a missing title write nothing; the database itself keeps the row's shape."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from openhat import planner
from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError
from openhat.pilot.models import SHARE_KEY_PATTERN, Scenario, ScenarioOrigin
from openhat.pilot.services import InvalidInputs, save_scenario, scenario_by_key, scenario_inputs

pytestmark = pytest.mark.django_db

EXAMPLE = planner.LocalInputs.example_us_city()


def saved(**changes: Any) -> Scenario:
    return save_scenario(
        actor=changes.pop("actor", None),
        title=changes.pop("title", "San Francisco, 150 places"),
        inputs=dataclasses.replace(EXAMPLE, **changes),
        origin=ScenarioOrigin.FORM,
    )


def test_a_saved_scenario_keeps_its_inputs_under_an_unguessable_key_and_is_audited(
    personas: Any,
) -> None:
    researcher = personas["researcher"]
    scenario = saved(actor=researcher)

    assert re.fullmatch(SHARE_KEY_PATTERN, scenario.share_key)
    assert scenario_by_key(scenario.share_key) == scenario
    assert scenario_inputs(scenario).to_dict() == EXAMPLE.to_dict()
    assert scenario.parameters_version == planner.PARAMETERS_VERSION
    assert scenario.created_by == researcher
    event = AuditEvent.objects.get(code=AuditCode.PLANNER_SCENARIO_SAVED)
    assert (event.actor, event.object_id, event.clinic) == (researcher, str(scenario.pk), None)
    assert event.data["title"] == "San Francisco, 150 places"
    assert event.data["origin"] == "form"


def test_two_saves_of_the_same_inputs_get_different_keys() -> None:
    assert saved().share_key != saved().share_key


def test_a_visitor_of_a_public_planner_saves_without_an_account() -> None:
    scenario = saved(actor=None)

    assert scenario.created_by is None
    assert AuditEvent.objects.get(code=AuditCode.PLANNER_SCENARIO_SAVED).actor is None


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"uptake": 1.2}, "uptake", "probability_out_of_range"),
        ({"exit_to_relapse": 0.5}, "exit_to_relapse", "row_not_summing_to_one"),
        ({"premises_cost": -1.0}, "premises_cost", "negative_cost"),
        ({"eligible_population": -5}, "eligible_population", "negative_population"),
        ({"horizon_years": 0}, "horizon_years", "horizon_out_of_range"),
        ({"capacity": 5000}, "capacity", "capacity_exceeds_eligible"),
        ({"price_year": None}, "price_year", "currency_without_price_year"),
    ],
)
def test_inputs_the_model_refuses_are_not_saved(
    changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(InvalidInputs) as refused:
        saved(**changes)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in refused.value.as_dict()["errors"]
    ]
    assert not Scenario.objects.exists()
    assert not AuditEvent.objects.filter(code=AuditCode.PLANNER_SCENARIO_SAVED).exists()


@pytest.mark.parametrize(
    ("title", "code"), [("   ", "scenario_title_required"), ("x" * 121, "scenario_title_too_long")]
)
def test_a_scenario_needs_a_title_of_sensible_length(title: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        saved(title=title)

    assert (refused.value.code, refused.value.field) == (code, "title")
    assert not Scenario.objects.exists()


def test_an_unknown_key_is_not_found() -> None:
    with pytest.raises(DomainError) as refused:
        scenario_by_key("A" * 43)

    assert (refused.value.code, refused.value.status_code) == ("scenario_not_found", 404)


def test_a_saved_scenario_cannot_be_changed_in_the_database() -> None:
    scenario = saved()

    with pytest.raises(DatabaseError, match=r"written_once"), transaction.atomic():
        Scenario.objects.filter(pk=scenario.pk).update(title="changed behind the link")

    scenario.refresh_from_db()
    assert scenario.title == "San Francisco, 150 places"


def _insert(**changes: Any) -> None:
    values = {
        "share_key": "k" * 43,
        "title": "a title",
        "inputs": EXAMPLE.to_dict(),
        "parameters_version": "1",
        "origin": "form",
        **changes,
    }
    with transaction.atomic():
        Scenario.objects.bulk_create([Scenario(**values)])
        transaction.set_rollback(True)


def test_a_well_formed_row_is_accepted_past_the_service() -> None:
    _insert()  # the cases below each break one constraint of this row


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"share_key": "short"}, "scenario_share_key_shape"),
        ({"share_key": "k" * 42 + "!"}, "scenario_share_key_shape"),
        ({"title": "   "}, "scenario_title_not_blank"),
        ({"origin": "email"}, "scenario_origin_known"),
        ({"parameters_version": ""}, "scenario_parameters_version_given"),
    ],
)
def test_the_database_refuses_a_scenario_of_the_wrong_shape(
    changes: dict[str, Any], constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        _insert(**changes)


def test_every_constraint_has_a_case() -> None:
    names = {constraint.name for constraint in Scenario._meta.constraints}
    assert names == {
        "scenario_share_key_shape",
        "scenario_title_not_blank",
        "scenario_origin_known",
        "scenario_parameters_version_given",
    }
