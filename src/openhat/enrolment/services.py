"""The only writers of eligibility assessments, licences, consents and enrolments.

Each function checks the actor's role in the patient's clinic (a patient of another clinic is
NotFound), validates its input into a DomainError naming the field, and then writes its rows and
its audit event in one transaction. Dates are the clinic's calendar days and never in the future.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError
from openhat.enrolment.checks import (
    consent_holds,
    eligibility_preset_of,
    latest_assessment,
    licence_on,
    normalise_text,
    treatment_consents,
)
from openhat.enrolment.facts import FactsInput, clean_note, engine_facts, facts_as_json
from openhat.enrolment.models import (
    Consent,
    ConsentKind,
    ConsentRevocation,
    DataCategory,
    EligibilityAssessment,
    Enrolment,
    PatientLicence,
    PhysicianDecision,
)
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.patients.services import change_status
from openhat.rules.eligibility import EligibilityVerdict, PhysicianException
from openhat.rules.eligibility import assess_eligibility as run_preset

__all__ = [
    "ASSESS_OPERATION",
    "CONSENT_OPERATION",
    "LICENCE_OPERATION",
    "assess_eligibility",
    "enrol",
    "record_consent",
    "record_licence",
    "revoke_consent",
]

ASSESS_OPERATION = "enrolment.assess"
LICENCE_OPERATION = "enrolment.licence"
CONSENT_OPERATION = "enrolment.consent"

_Record = TypeVar("_Record", EligibilityAssessment, PatientLicence, Consent)


def _not_in_future(day: date, today: date, field_name: str, what: str) -> None:
    if day > today:
        raise DomainError(f"{field_name}_in_future", f"{what} cannot be in the future.", field_name)


def _locked(patient: Patient) -> Patient:
    # Serialises the writers of one patient: two assessments cannot take the same version, and an
    # enrolment cannot pass its checks while a consent it relies on is being revoked.
    return (
        Patient.objects.select_for_update(no_key=True, of=("self",))
        .select_related("clinic")
        .get(pk=patient.pk)
    )


def _earlier(
    actor: User, key: str | None, operation: str, model: type[_Record], patient: Patient
) -> _Record | None:
    """The record a first submit with `key` wrote, or None; call inside the writing transaction.

    A double click on a form or a retried request sends the same key: the second attempt waits on
    the key's lock until the first commits and then returns the first record, writing nothing.
    """
    if not key:
        return None
    found = idempotency.previous_result(actor, key, operation)
    if found is None:
        return None
    record = model.objects.get(pk=found.result_id)
    if record.patient_id != patient.pk:
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency key was already used for another patient.",
            "idempotency_key",
        )
    return record


def _remember(actor: User, key: str | None, operation: str, record: models.Model) -> None:
    if key:
        idempotency.remember_result(actor, key, operation, record)


# --- eligibility --------------------------------------------------------------------------------


def assess_eligibility(
    *,
    actor: User,
    patient: Patient,
    facts: FactsInput,
    decision: str,
    exception_reason: str = "",
    assessed_on: date | None = None,
    idempotency_key: str | None = None,
) -> EligibilityAssessment:
    """Run the clinic's eligibility preset on the recorded facts and store the physician's signed
    decision as the patient's next version (1, 2, ...); earlier versions stay as they were.

    `decision` is a PhysicianDecision: "eligible" only when the criteria say eligible;
    "exception" (with a written `exception_reason`) when they say not eligible or incomplete;
    "not_eligible" always. `assessed_on` (default: the clinic's today) dates the facts.
    Physicians only (Capability.ASSESS_ELIGIBILITY). A repeat with the same `idempotency_key`
    returns the assessment the first call signed and signs nothing more.
    """
    require(actor, patient.clinic_id, Capability.ASSESS_ELIGIBILITY)
    today = clinic_today(patient.clinic)
    assessed_on = assessed_on or today
    _not_in_future(assessed_on, today, "assessed_on", "The assessment date")
    if decision not in PhysicianDecision.values:
        raise DomainError(
            "decision_unknown",
            f"Choose the decision: {', '.join(PhysicianDecision.values)}.",
            "decision",
        )
    reason = clean_note(exception_reason, "exception_reason")
    if decision == PhysicianDecision.EXCEPTION and not reason:
        raise DomainError(
            "exception_reason_required",
            "An exception needs a written reason.",
            "exception_reason",
        )
    if decision != PhysicianDecision.EXCEPTION and reason:
        raise DomainError(
            "exception_reason_not_applicable",
            "Only an exception carries an exception reason.",
            "exception_reason",
        )
    checked = engine_facts(facts, assessed_on)
    preset = eligibility_preset_of(patient)
    exception = (
        PhysicianException(reason=reason, physician=actor.get_username())
        if decision == PhysicianDecision.EXCEPTION
        else None
    )
    result = run_preset(preset, checked, exception)
    by_criteria = result.verdict_by_criteria
    if decision == PhysicianDecision.ELIGIBLE and by_criteria is not EligibilityVerdict.ELIGIBLE:
        raise DomainError(
            "decision_contradicts_criteria",
            f"The criteria of {preset.title} say {str(by_criteria).replace('_', ' ')}: sign "
            "'not eligible', or 'exception' with a written reason.",
            "decision",
        )
    if decision == PhysicianDecision.EXCEPTION and by_criteria is EligibilityVerdict.ELIGIBLE:
        raise DomainError(
            "exception_not_needed",
            "The criteria are met: sign 'eligible'. An exception is for a patient who does not "
            "meet them.",
            "decision",
        )
    with transaction.atomic():
        earlier = _earlier(actor, idempotency_key, ASSESS_OPERATION, EligibilityAssessment, patient)
        if earlier is not None:
            return earlier
        current = _locked(patient)
        previous = latest_assessment(current)
        assessment = EligibilityAssessment.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            version=(previous.version + 1) if previous else 1,
            assessed_on=assessed_on,
            preset_key=preset.key,
            preset_version=preset.version,
            facts=facts_as_json(checked, facts),
            result=result.as_dict(),
            engine_verdict=str(by_criteria),
            decision=decision,
            exception_reason=reason,
            signed_by=actor,
            signed_at=timezone.now(),
        )
        record_event(
            AuditCode.ELIGIBILITY_ASSESSED,
            actor=actor,
            clinic=current.clinic,
            target=assessment,
            data={
                "client_code": current.client_code,
                "version": assessment.version,
                "preset": f"{preset.key} {preset.version}",
                "assessed_on": assessed_on,
                "engine_verdict": str(by_criteria),
                "decision": decision,
                "exception_outside_preset": result.exception_outside_preset,
            },
        )
        _remember(actor, idempotency_key, ASSESS_OPERATION, assessment)
        return assessment


# --- licence ------------------------------------------------------------------------------------


def record_licence(
    *,
    actor: User,
    patient: Patient,
    number: str,
    authority: str,
    valid_from: date,
    valid_until: date,
    idempotency_key: str | None = None,
) -> PatientLicence:
    """Record a patient licence (CH: the federal licence [S1]); a renewal is another call.

    Refused where the clinic's eligibility preset requires no licence. `valid_until` is the last
    day it is valid. Staff who record consents (Capability.RECORD_CONSENT). A repeat with the same
    `idempotency_key` returns the licence the first call recorded and records nothing more.
    """
    require(actor, patient.clinic_id, Capability.RECORD_CONSENT)
    preset = eligibility_preset_of(patient)
    if not preset.licence_required:
        raise DomainError(
            "licence_not_required",
            f"{preset.title} requires no patient licence.",
            "number",
        )
    number = normalise_text(number)
    authority = normalise_text(authority)
    if not number or len(number) > 40:
        raise DomainError("licence_number_invalid", "Enter the licence number.", "number")
    if not authority or len(authority) > 120:
        raise DomainError(
            "licence_authority_invalid", "Enter the authority that issued it.", "authority"
        )
    _not_in_future(valid_from, clinic_today(patient.clinic), "valid_from", "The licence's start")
    if valid_until < valid_from:
        raise DomainError(
            "licence_ends_before_start",
            "The licence cannot end before it starts.",
            "valid_until",
        )
    with transaction.atomic():
        earlier = _earlier(actor, idempotency_key, LICENCE_OPERATION, PatientLicence, patient)
        if earlier is not None:
            return earlier
        current = _locked(patient)
        licence = PatientLicence.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            number=number,
            authority=authority,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_by=actor,
        )
        record_event(
            AuditCode.LICENCE_RECORDED,
            actor=actor,
            clinic=current.clinic,
            target=licence,
            data={
                "client_code": current.client_code,
                "valid_from": valid_from,
                "valid_until": valid_until,
            },
        )
        _remember(actor, idempotency_key, LICENCE_OPERATION, licence)
        return licence


# --- consents -----------------------------------------------------------------------------------


def _clean_covers(covers: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(covers))
    unknown = [item for item in cleaned if item not in DataCategory.values]
    if unknown:
        raise DomainError(
            "consent_category_unknown",
            f"Unknown data category {unknown[0]!r}; use one of {', '.join(DataCategory.values)}.",
            "covers",
        )
    return [item for item in DataCategory.values if item in cleaned]  # a stable order


def _check_release(
    recipient: str, purpose: str, covers: list[str], expires_on: date | None
) -> None:
    if not recipient:
        raise DomainError(
            "consent_recipient_required", "Name who receives the information.", "recipient"
        )
    if not purpose:
        raise DomainError("consent_purpose_required", "Say what the information is for.", "purpose")
    if expires_on is None:
        raise DomainError(
            "consent_expiry_required",
            "A release of information needs an expiry date.",
            "expires_on",
        )
    if not covers:
        raise DomainError(
            "consent_covers_required", "Choose what information the consent covers.", "covers"
        )
    if DataCategory.COUNSELLING_NOTES in covers and len(covers) > 1:
        raise DomainError(
            "counselling_notes_need_own_consent",
            "Counselling notes need their own, separate consent: record one consent for the "
            "counselling notes alone and another for the rest.",
            "covers",
        )


def record_consent(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    given_on: date,
    expires_on: date | None = None,
    recipient: str = "",
    purpose: str = "",
    covers: Iterable[str] = (),
    note: str = "",
    idempotency_key: str | None = None,
) -> Consent:
    """Record a consent the patient gave on `given_on` (a ConsentKind).

    treatment: `expires_on` optional. research: `purpose` may name the study. release_of_information
    (US 42 CFR Part 2 style): `recipient`, `purpose`, `expires_on` and `covers` (DataCategory
    values) are required, and a consent covering counselling notes covers nothing else.
    `expires_on` is the last day it holds and may not be in the past. Nurses, counsellors,
    physicians and managers (Capability.RECORD_CONSENT). A repeat with the same `idempotency_key`
    returns the consent the first call recorded and records nothing more.
    """
    require(actor, patient.clinic_id, Capability.RECORD_CONSENT)
    if kind not in ConsentKind.values:
        raise DomainError(
            "consent_kind_unknown", f"Choose the kind: {', '.join(ConsentKind.values)}.", "kind"
        )
    today = clinic_today(patient.clinic)
    _not_in_future(given_on, today, "given_on", "The date the consent was given")
    if expires_on is not None and expires_on < today:
        raise DomainError(
            "consent_expiry_in_past",
            f"The expiry date {expires_on.isoformat()} is in the past; a consent must still hold "
            "when it is recorded.",
            "expires_on",
        )
    recipient = normalise_text(recipient)
    purpose = normalise_text(purpose)
    if len(recipient) > 200:
        raise DomainError("consent_recipient_too_long", "At most 200 characters.", "recipient")
    if len(purpose) > 300:
        raise DomainError("consent_purpose_too_long", "At most 300 characters.", "purpose")
    cleaned_covers = _clean_covers(covers)
    note = clean_note(note, "note")
    if kind == ConsentKind.RELEASE_OF_INFORMATION:
        _check_release(recipient, purpose, cleaned_covers, expires_on)
    elif recipient or cleaned_covers:
        raise DomainError(
            "consent_release_fields_not_applicable",
            "Only a release of information names a recipient and what it covers.",
            "recipient" if recipient else "covers",
        )
    with transaction.atomic():
        earlier = _earlier(actor, idempotency_key, CONSENT_OPERATION, Consent, patient)
        if earlier is not None:
            return earlier
        current = _locked(patient)
        consent = Consent.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            kind=kind,
            given_on=given_on,
            expires_on=expires_on,
            recipient=recipient,
            purpose=purpose,
            covers=cleaned_covers,
            note=note,
            recorded_by=actor,
        )
        record_event(
            AuditCode.CONSENT_RECORDED,
            actor=actor,
            clinic=current.clinic,
            target=consent,
            data={
                "client_code": current.client_code,
                "kind": kind,
                "given_on": given_on,
                "expires_on": expires_on,
                "covers": cleaned_covers,
            },
        )
        _remember(actor, idempotency_key, CONSENT_OPERATION, consent)
        return consent


def revoke_consent(*, actor: User, consent: Consent, reason: str) -> ConsentRevocation:
    """Record that the patient revoked `consent` today (the clinic's day); the consent row stays.

    A consent already revoked is a Conflict. Capability.RECORD_CONSENT.
    """
    require(actor, consent.clinic_id, Capability.RECORD_CONSENT)
    reason = clean_note(reason, "reason")
    if not reason:
        raise DomainError("revocation_reason_required", "Write the reason given.", "reason")
    with transaction.atomic():
        current = _locked(consent.patient)
        if ConsentRevocation.objects.filter(consent_id=consent.pk).exists():
            raise Conflict("consent_already_revoked", "This consent is already revoked.", "consent")
        revocation = ConsentRevocation.objects.create(
            consent_id=consent.pk,
            clinic_id=consent.clinic_id,
            revoked_on=clinic_today(current.clinic),
            reason=reason,
            revoked_by=actor,
        )
        record_event(
            AuditCode.CONSENT_REVOKED,
            actor=actor,
            clinic=current.clinic,
            target=consent,
            data={
                "client_code": current.client_code,
                "kind": consent.kind,
                "revoked_on": revocation.revoked_on,
            },
        )
        return revocation


# --- enrolment ----------------------------------------------------------------------------------


def _last_referral(patient: Patient) -> date | None:
    return (
        patient.status_changes.filter(to_status=PatientStatus.REFERRED)
        .order_by("-effective_date", "-id")
        .values_list("effective_date", flat=True)
        .first()
    )


def _usable_assessment(patient: Patient, start_date: date) -> EligibilityAssessment:
    assessment = latest_assessment(patient)
    if assessment is None:
        raise DomainError(
            "eligibility_assessment_required",
            "No signed eligibility assessment yet: a physician assesses and signs it before "
            "enrolment.",
            "assessment",
        )
    if not assessment.allows_enrolment:
        raise DomainError(
            "not_assessed_eligible",
            f"The latest eligibility assessment (version {assessment.version}) was signed not "
            "eligible: re-assess before enrolment.",
            "assessment",
        )
    referred = _last_referral(patient)
    if referred is not None and assessment.assessed_on < referred:
        raise DomainError(
            "assessment_predates_referral",
            f"The latest eligibility assessment ({assessment.assessed_on.isoformat()}) predates "
            f"this referral ({referred.isoformat()}): re-assess before enrolment.",
            "assessment",
        )
    if assessment.assessed_on > start_date:
        raise DomainError(
            "start_before_assessment",
            f"Treatment cannot start before the eligibility assessment "
            f"({assessment.assessed_on.isoformat()}).",
            "start_date",
        )
    return assessment


def _usable_consent(patient: Patient, start_date: date) -> Consent:
    # A consent revoked since (even after start_date) cannot carry a new enrolment.
    consents = treatment_consents(patient)
    usable = next(
        (c for c in consents if consent_holds(c, start_date) and not hasattr(c, "revocation")),
        None,
    )
    if usable is not None:
        return usable
    if not consents:
        raise DomainError(
            "treatment_consent_required",
            "No treatment consent yet: record it before enrolment.",
            "treatment_consent",
        )
    raise DomainError(
        "treatment_consent_not_valid",
        f"No treatment consent holds on {start_date.isoformat()} (not yet given, expired or "
        "revoked): record a new one before enrolment.",
        "treatment_consent",
    )


def _usable_licence(patient: Patient, start_date: date) -> PatientLicence | None:
    preset = eligibility_preset_of(patient)
    if not preset.licence_required:
        return None
    licence = licence_on(patient, start_date)
    if licence is not None:
        return licence
    sources = ", ".join(preset.licence_sources)
    if not PatientLicence.objects.filter(patient=patient).exists():
        raise DomainError(
            "licence_required",
            f"No patient licence yet: {preset.title} requires one ({sources}); record it before "
            "enrolment.",
            "licence",
        )
    raise DomainError(
        "licence_not_valid",
        f"No patient licence is valid on {start_date.isoformat()}: record the current licence "
        "before enrolment.",
        "licence",
    )


def enrol(*, actor: User, patient: Patient, start_date: date) -> Enrolment:
    """Enrol a patient who is being assessed: the status becomes enrolled from `start_date`.

    Requires, on `start_date`: the latest eligibility assessment (of this referral) signed
    eligible or eligible by exception, a treatment consent that holds and is not revoked, and a
    valid licence where the clinic's preset requires one. Physicians only
    (Capability.ASSESS_ELIGIBILITY). Each missing prerequisite is its own DomainError.
    """
    require(actor, patient.clinic_id, Capability.ASSESS_ELIGIBILITY)
    with transaction.atomic():
        current = _locked(patient)
        if current.status != PatientStatus.ASSESSING:
            raise DomainError(
                "enrolment_needs_assessing",
                f"Only a patient who is being assessed can be enrolled; this patient is "
                f"{current.get_status_display().lower()}.",
                "status",
            )
        assessment = _usable_assessment(current, start_date)
        consent = _usable_consent(current, start_date)
        licence = _usable_licence(current, start_date)
        current = change_status(
            actor=actor,
            patient=current,
            to_status=PatientStatus.ENROLLED,
            effective_date=start_date,
            enrolment_checked=True,
        )
        enrolment = Enrolment.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            start_date=start_date,
            assessment=assessment,
            treatment_consent=consent,
            licence=licence,
            status_change=current.status_changes.latest("id"),
            enrolled_by=actor,
        )
        record_event(
            AuditCode.PATIENT_ENROLLED,
            actor=actor,
            clinic=current.clinic,
            target=current,
            data={
                "client_code": current.client_code,
                "start_date": start_date,
                "enrolment_id": enrolment.pk,
                "assessment_version": assessment.version,
                "decision": assessment.decision,
                "treatment_consent_id": consent.pk,
                "licence_id": licence.pk if licence else None,
            },
        )
        return enrolment
