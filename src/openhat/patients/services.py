"""The only writers of the patient registry. Each function is one transaction with its audit event."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.patients.duplicate_warnings import (
    correction_matches,
    keys_of,
    refusal,
    stored_keys,
)
from openhat.patients.duplicates import (
    DuplicateConfirmation,
    IdentityKeys,
    find_matches,
    fingerprint,
    lock_identity,
)
from openhat.patients.lifecycle import (
    ALLOWED_TRANSITIONS,
    NEEDS_ENROLMENT,
    NEEDS_NOTE,
    ExitReason,
    PatientStatus,
)
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity, StatusChange
from openhat.patients.validation import IdentityInput, check_photo, clean_identity

REGISTER_OPERATION = "patients.register"
UPDATE_IDENTITY_OPERATION = "patients.update_identity"
MAX_NOTE_LENGTH = 2000


def register_patient(
    *,
    actor: User,
    clinic: Clinic,
    identity: IdentityInput,
    idempotency_key: str | None = None,
    referred_on: date | None = None,
    duplicate_confirmation: DuplicateConfirmation | None = None,
) -> Patient:
    """Register a referred patient with the next client code of the clinic (e.g. ZRH-0042).

    `referred_on` records a referral that arrived earlier (default: the clinic's today).
    A possible earlier record of the same person, in any clinic, refuses the registration with
    PossibleDuplicate (409) unless `duplicate_confirmation` carries that refusal's token and a
    reason; the refusal names the matches the actor may see and logs that read.
    """
    require(actor, clinic, Capability.EDIT_PATIENTS)
    today = clinic_today(clinic)
    cleaned = clean_identity(identity, today)
    referred_on = referred_on or today
    if referred_on > today:
        raise DomainError(
            "referral_date_in_future", "The referral date cannot be in the future.", "referred_on"
        )
    keys = keys_of(cleaned)
    with transaction.atomic():
        if idempotency_key:
            earlier = idempotency.previous_result(actor, idempotency_key, REGISTER_OPERATION)
            if earlier is not None:
                return Patient.objects.get(pk=earlier.result_id)
        # Registrations of the same person wait for each other here, in whichever clinic.
        lock_identity(keys)
        matches = find_matches(keys)
        token = fingerprint(matches) if matches else ""
        confirmed = duplicate_confirmation is not None and duplicate_confirmation.token == token
        if not matches or confirmed:
            reason = (
                duplicate_confirmation.checked_reason()
                if matches and duplicate_confirmation
                else ""
            )
            return _register_locked(
                actor, clinic, cleaned, referred_on, idempotency_key, matches, reason
            )
    raise refusal(actor, matches, keys, token, stale=duplicate_confirmation is not None)


def _register_locked(
    actor: User,
    clinic: Clinic,
    cleaned: IdentityInput,
    referred_on: date,
    idempotency_key: str | None,
    matches: list[PatientIdentity],
    reason: str,
) -> Patient:
    # Lock the clinic row so two registrations at once cannot take the same number.
    Clinic.objects.select_for_update(no_key=True).filter(pk=clinic.pk).get()
    number = (Patient.objects.filter(clinic=clinic).aggregate(top=Max("number"))["top"] or 0) + 1
    patient = Patient.objects.create(
        clinic=clinic,
        number=number,
        client_code=f"{clinic.code}-{number:04d}",
        status=PatientStatus.REFERRED,
        status_since=referred_on,
    )
    PatientIdentity.objects.create(patient=patient, **asdict(cleaned))
    StatusChange.objects.create(
        patient=patient,
        from_status="",
        to_status=PatientStatus.REFERRED,
        effective_date=referred_on,
        actor=actor,
    )
    record_event(
        AuditCode.PATIENT_REGISTERED,
        actor=actor,
        clinic=clinic,
        target=patient,
        data={"client_code": patient.client_code},
    )
    if matches:
        # Client codes only: the audit trail must not become a copy of identities.
        record_event(
            AuditCode.PATIENT_DUPLICATE_CONFIRMED,
            actor=actor,
            clinic=clinic,
            target=patient,
            data={
                "client_code": patient.client_code,
                "possible_matches": [identity.patient.client_code for identity in matches],
                "reason": reason,
            },
        )
    if idempotency_key:
        idempotency.remember_result(actor, idempotency_key, REGISTER_OPERATION, patient)
    return patient


class _Unconfirmed(Exception):
    """A correction that newly matches another patient, without a confirmation of these matches:
    raised inside the transaction so that it writes nothing, answered outside it."""

    def __init__(self, matches: list[PatientIdentity], token: str) -> None:
        super().__init__("possible duplicate")
        self.matches = matches
        self.token = token


def update_identity(
    *,
    actor: User,
    patient: Patient,
    identity: IdentityInput,
    idempotency_key: str | None = None,
    duplicate_confirmation: DuplicateConfirmation | None = None,
) -> PatientIdentity:
    """Correct the identifying data (a repeat with the same `idempotency_key` writes nothing more).

    A correction that changes the identity keys so that they newly match another patient, in any
    clinic, would make this record a second chart of that person: it is refused with
    PossibleDuplicate (409, nothing saved, named matches logged as read) unless
    `duplicate_confirmation` carries that refusal's token and a reason, as at registration.
    """
    require(actor, patient.clinic_id, Capability.EDIT_PATIENTS)
    cleaned = clean_identity(identity, clinic_today(patient.clinic))
    keys = keys_of(cleaned)
    try:
        return idempotency.once(
            actor,
            idempotency_key,
            f"{UPDATE_IDENTITY_OPERATION}:{patient.pk}",
            PatientIdentity,
            lambda: _correct_identity(actor, patient, cleaned, keys, duplicate_confirmation),
        )
    except _Unconfirmed as unconfirmed:
        raise refusal(
            actor,
            unconfirmed.matches,
            keys,
            unconfirmed.token,
            stale=duplicate_confirmation is not None,
            correcting=True,
        ) from None


def _correct_identity(
    actor: User,
    patient: Patient,
    cleaned: IdentityInput,
    keys: IdentityKeys,
    confirmation: DuplicateConfirmation | None,
) -> PatientIdentity:
    # Corrections and registrations of the same person wait for each other here (as registration
    # does, before any row lock), so two of them cannot both pass the search.
    lock_identity(keys)
    current = PatientIdentity.objects.select_for_update(no_key=True).get(patient=patient)
    changed = sorted(
        name for name, value in asdict(cleaned).items() if getattr(current, name) != value
    )
    if not changed:
        return current
    matches = correction_matches(patient, stored_keys(current), keys)
    reason = ""
    if matches:
        token = fingerprint(matches)
        if confirmation is None or confirmation.token != token:
            raise _Unconfirmed(matches, token)
        reason = confirmation.checked_reason()
    for name, value in asdict(cleaned).items():
        setattr(current, name, value)
    current.save()
    # Which fields changed, never their values: the audit trail must not become a copy of identities.
    record_event(
        AuditCode.PATIENT_IDENTITY_UPDATED,
        actor=actor,
        clinic=patient.clinic,
        target=patient,
        data={"fields": changed},
    )
    if matches:
        # Client codes only, as at registration.
        record_event(
            AuditCode.PATIENT_DUPLICATE_CONFIRMED,
            actor=actor,
            clinic=patient.clinic,
            target=patient,
            data={
                "client_code": patient.client_code,
                "possible_matches": [identity.patient.client_code for identity in matches],
                "reason": reason,
                "on": "identity_correction",
            },
        )
    return current


def change_status(
    *,
    actor: User,
    patient: Patient,
    to_status: str,
    effective_date: date,
    exit_reason: str = "",
    note: str = "",
    enrolment_checked: bool = False,
) -> Patient:
    """Move the patient along the lifecycle (patients.lifecycle), dated `effective_date`.

    Assessing -> enrolled is enrolment, which has prerequisites (eligibility, consent, licence):
    only openhat.enrolment.services.enrol, having checked them, passes `enrolment_checked=True`.
    Resuming a suspended patient (suspended -> enrolled) needs no such check.
    """
    require(actor, patient.clinic_id, Capability.CHANGE_STATUS)
    if to_status not in PatientStatus.values:
        raise DomainError("status_unknown", f"Unknown status {to_status!r}.", "to_status")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(
            "note_too_long", f"The note has at most {MAX_NOTE_LENGTH} characters.", "note"
        )
    today = clinic_today(patient.clinic)
    if effective_date > today:
        raise DomainError(
            "effective_date_in_future", "The date cannot be in the future.", "effective_date"
        )
    with transaction.atomic():
        # Lock the patient so two staff changing the status at once cannot both pass the check.
        current = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        allowed = ALLOWED_TRANSITIONS[PatientStatus(current.status)]
        if to_status not in allowed:
            names = ", ".join(PatientStatus(s).label.lower() for s in sorted(allowed))
            raise DomainError(
                "illegal_status_transition",
                f"A patient who is {current.get_status_display().lower()} cannot become "
                f"{PatientStatus(to_status).label.lower()}; allowed next: {names}.",
                "to_status",
            )
        if (current.status, to_status) in NEEDS_ENROLMENT and not enrolment_checked:
            raise DomainError(
                "enrolment_required",
                "Enrolment is its own step: a physician enrols the patient once the signed "
                "eligibility assessment, the treatment consent and any required licence are "
                "recorded.",
                "to_status",
            )
        last_change = (
            current.status_changes.order_by("-effective_date")
            .values_list("effective_date", flat=True)
            .first()
        )
        if last_change and effective_date < last_change:
            raise DomainError(
                "effective_date_before_last_change",
                f"The date cannot be before the last status change ({last_change.isoformat()}).",
                "effective_date",
            )
        if to_status == PatientStatus.EXITED:
            if exit_reason not in ExitReason.values:
                raise DomainError(
                    "exit_reason_required", "Choose the reason for the exit.", "exit_reason"
                )
        elif exit_reason:
            raise DomainError(
                "exit_reason_not_applicable", "Only an exit carries an exit reason.", "exit_reason"
            )
        if (current.status, to_status) in NEEDS_NOTE and not note:
            raise DomainError("note_required", "Write the reason for this change.", "note")

        from_status = current.status
        current.status = to_status
        current.status_since = effective_date
        current.exit_date = effective_date if to_status == PatientStatus.EXITED else None
        current.exit_reason = exit_reason if to_status == PatientStatus.EXITED else ""
        current.save()
        StatusChange.objects.create(
            patient=current,
            from_status=from_status,
            to_status=to_status,
            effective_date=effective_date,
            exit_reason=current.exit_reason,
            note=note,
            actor=actor,
        )
        record_event(
            AuditCode.PATIENT_STATUS_CHANGED,
            actor=actor,
            clinic=current.clinic,
            target=current,
            data={
                "from": from_status,
                "to": to_status,
                "effective_date": effective_date,
                "exit_reason": exit_reason,
            },
        )
        return current


def upload_photo(*, actor: User, patient: Patient, content: bytes) -> IdentityPhoto:
    require(actor, patient.clinic_id, Capability.EDIT_PATIENTS)
    checked = check_photo(content)
    with transaction.atomic():
        photo = IdentityPhoto.objects.create(
            patient=patient,
            content=checked.content,
            content_type=checked.content_type,
            size_bytes=len(checked.content),
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        record_event(
            AuditCode.PATIENT_PHOTO_UPLOADED,
            actor=actor,
            clinic=patient.clinic,
            target=patient,
            data={
                "photo_id": photo.pk,
                "content_type": checked.content_type,
                "size_bytes": len(checked.content),
            },
        )
        return photo


def read_identity(*, actor: User, patient: Patient) -> PatientIdentity:
    """The identifying data, with the access logged in the same transaction as the read."""
    require(actor, patient.clinic_id, Capability.VIEW_IDENTITY)
    with transaction.atomic():
        identity = PatientIdentity.objects.get(patient=patient)
        record_access(actor=actor, patient=patient, record=AccessedRecord.IDENTITY)
        return identity


def read_photo(*, actor: User, patient: Patient) -> IdentityPhoto | None:
    require(actor, patient.clinic_id, Capability.VIEW_IDENTITY)
    with transaction.atomic():
        photo = patient.photos.order_by("-uploaded_at", "-id").first()
        if photo is not None:
            record_access(actor=actor, patient=patient, record=AccessedRecord.PHOTO)
        return photo
