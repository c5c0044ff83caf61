"""Care plans' and referrals' database backstops, tested directly (tests/backstops.py): a copy of
a valid row with one change, written past every service, is refused under the constraint's name;
the unchanged copy with its unique keys moved is accepted. (tests/care/test_constraints.py builds
its rows by hand; here every row starts as one the services wrote.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import models

from openhat.care import services
from openhat.care.models import CareGoal, CarePlan, CarePlanReview, PartnerService, Referral
from openhat.patients.models import Patient
from tests.backstops import assert_accepted, assert_refused, declared, far
from tests.care.conftest import goal_input, make_partner, plan_referral, start_plan
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def rows(personas: Personas, patient: Patient) -> dict[str, models.Model]:
    plan = start_plan(personas, patient)
    goal = services.add_goal(actor=personas["counsellor"], plan=plan, goal=goal_input())
    review = services.review_care_plan(
        actor=personas["counsellor"], plan=plan, note_text="Room offered; moving in next month."
    )
    partner = make_partner(personas)
    return {
        "plan": CarePlan.objects.get(pk=plan.pk),
        "goal": goal,
        "review": review,
        "partner": partner,
        "referral": plan_referral(personas, patient, partner),
    }


def _stages(**offsets: int) -> Any:
    """Stage dates `offsets` days after the referral was planned."""
    return lambda row: {f"{stage}_on": row.planned_on + n * DAY for stage, n in offsets.items()}


MOVED = {
    "plan": lambda row: far(row, "patient_id"),
    "goal": {},
    "review": {},
    "partner": {"name": "Another partner"},
    "referral": {},
}

CASES = {
    "care_plan_reviewed_after_start": (
        "plan",
        lambda row: {"last_reviewed_on": row.started_on - DAY},
    ),
    "care_plan_next_review_ahead": (
        "plan",
        lambda row: {"next_review_on": row.started_on, "last_reviewed_on": None},
    ),
    "care_goal_domain_known": ("goal", {"domain": "astrology"}),
    "care_goal_owner_known": ("goal", {"owner": "the neighbour"}),
    "care_goal_status_known": ("goal", {"status": "forgotten"}),
    "care_goal_has_text": ("goal", {"goal": ""}),
    "care_review_has_note": ("review", {"note": ""}),
    "care_review_next_after_review": ("review", lambda row: {"next_review_on": row.reviewed_on}),
    # the same name in other capitals
    "partner_service_name_unique_in_clinic": ("partner", lambda row: {"name": row.name.upper()}),
    "partner_service_has_name": ("partner", {"name": ""}),
    "partner_service_kinds_known": ("partner", {"kinds": ["housing", "astrology"]}),
    "referral_kind_known": ("referral", {"kind": "astrology"}),
    "referral_status_known": ("referral", {"status": "forgotten"}),
    "referral_has_reason": ("referral", {"reason": ""}),
    "referral_sends_known_categories": ("referral", {"sends_data": ["identity", "dna"]}),
    "referral_open_is_followed_up": ("referral", {"follow_up_on": None}),
    "referral_ended_has_date": ("referral", {"status": "declined"}),
    "referral_sent_has_date": ("referral", {"status": "sent"}),
    "referral_accepted_has_date": (
        "referral",
        lambda row: {"status": "accepted", **_stages(sent=0)(row)},
    ),
    "referral_attended_has_date": (
        "referral",
        lambda row: {"status": "attended", **_stages(sent=0, accepted=1)(row)},
    ),
    "referral_planned_has_no_later_dates": ("referral", _stages(sent=0)),
    "referral_stage_dates_in_order": (
        "referral",
        lambda row: {"status": "sent", **_stages(sent=-1)(row)},
    ),
    "referral_follow_up_after_planned": ("referral", _stages(follow_up=-1)),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"kinds": []}, "partner_service_kinds_known"),
        (_stages(ended=1), "referral_open_is_followed_up"),
        (
            lambda row: {"status": "declined", **_stages(ended=1)(row)},  # still followed up
            "referral_ended_has_date",
        ),
        (
            lambda row: {
                "status": "declined",
                "follow_up_on": None,
                **_stages(sent=2, ended=1)(row),
            },
            "referral_stage_dates_in_order",
        ),
    ],
)
def test_each_other_half_is_refused_too(
    rows: dict[str, models.Model], changes: Any, constraint: str
) -> None:
    name = "partner" if constraint.startswith("partner") else "referral"
    assert_refused(rows, MOVED, {constraint: (name, changes)}, constraint)


def test_a_referral_at_each_stage_with_its_dates_is_accepted(rows: dict[str, models.Model]) -> None:
    """The controls for the stage cases: the same referral, attended, then completed, each with
    its dates in order, is a valid row."""
    attended = lambda row: {"status": "attended", **_stages(sent=0, accepted=1, attended=2)(row)}  # noqa: E731
    assert_accepted(rows, {**MOVED, "referral": attended}, "referral")
    completed = lambda row: {  # noqa: E731
        "status": "completed",
        "follow_up_on": None,
        **_stages(sent=0, accepted=1, attended=2, ended=3)(row),
    }
    assert_accepted(rows, {**MOVED, "referral": completed}, "referral")


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([CarePlan, CareGoal, CarePlanReview, PartnerService, Referral]) == set(CASES)
