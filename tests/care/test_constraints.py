"""The database's own checks on care rows: each written past the services, each refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from openhat.care.models import CareGoal, CarePlan, CarePlanReview, PartnerService, Referral
from openhat.clinics.models import Clinic
from openhat.patients.models import Patient
from tests.care.conftest import goal_input, start_plan
from tests.conftest import Personas

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def _refused(make: Any, name: str) -> None:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        make()
    assert name in str(refused.value)


@pytest.fixture
def plan(personas: Personas, patient: Patient) -> CarePlan:
    return start_plan(personas, patient)


@pytest.fixture
def partner(personas: Personas) -> PartnerService:
    return PartnerService.objects.create(clinic=personas.clinic, name="P", kinds=["housing"])


def _referral(personas: Personas, patient: Patient, partner: PartnerService, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "clinic": personas.clinic,
        "patient": patient,
        "kind": "housing",
        "partner": partner,
        "reason": "r",
        "planned_on": DAY,
        "follow_up_on": DAY,
        "created_by": personas["counsellor"],
    }
    values.update(kw)
    return lambda: Referral.objects.create(**values)


def test_a_valid_referral_row_is_accepted(
    personas: Personas, patient: Patient, partner: PartnerService
) -> None:
    _referral(personas, patient, partner)()
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"kind": "x"}, "referral_kind_known"),
        ({"status": "x"}, "referral_status_known"),
        ({"reason": ""}, "referral_has_reason"),
        ({"sends_data": ["dna"]}, "referral_sends_known_categories"),
        ({"follow_up_on": None}, "referral_open_is_followed_up"),
        ({"ended_on": DAY}, "referral_open_is_followed_up"),
        ({"status": "declined", "ended_on": DAY}, "referral_ended_has_date"),
        ({"status": "declined", "follow_up_on": None}, "referral_ended_has_date"),
        ({"status": "sent"}, "referral_sent_has_date"),
        ({"status": "accepted", "sent_on": DAY}, "referral_accepted_has_date"),
        (
            {"status": "attended", "sent_on": DAY, "accepted_on": DAY},
            "referral_attended_has_date",
        ),
        ({"sent_on": DAY}, "referral_planned_has_no_later_dates"),
        (
            {"status": "sent", "sent_on": DAY - timedelta(days=1)},
            "referral_stage_dates_in_order",
        ),
        (
            {
                "status": "declined",
                "sent_on": DAY,
                "ended_on": DAY - timedelta(days=1),
                "follow_up_on": None,
            },
            "referral_stage_dates_in_order",
        ),
        ({"follow_up_on": DAY - timedelta(days=1)}, "referral_follow_up_after_planned"),
    ],
)
def test_referral_checks(
    personas: Personas,
    patient: Patient,
    partner: PartnerService,
    changes: dict[str, Any],
    constraint: str,
) -> None:
    _refused(_referral(personas, patient, partner, **changes), constraint)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"name": ""}, "partner_service_has_name"),
        ({"kinds": []}, "partner_service_kinds_known"),
        ({"kinds": ["astrology"]}, "partner_service_kinds_known"),
        ({"name": "p"}, "partner_service_name_unique_in_clinic"),
    ],
)
def test_partner_checks(
    personas: Personas, partner: PartnerService, changes: dict[str, Any], constraint: str
) -> None:
    values: dict[str, Any] = {"clinic": personas.clinic, "name": "Q", "kinds": ["housing"]}
    values.update(changes)
    _refused(lambda: PartnerService.objects.create(**values), constraint)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"domain": "x"}, "care_goal_domain_known"),
        ({"owner": "x"}, "care_goal_owner_known"),
        ({"status": "x"}, "care_goal_status_known"),
        ({"goal": ""}, "care_goal_has_text"),
    ],
)
def test_goal_checks(
    personas: Personas, plan: CarePlan, changes: dict[str, Any], constraint: str
) -> None:
    goal = goal_input()
    values: dict[str, Any] = {
        "care_plan": plan,
        "clinic": personas.clinic,
        "domain": goal.domain,
        "goal": goal.goal,
        "owner": goal.owner,
        "target_on": goal.target_on,
        "created_by": personas["counsellor"],
    }
    values.update(changes)
    _refused(lambda: CareGoal.objects.create(**values), constraint)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"last_reviewed_on": DAY - timedelta(days=1)}, "care_plan_reviewed_after_start"),
        ({"next_review_on": DAY}, "care_plan_next_review_ahead"),
        (
            {"last_reviewed_on": DAY + timedelta(days=30), "next_review_on": DAY + timedelta(10)},
            "care_plan_next_review_ahead",
        ),
    ],
)
def test_plan_checks(
    personas: Personas, patient: Patient, changes: dict[str, Any], constraint: str
) -> None:
    values: dict[str, Any] = {
        "clinic": personas.clinic,
        "patient": patient,
        "started_on": DAY,
        "next_review_on": DAY + timedelta(days=90),
        "started_by": personas["counsellor"],
    }
    values.update(changes)
    _refused(lambda: CarePlan.objects.create(**values), constraint)


def test_one_plan_per_patient_in_the_database(personas: Personas, plan: CarePlan) -> None:
    _refused(
        lambda: CarePlan.objects.create(
            clinic=personas.clinic,
            patient=plan.patient,
            started_on=DAY,
            next_review_on=DAY + timedelta(days=1),
            started_by=personas["counsellor"],
        ),
        "patient_id",
    )


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"note": ""}, "care_review_has_note"),
        ({"next_review_on": DAY}, "care_review_next_after_review"),
    ],
)
def test_review_checks(
    personas: Personas, plan: CarePlan, changes: dict[str, Any], constraint: str
) -> None:
    values: dict[str, Any] = {
        "care_plan": plan,
        "clinic": personas.clinic,
        "reviewed_on": DAY,
        "note": "n",
        "next_review_on": DAY + timedelta(days=90),
        "reviewed_by": personas["counsellor"],
    }
    values.update(changes)
    _refused(lambda: CarePlanReview.objects.create(**values), constraint)


def test_reviews_are_append_only(personas: Personas, plan: CarePlan) -> None:
    review = CarePlanReview.objects.create(
        care_plan=plan,
        clinic=personas.clinic,
        reviewed_on=DAY,
        note="n",
        next_review_on=DAY + timedelta(days=90),
        reviewed_by=personas["counsellor"],
    )
    from django.db import ProgrammingError

    with pytest.raises(ProgrammingError), transaction.atomic():
        CarePlanReview.objects.filter(pk=review.pk).update(note="rewritten")
    with pytest.raises(ProgrammingError), transaction.atomic():
        CarePlanReview.objects.filter(pk=review.pk).delete()


@pytest.mark.parametrize("months", [0, 13])
def test_the_clinic_review_interval_is_1_to_12_months(personas: Personas, months: int) -> None:
    _refused(
        lambda: Clinic.objects.filter(pk=personas.clinic.pk).update(care_plan_review_months=months),
        "clinic_care_plan_review_months_range",
    )
