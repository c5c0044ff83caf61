"""A saved planner scenario's database backstops, tested directly (tests/backstops.py): a copy of
a valid scenario with one change, written past every service, is refused under the constraint's
name; the unchanged copy with its share key moved is accepted."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import models

from openhat import planner
from openhat.pilot.models import Scenario, ScenarioOrigin
from openhat.pilot.services import save_scenario
from tests.backstops import assert_accepted, assert_refused, declared

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> dict[str, models.Model]:
    scenario = save_scenario(
        actor=None,
        title="A city, 150 places",
        inputs=dataclasses.replace(planner.LocalInputs.example_us_city()),
        origin=ScenarioOrigin.FORM,
    )
    return {"scenario": scenario}


MOVED = {"scenario": {"share_key": "B" * 43}}

CASES = {
    "scenario_share_key_shape": ("scenario", {"share_key": "B" * 42 + "="}),
    "scenario_title_not_blank": ("scenario", {"title": " \t "}),
    "scenario_origin_known": ("scenario", {"origin": "fax"}),
    "scenario_parameters_version_given": ("scenario", {"parameters_version": ""}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([Scenario]) == set(CASES)
