"""The care rows of the counsellor's worklist (openhat.core.worklist.SECTIONS).

`local`: a review shows REVIEW_LOOKAHEAD_DAYS before it is due, so it can be booked for a day the
patient comes in anyway; a referral's follow-up shows on its day. Overdue ones stay until done.
Patients who have left the clinic drop off: their plans and referrals are no longer worked.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from openhat.care.models import OPEN_STATUSES, CarePlan, Referral, ReferralStatus
from openhat.clinics.models import Clinic
from openhat.core.worklist import WorklistItem
from openhat.patients.lifecycle import PatientStatus

REVIEW_LOOKAHEAD_DAYS = 14  # local: two weeks to book the review


def reviews_due(clinic: Clinic, today: date) -> list[WorklistItem]:
    plans = (
        CarePlan.objects.filter(
            clinic=clinic, next_review_on__lte=today + timedelta(days=REVIEW_LOOKAHEAD_DAYS)
        )
        .exclude(patient__status=PatientStatus.EXITED)
        .select_related("patient")
        .order_by("next_review_on", "patient__number")
    )
    return [
        WorklistItem(
            patient_id=plan.patient_id,
            kind="care_plan_review_due",
            label="Care-plan review",
            due_on=plan.next_review_on,
            overdue=plan.next_review_on < today,
            url=reverse("care:review", args=[plan.patient.client_code]),
        )
        for plan in plans
    ]


def referrals_to_follow_up(clinic: Clinic, today: date) -> list[WorklistItem]:
    referrals = (
        Referral.objects.filter(clinic=clinic, status__in=OPEN_STATUSES, follow_up_on__lte=today)
        .exclude(patient__status=PatientStatus.EXITED)
        .select_related("patient", "partner")
        .order_by("follow_up_on", "patient__number", "pk")
    )
    items = []
    for referral in referrals:
        due = referral.follow_up_on or today  # open referrals always have one (DB check)
        status = ReferralStatus(referral.status).label.lower()
        items.append(
            WorklistItem(
                patient_id=referral.patient_id,
                kind="referral_follow_up",
                label=f"Follow up the {status} referral to {referral.partner.name}",
                due_on=due,
                overdue=due < today,
                url=reverse("care:referral", args=[referral.patient.client_code, referral.pk]),
            )
        )
    return items
