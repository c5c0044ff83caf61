"""The clinic's care setting: how often care plans are reviewed (Clinic.care_plan_review_months)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import CARE_PLAN_REVIEW_MONTHS_MAX, Clinic
from openhat.clinics.roles import Capability
from openhat.core.bounds import check_integer


def set_review_interval(*, actor: User, clinic: Clinic, months: int) -> Clinic:
    """Set the review interval, 1 to 12 months (managers). A plan's next review was fixed at its
    last review; the new interval applies from each plan's next review on."""
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    check_integer(months, "care_plan_review_months", floor=1, ceiling=CARE_PLAN_REVIEW_MONTHS_MAX)
    with transaction.atomic():
        locked = Clinic.objects.select_for_update(no_key=True).get(pk=clinic.pk)
        before = locked.care_plan_review_months
        if before == months:
            return locked
        locked.care_plan_review_months = months
        locked.save(update_fields=["care_plan_review_months"])
        record_event(
            AuditCode.CLINIC_UPDATED,
            actor=actor,
            clinic=locked,
            target=locked,
            data={"care_plan_review_months": {"before": before, "after": months}},
        )
        return locked
