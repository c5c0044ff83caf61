"""Care plans on real PostgreSQL: start, goals, reviews and the derived next review date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from openhat.audit.models import AuditEvent
from openhat.care import services
from openhat.care.inputs import GoalReviewInput
from openhat.care.models import CareGoal, CarePlan, CarePlanReview
from openhat.care.services.plans import add_months
from openhat.clinics.models import Clinic
from openhat.core.clock import backdated
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.patients.models import Patient
from tests.care.conftest import goal_input, start_plan
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 12, 1), 12, date(2027, 12, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_a_plan_starts_with_its_first_review_one_interval_ahead(
    personas: Personas, patient: Patient, today: date
) -> None:
    plan = start_plan(personas, patient)

    assert plan.started_on == today
    assert plan.next_review_on == add_months(today, 3)
    assert AuditEvent.objects.filter(code=7001, object_id=str(plan.pk)).count() == 1


def test_the_clinic_setting_sets_the_interval(
    personas: Personas, patient: Patient, today: date
) -> None:
    Clinic.objects.filter(pk=personas.clinic.pk).update(care_plan_review_months=6)
    patient.clinic.refresh_from_db()

    plan = start_plan(personas, patient)

    assert plan.next_review_on == add_months(today, 6)


def test_one_plan_per_patient(personas: Personas, patient: Patient) -> None:
    start_plan(personas, patient)

    with pytest.raises(Conflict) as refused:
        start_plan(personas, patient)

    assert refused.value.code == "care_plan_exists"
    assert CarePlan.objects.filter(patient=patient).count() == 1


def test_a_retry_with_the_same_key_starts_one_plan(personas: Personas, patient: Patient) -> None:
    first = services.start_care_plan(
        actor=personas["counsellor"], patient=patient, idempotency_key="care-start-0001"
    )
    again = services.start_care_plan(
        actor=personas["counsellor"], patient=patient, idempotency_key="care-start-0001"
    )

    assert again.pk == first.pk


@pytest.mark.parametrize("role", ["nurse", "physician", "manager", "researcher", "auditor"])
def test_only_counsellors_write_plans(personas: Personas, patient: Patient, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.start_care_plan(actor=personas[role], patient=patient)
    assert not CarePlan.objects.exists()


def test_another_clinics_patient_is_not_found(personas: Personas, other_patient: Patient) -> None:
    with pytest.raises(NotFound):
        services.start_care_plan(actor=personas["counsellor"], patient=other_patient)


def test_a_start_in_the_future_is_refused(
    personas: Personas, patient: Patient, today: date
) -> None:
    with pytest.raises(DomainError) as refused:
        services.start_care_plan(
            actor=personas["counsellor"], patient=patient, started_on=today + timedelta(days=1)
        )
    assert refused.value.code == "started_on_in_future"


def test_goals_keep_their_fields_and_the_patients_words(
    personas: Personas, patient: Patient
) -> None:
    plan = start_plan(personas, patient)

    goal = services.add_goal(actor=personas["counsellor"], plan=plan, goal=goal_input())

    stored = CareGoal.objects.get(pk=goal.pk)
    assert stored.domain == "housing"
    assert stored.owner == "shared"
    assert stored.status == "not_started"
    assert stored.patient_words == "I want a door I can lock."
    assert stored.action_lines() == ["Apply for supported housing", "Collect the income statement"]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"domain": "astrology"}, "domain_unknown", "domain"),
        ({"owner": "nobody"}, "owner_unknown", "owner"),
        ({"status": "finished"}, "status_unknown", "status"),
        ({"goal": "   "}, "goal_required", "goal"),
        ({"goal": "x" * 301}, "text_too_long", "goal"),
        ({"goal": "nul\x00byte"}, "control_character", "goal"),
        ({"target_on": date(1, 1, 1)}, "date_out_of_range", "target_on"),
        ({"patient_words": "y" * 4001}, "text_too_long", "patient_words"),
    ],
)
def test_bad_goals_are_refused_with_a_code_and_nothing_written(
    personas: Personas, patient: Patient, changes: dict[str, Any], code: str, field: str
) -> None:
    plan = start_plan(personas, patient)

    with pytest.raises(DomainError) as refused:
        services.add_goal(actor=personas["counsellor"], plan=plan, goal=goal_input(**changes))

    assert (refused.value.code, refused.value.field) == (code, field)
    assert not CareGoal.objects.exists()


def test_a_changed_goal_keeps_its_earlier_version(personas: Personas, patient: Patient) -> None:
    plan = start_plan(personas, patient)
    goal = services.add_goal(actor=personas["counsellor"], plan=plan, goal=goal_input())

    services.update_goal(
        actor=personas["counsellor"], goal=goal, changes=goal_input(status="in_progress")
    )

    versions = list(
        CareGoal.pgh_event_model.objects.filter(pgh_obj_id=goal.pk)  # type: ignore[attr-defined]
        .order_by("pgh_id")
        .values_list("status", flat=True)
    )
    assert versions == ["not_started", "in_progress"]


def test_a_review_records_who_when_and_derives_the_next_date(
    personas: Personas, patient: Patient, today: date
) -> None:
    counsellor: User = personas["counsellor"]
    with backdated(_days_ago(100)):
        plan = start_plan(personas, patient)
        goal = services.add_goal(actor=counsellor, plan=plan, goal=goal_input())

    review = services.review_care_plan(
        actor=counsellor,
        plan=plan,
        note_text="Room offered; moving in next month.",
        goal_reviews=[GoalReviewInput(goal.pk, "achieved", "Keys on the 3rd")],
    )

    plan.refresh_from_db()
    goal.refresh_from_db()
    assert (review.reviewed_by, review.reviewed_on) == (counsellor, today)
    assert review.next_review_on == add_months(today, 3)
    assert (plan.last_reviewed_on, plan.next_review_on) == (today, add_months(today, 3))
    assert (goal.status, goal.review_note) == ("achieved", "Keys on the 3rd")


def test_a_review_needs_a_note(personas: Personas, patient: Patient) -> None:
    plan = start_plan(personas, patient)

    with pytest.raises(DomainError) as refused:
        services.review_care_plan(actor=personas["counsellor"], plan=plan, note_text=" ")

    assert refused.value.code == "note_required"
    assert not CarePlanReview.objects.exists()


def test_a_review_of_a_goal_of_another_plan_writes_nothing(
    personas: Personas, patient: Patient
) -> None:
    plan = start_plan(personas, patient)
    from tests.conftest import register_zrh_patient

    other_plan = start_plan(personas, register_zrh_patient(personas))
    foreign = services.add_goal(actor=personas["counsellor"], plan=other_plan, goal=goal_input())

    with pytest.raises(DomainError) as refused:
        services.review_care_plan(
            actor=personas["counsellor"],
            plan=plan,
            note_text="Reviewed",
            goal_reviews=[GoalReviewInput(foreign.pk, "achieved")],
        )

    assert refused.value.code == "goal_not_found"
    foreign.refresh_from_db()
    assert foreign.status == "not_started"
    assert not CarePlanReview.objects.exists()


def test_a_review_before_the_plan_started_is_refused(
    personas: Personas, patient: Patient, today: date
) -> None:
    plan = start_plan(personas, patient)

    with pytest.raises(DomainError) as refused:
        services.review_care_plan(
            actor=personas["counsellor"],
            plan=plan,
            note_text="Reviewed",
            reviewed_on=today - timedelta(days=1),
        )

    assert refused.value.code == "reviewed_on_before_last"


def _days_ago(days: int) -> Any:
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


def test_managers_set_the_review_interval_and_later_reviews_use_it(
    personas: Personas, patient: Patient, today: date
) -> None:
    plan = start_plan(personas, patient)

    services.set_review_interval(actor=personas["manager"], clinic=personas.clinic, months=6)
    plan.refresh_from_db()
    assert plan.next_review_on == add_months(today, 3)  # fixed when it was set
    review = services.review_care_plan(actor=personas["counsellor"], plan=plan, note_text="ok")

    assert review.next_review_on == add_months(today, 6)
    assert AuditEvent.objects.filter(code=2002, data__care_plan_review_months__after=6).exists()


@pytest.mark.parametrize("months", [0, 13, -1])
def test_a_review_interval_out_of_range_is_refused(personas: Personas, months: int) -> None:
    with pytest.raises(DomainError) as refused:
        services.set_review_interval(
            actor=personas["manager"], clinic=personas.clinic, months=months
        )
    assert refused.value.code == "number_out_of_range"
    personas.clinic.refresh_from_db()
    assert personas.clinic.care_plan_review_months == 3


def test_only_managers_set_the_review_interval(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.set_review_interval(actor=personas["counsellor"], clinic=personas.clinic, months=6)
