"""The clinics' and memberships' database backstops, tested directly (tests/backstops.py): a copy
of a valid row with one change, written past every service, is refused under the constraint's
name; the unchanged copy with its unique keys moved is accepted."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.db import models

from openhat.clinics.models import Clinic, StaffMembership
from tests.backstops import assert_accepted, assert_refused, declared, far, same

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    return {
        "clinic": Clinic.objects.get(pk=personas.clinic.pk),
        "membership": StaffMembership.objects.get(user=personas["nurse"], clinic=personas.clinic),
    }


MOVED = {
    "clinic": {"code": "QQQQ"},
    "membership": lambda row: far(row, "user_id"),
}

CASES = {
    "clinic_code_format": ("clinic", {"code": "Qq1"}),
    # the morning window closing after the midday one opens
    "clinic_windows_in_order": (
        "clinic",
        {"morning_opens": time(7), "morning_closes": time(12), "midday_opens": time(11, 30)},
    ),
    "clinic_care_plan_review_months_range": ("clinic", {"care_plan_review_months": 13}),
    "one_membership_per_user_and_clinic": ("membership", same("user_id")),
    "membership_role_known": ("membership", {"role": "janitor"}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize(
    ("field", "value"), [("care_plan_review_months", 0), ("code", "ZRH1"), ("code", "AB")]
)
def test_the_other_edges_are_refused_too(
    rows: dict[str, models.Model], field: str, value: Any
) -> None:
    constraint = (
        "clinic_care_plan_review_months_range"
        if field == "care_plan_review_months"
        else "clinic_code_format"
    )
    assert_refused(rows, MOVED, {constraint: ("clinic", {field: value})}, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([Clinic, StaffMembership]) == set(CASES)
