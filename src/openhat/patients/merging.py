"""Merging a duplicate record into the record of the same person. Nothing is deleted or moved.

The duplicate keeps every row it has (status history, identity, sessions, doses, events); it is
marked merged into the survivor, and what counts per person reads both through the link
(patients.records). A merge cannot be undone: it is a physician's or a manager's act with their
second factor and a written reason, and it is audited in both records' clinics.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import DosingSession, DosingState
from openhat.dosing.models.sessions import OPEN_STATES
from openhat.patients.models import Patient, PatientMerge
from openhat.prescribing.services.queries import LIVE_STATES
from openhat.prescribing.services.signing import fresh_second_factor

MIN_MERGE_REASON = 10
MAX_MERGE_REASON = 2000


def merge_reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if len(reason) < MIN_MERGE_REASON:
        raise DomainError(
            "merge_reason_required",
            f"Write why these two records are the same person (at least {MIN_MERGE_REASON} "
            "characters).",
            "reason",
        )
    if len(reason) > MAX_MERGE_REASON:
        raise DomainError(
            "merge_reason_too_long",
            f"The reason has at most {MAX_MERGE_REASON} characters.",
            "reason",
        )
    return reason


def check_mergeable(duplicate: Patient, survivor: Patient) -> None:
    """What must hold before a merge (checked again under the locks by merge_patients)."""
    if duplicate.pk == survivor.pk:
        raise DomainError("merge_same_record", "Choose two different records.", "survivor")
    if duplicate.merged_into_id is not None:
        raise Conflict(
            "already_merged",
            f"{duplicate.client_code} is already merged into another record.",
            "duplicate",
        )
    if survivor.merged_into_id is not None:
        raise Conflict(
            "survivor_is_merged",
            f"{survivor.client_code} is itself merged into another record; merge into that one.",
            "survivor",
        )
    if duplicate.order_lines.filter(state__in=LIVE_STATES).exists():
        raise Conflict(
            "duplicate_has_live_orders",
            f"{duplicate.client_code} has active or suspended orders; a physician stops them "
            "first, so only the surviving record's orders are dosed against.",
            "duplicate",
        )
    if DosingSession.objects.filter(patient=duplicate, state__in=OPEN_STATES).exists():
        raise Conflict(
            "duplicate_session_open",
            f"{duplicate.client_code} has an open dosing session; finish or end it first.",
            "duplicate",
        )


def merge_patients(
    *, actor: User, duplicate: Patient, survivor: Patient, reason: str, totp_code: str | None
) -> PatientMerge:
    """Mark `duplicate` merged into `survivor`; records merged into the duplicate earlier follow."""
    require(actor, duplicate.clinic_id, Capability.MERGE_PATIENTS)
    require(actor, survivor.clinic_id, Capability.MERGE_PATIENTS)
    reason = merge_reason(reason)
    check_mergeable(duplicate, survivor)
    verified_at = fresh_second_factor(actor, totp_code)
    with transaction.atomic():
        # Both records' rows in id order (two merges of the same records wait for each other and
        # cannot deadlock), then the duplicate's dosing-state row, so a check-in of the duplicate
        # at this moment waits and then sees the merge.
        locked = {
            row.pk: row
            for row in Patient.objects.select_for_update(no_key=True)
            .filter(pk__in=[duplicate.pk, survivor.pk])
            .order_by("pk")
        }
        DosingState.objects.get_or_create(patient=duplicate, defaults={"clinic": duplicate.clinic})
        DosingState.objects.select_for_update(no_key=True).filter(patient=duplicate).get()
        current_duplicate, current_survivor = locked[duplicate.pk], locked[survivor.pk]
        check_mergeable(current_duplicate, current_survivor)
        followers = list(
            Patient.objects.select_for_update(no_key=True)
            .filter(merged_into=current_duplicate)
            .order_by("pk")
        )
        merge = PatientMerge.objects.create(
            duplicate=current_duplicate,
            survivor=current_survivor,
            reason=reason,
            actor=actor,
            second_factor_verified_at=verified_at,
        )
        current_duplicate.merged_into = current_survivor
        current_duplicate.save(update_fields=["merged_into", "updated_at"])
        for follower in followers:
            follower.merged_into = current_survivor
            follower.save(update_fields=["merged_into", "updated_at"])
        data = {
            "duplicate": current_duplicate.client_code,
            "survivor": current_survivor.client_code,
            "followers": [follower.client_code for follower in followers],
            "reason": reason,
            "merge_id": merge.pk,
        }
        clinics = {current_survivor.clinic_id: current_survivor.clinic}
        clinics.setdefault(current_duplicate.clinic_id, current_duplicate.clinic)
        for clinic_id in sorted(clinics):
            record_event(
                AuditCode.PATIENTS_MERGED,
                actor=actor,
                clinic=clinics[clinic_id],
                target=current_duplicate,
                data=data,
            )
        return merge
