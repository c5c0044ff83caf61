"""Reads of a patient's care record for pages, the API and FHIR. Each logs the read.

The caller has checked the role (patients.access.patient_for with Capability.VIEW_CARE); these
functions write the access-log row (CLINIC.md §7 invariant 7), one per request and patient.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.care.models import CareGoal, CarePlan, Referral
from openhat.core.errors import NotFound
from openhat.patients.models import Patient


def log_care_read(actor: User, patient: Patient) -> None:
    record_access(actor=actor, patient=patient, record=AccessedRecord.CARE_RECORD)


def care_plan_of(patient: Patient) -> CarePlan | None:
    return (
        CarePlan.objects.filter(patient=patient)
        .select_related("started_by", "clinic")
        .prefetch_related("goals", "reviews__reviewed_by")
        .first()
    )


def referrals_of(patient: Patient) -> list[Referral]:
    return list(
        Referral.objects.filter(patient=patient)
        .select_related("partner", "patient")
        .prefetch_related("sent_under")
        .order_by("-planned_on", "-pk")
    )


def referral_of(patient: Patient, referral_id: int) -> Referral:
    referral = (
        Referral.objects.filter(pk=referral_id, patient=patient)
        .select_related("partner", "clinic", "patient")
        .prefetch_related("sent_under")
        .first()
    )
    if referral is None:
        raise NotFound("referral_not_found", "No such referral for this patient.", "referral")
    return referral


def goal_of(patient: Patient, goal_id: int) -> CareGoal:
    goal = CareGoal.objects.filter(pk=goal_id, care_plan__patient=patient).first()
    if goal is None:
        raise NotFound("goal_not_found", "No such goal in this patient's care plan.", "goal")
    return goal


def plan_required(patient: Patient) -> CarePlan:
    plan = care_plan_of(patient)
    if plan is None:
        raise NotFound("care_plan_not_found", f"{patient.client_code} has no care plan yet.")
    return plan
