"""Eligibility assessments and patient licences as one reader may see them.

Two things in these records identify a patient: the date of birth (in an assessment's facts, and
printed in the age criterion's evidence) and the licence number. Roles that may see identity
(Capability.VIEW_IDENTITY) get them, and each such read is written to the access log in the same
transaction as the read. Every other role that reads the chart (pharmacy, auditors) gets the
records with those values hidden: the verdicts, dates of validity and sources stay, so the
pharmacy can still see that a valid licence and a signed assessment exist.

The hidden copies are changed in memory only (the rows are append-only in the database).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.clinics.roles import Capability, role_can
from openhat.enrolment.models import EligibilityAssessment, PatientLicence
from openhat.patients.models import Patient

BIRTH_DATE_HIDDEN = "[date of birth hidden]"


def _without(value: Any, text: str) -> Any:
    if isinstance(value, str):
        return value.replace(text, BIRTH_DATE_HIDDEN)
    if isinstance(value, dict):
        return {key: _without(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, text) for item in value]
    return value


def hide_birth_date(assessment: EligibilityAssessment) -> EligibilityAssessment:
    """The assessment without its date of birth, in the facts and in any evidence that prints it."""
    born = (assessment.facts or {}).get("date_of_birth")
    assessment.identifiers_hidden = True  # type: ignore[attr-defined]
    if not born:
        return assessment
    assessment.facts = {**assessment.facts, "date_of_birth": None}
    assessment.result = _without(assessment.result, str(born))
    return assessment


def hide_number(licence: PatientLicence) -> PatientLicence:
    licence.number = None  # type: ignore[assignment]
    licence.identifiers_hidden = True  # type: ignore[attr-defined]
    return licence


def sees_identity(role: str) -> bool:
    return role_can(role, Capability.VIEW_IDENTITY)


def read_assessments(
    *, actor: User, patient: Patient, role: str, newest_first: bool = False
) -> list[EligibilityAssessment]:
    """Every version of the patient's eligibility assessment, as this role may see it."""
    rows = EligibilityAssessment.objects.filter(patient=patient).select_related("signed_by")
    ordered = rows.order_by("-version" if newest_first else "version")
    if not sees_identity(role):
        return [hide_birth_date(row) for row in ordered]
    with transaction.atomic():
        found = list(ordered)
        if any((row.facts or {}).get("date_of_birth") for row in found):
            record_access(actor=actor, patient=patient, record=AccessedRecord.ELIGIBILITY)
        return found


def read_licences(
    *, actor: User, patient: Patient, role: str, newest_first: bool = False
) -> list[PatientLicence]:
    """The patient's licences, as this role may see them (the number only to identity roles)."""
    rows = PatientLicence.objects.filter(patient=patient)
    ordered = rows.order_by(*(("-valid_from", "-id") if newest_first else ("valid_from", "id")))
    if not sees_identity(role):
        return [hide_number(row) for row in ordered]
    with transaction.atomic():
        found = list(ordered)
        if found:
            record_access(actor=actor, patient=patient, record=AccessedRecord.LICENCE)
        return found


def signed_assessment(
    *, actor: User, patient: Patient, role: str, assessment: EligibilityAssessment
) -> EligibilityAssessment:
    """The answer to a signing shows what was written: a read of the date of birth as well."""
    if not sees_identity(role):
        return hide_birth_date(assessment)
    if (assessment.facts or {}).get("date_of_birth"):
        with transaction.atomic():
            record_access(actor=actor, patient=patient, record=AccessedRecord.ELIGIBILITY)
    return assessment


def recorded_licence(
    *, actor: User, patient: Patient, role: str, licence: PatientLicence
) -> PatientLicence:
    """The answer to recording a licence shows its number: a read of it as well."""
    if not sees_identity(role):
        return hide_number(licence)
    with transaction.atomic():
        record_access(actor=actor, patient=patient, record=AccessedRecord.LICENCE)
    return licence
