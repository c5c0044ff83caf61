"""Care plans: start one, add and change goals, review it on the clinic's schedule."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import User

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.care.inputs import GoalInput, GoalReviewInput, choice, clean_goal, not_in_future, note
from openhat.care.models import CareGoal, CarePlan, CarePlanReview, GoalStatus
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError
from openhat.patients.models import Patient
from openhat.patients.records import refuse_merged

START_OPERATION = "care.start_plan"
GOAL_OPERATION = "care.add_goal"
UPDATE_GOAL_OPERATION = "care.update_goal"
REVIEW_OPERATION = "care.review_plan"


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 -> 30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_after(clinic: Clinic, day: date) -> date:
    """The next review: `day` plus the clinic's review interval (Clinic.care_plan_review_months)."""
    return add_months(day, clinic.care_plan_review_months)


def _locked_plan(plan: CarePlan) -> CarePlan:
    # Serialises the plan's writers: two reviews at once cannot both derive the next date from
    # the same last review.
    return CarePlan.objects.select_for_update().select_related("clinic", "patient").get(pk=plan.pk)


def start_care_plan(
    *,
    actor: User,
    patient: Patient,
    started_on: date | None = None,
    idempotency_key: str | None = None,
) -> CarePlan:
    """Start the patient's care plan (one per patient); its first review falls one review
    interval after `started_on` (default: the clinic's today). Counsellors only."""
    require(actor, patient.clinic_id, Capability.WRITE_CARE)
    today = clinic_today(patient.clinic)
    started_on = not_in_future(started_on or today, today, "started_on", "The start date")

    def work() -> CarePlan:
        current = Patient.objects.select_for_update(no_key=True, of=("self",)).get(pk=patient.pk)
        refuse_merged(current)
        if CarePlan.objects.filter(patient=current).exists():
            raise Conflict(
                "care_plan_exists",
                f"{current.client_code} already has a care plan; add goals to it.",
                "patient",
            )
        plan = CarePlan.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            started_on=started_on,
            next_review_on=next_review_after(patient.clinic, started_on),
            started_by=actor,
        )
        record_event(
            AuditCode.CARE_PLAN_STARTED,
            actor=actor,
            clinic=patient.clinic,
            target=plan,
            data={"patient": current.client_code, "started_on": started_on.isoformat()},
        )
        return plan

    return idempotency.once(actor, idempotency_key, START_OPERATION, CarePlan, work)


def add_goal(
    *, actor: User, plan: CarePlan, goal: GoalInput, idempotency_key: str | None = None
) -> CareGoal:
    require(actor, plan.clinic_id, Capability.WRITE_CARE)
    cleaned = clean_goal(goal)

    def work() -> CareGoal:
        current = _locked_plan(plan)
        created = CareGoal.objects.create(
            care_plan=current,
            clinic_id=current.clinic_id,
            domain=cleaned.domain,
            goal=cleaned.goal,
            actions=cleaned.actions,
            owner=cleaned.owner,
            target_on=cleaned.target_on,
            status=cleaned.status,
            review_note=cleaned.review_note,
            patient_words=cleaned.patient_words,
            created_by=actor,
        )
        record_event(
            AuditCode.CARE_GOAL_ADDED,
            actor=actor,
            clinic=current.clinic,
            target=created,
            data={"patient": current.patient.client_code, "domain": cleaned.domain},
        )
        return created

    return idempotency.once(actor, idempotency_key, GOAL_OPERATION, CareGoal, work)


def update_goal(
    *, actor: User, goal: CareGoal, changes: GoalInput, idempotency_key: str | None = None
) -> CareGoal:
    """Change a goal in place; pghistory keeps the version it replaces."""
    require(actor, goal.clinic_id, Capability.WRITE_CARE)
    cleaned = clean_goal(changes)

    def work() -> CareGoal:
        current = CareGoal.objects.select_for_update().select_related("clinic").get(pk=goal.pk)
        before = {"status": current.status, "target_on": current.target_on.isoformat()}
        for name in (
            "domain",
            "goal",
            "actions",
            "owner",
            "target_on",
            "status",
            "review_note",
            "patient_words",
        ):
            setattr(current, name, getattr(cleaned, name))
        current.save()
        record_event(
            AuditCode.CARE_GOAL_UPDATED,
            actor=actor,
            clinic=current.clinic,
            target=current,
            data={
                "before": before,
                "after": {"status": cleaned.status, "target_on": cleaned.target_on.isoformat()},
            },
        )
        return current

    return idempotency.once(actor, idempotency_key, UPDATE_GOAL_OPERATION, CareGoal, work)


def review_care_plan(
    *,
    actor: User,
    plan: CarePlan,
    note_text: str,
    reviewed_on: date | None = None,
    goal_reviews: Sequence[GoalReviewInput] = (),
    idempotency_key: str | None = None,
) -> CarePlanReview:
    """Record a review (who, when, what was said), set each reviewed goal's status and review
    note, and derive the next review date from the clinic's interval."""
    require(actor, plan.clinic_id, Capability.WRITE_CARE)
    today = clinic_today(plan.clinic)
    reviewed_on = not_in_future(reviewed_on or today, today, "reviewed_on", "The review date")
    text = note(note_text, "note", required=True)
    reviews = [
        GoalReviewInput(
            goal_id=item.goal_id,
            status=choice(item.status, GoalStatus.values, "status", "status"),
            review_note=note(item.review_note, "review_note"),
        )
        for item in goal_reviews
    ]

    def work() -> CarePlanReview:
        current = _locked_plan(plan)
        if reviewed_on < current.started_on or (
            current.last_reviewed_on and reviewed_on < current.last_reviewed_on
        ):
            raise DomainError(
                "reviewed_on_before_last",
                "A review cannot be dated before the plan's start or its last review.",
                "reviewed_on",
            )
        goals = {g.pk: g for g in current.goals.select_for_update()}
        for item in reviews:
            goal = goals.get(item.goal_id)
            if goal is None:
                raise DomainError("goal_not_found", "No such goal in this care plan.", "goal_id")
            goal.status = item.status
            goal.review_note = item.review_note
            goal.save(update_fields=["status", "review_note", "updated_at"])
        next_on = next_review_after(current.clinic, reviewed_on)
        review = CarePlanReview.objects.create(
            care_plan=current,
            clinic_id=current.clinic_id,
            reviewed_on=reviewed_on,
            note=text,
            next_review_on=next_on,
            reviewed_by=actor,
        )
        current.last_reviewed_on = reviewed_on
        current.next_review_on = next_on
        current.save(update_fields=["last_reviewed_on", "next_review_on", "updated_at"])
        record_event(
            AuditCode.CARE_PLAN_REVIEWED,
            actor=actor,
            clinic=current.clinic,
            target=review,
            data={
                "patient": current.patient.client_code,
                "reviewed_on": reviewed_on.isoformat(),
                "next_review_on": next_on.isoformat(),
                "goals_reviewed": len(reviews),
            },
        )
        return review

    return idempotency.once(actor, idempotency_key, REVIEW_OPERATION, CarePlanReview, work)
