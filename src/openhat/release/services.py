"""Release of information: the only writer of InformationRelease, and the reads of releases.

A release sends a patient's records of the chosen data categories to a named recipient for a
purpose, only if a release-of-information consent covers each category for that recipient and
purpose on the clinic's day (enrolment.checks.release_consent); otherwise nothing is read or
written and the refusal names what is missing (release_not_consented,
release_purpose_not_consented, release_category_not_covered, release_consent_not_yet_given,
release_consent_expired, release_consent_revoked). Counselling notes go only through
counselling.release.release_notes, so only a counsellor's release can carry them.

Who: Capability.RELEASE_INFORMATION (physicians, counsellors, managers). Each release writes, in
one transaction: the append-only InformationRelease (recipient, purpose, categories, consent ids,
the package and its SHA-256, who, when), an INFORMATION_RELEASED audit event, and one access-log
row per kind of record read.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.counselling.access import may_read_clinic_notes
from openhat.counselling.release import release_notes
from openhat.enrolment.checks import normalise_text, release_consent
from openhat.enrolment.models import DataCategory
from openhat.fhir.common import as_json
from openhat.patients.models import Patient
from openhat.release.models import InformationRelease
from openhat.release.package import build_package

RELEASE_OPERATION = "release_information"
MAX_RECIPIENT = 200
MAX_PURPOSE = 300


def _text(value: str, field: str, what: str, longest: int) -> str:
    text = normalise_text(value if isinstance(value, str) else "")
    if not text:
        raise DomainError(f"{field}_required", f"Name the {what}.", field)
    if len(text) > longest:
        raise DomainError(
            f"{field}_too_long", f"The {what} is at most {longest} characters.", field
        )
    return text


def _categories(values: Iterable[str]) -> list[str]:
    chosen = [value for value in DataCategory.values if value in set(values or ())]
    unknown = sorted(set(values or ()) - set(DataCategory.values))
    if unknown:
        raise DomainError(
            "release_category_unknown",
            f"Unknown data category {unknown[0]!r}; use one of {', '.join(DataCategory.values)}.",
            "categories",
        )
    if not chosen:
        raise DomainError("categories_required", "Choose what to release.", "categories")
    return chosen


def check_release(
    actor: User, patient: Patient, recipient: str, purpose: str, categories: list[str], on: date
) -> list[int]:
    """The consent ids allowing each category; or a DomainError with the code of the first
    category refused and a message naming each one refused."""
    if DataCategory.COUNSELLING_NOTES in categories and not may_read_clinic_notes(
        actor, patient.clinic_id
    ):
        raise DomainError(
            "release_notes_counsellors_only",
            "Only the clinic's counsellors may release counselling notes.",
            "categories",
        )
    ids: list[int] = []
    refusals: list[DomainError] = []
    for category in categories:
        try:
            consent = release_consent(
                patient, recipient=recipient, purpose=purpose, category=category, on=on
            )
        except DomainError as refused:
            refusals.append(refused)
            continue
        if consent.pk not in ids:
            ids.append(consent.pk)
    if refusals:
        # The first refusal's code; the message names every category that may not go.
        messages = list(dict.fromkeys(refused.message for refused in refusals))
        first = refusals[0]
        raise DomainError(first.code, " ".join(messages), first.field)
    return ids


def release_information(
    *,
    actor: User,
    patient: Patient,
    recipient: str,
    purpose: str,
    categories: Iterable[str],
    idempotency_key: str | None = None,
) -> InformationRelease:
    """Release the chosen categories to `recipient` for `purpose` under the patient's consent."""
    require(actor, patient.clinic_id, Capability.RELEASE_INFORMATION)
    recipient = _text(recipient, "recipient", "recipient", MAX_RECIPIENT)
    purpose = _text(purpose, "purpose", "purpose", MAX_PURPOSE)
    chosen = _categories(categories)
    on = clinic_today(patient.clinic)
    consent_ids = check_release(actor, patient, recipient, purpose, chosen, on)

    def work() -> InformationRelease:
        notes = None
        if DataCategory.COUNSELLING_NOTES in chosen:
            notes = release_notes(
                actor=actor, patient=patient, recipient=recipient, purpose=purpose, on=on
            )
        at = clock.now()
        document_id = str(uuid.uuid4())
        package = build_package(
            patient,
            document_id=document_id,
            recipient=recipient,
            purpose=purpose,
            categories=chosen,
            consent_ids=consent_ids,
            notes=notes,
            at=at,
            today=on,
        )
        text = as_json(package.bundle)
        release = InformationRelease.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            recipient=recipient,
            purpose=purpose,
            categories=chosen,
            consent_ids=consent_ids,
            on_date=on,
            document_id=document_id,
            package=text,
            package_sha256=hashlib.sha256(text.encode()).hexdigest(),
            released_by=actor,
            released_at=at,
        )
        for record in package.read:
            record_access(actor=actor, patient=patient, record=record)
        record_event(
            AuditCode.INFORMATION_RELEASED,
            actor=actor,
            clinic=patient.clinic,
            target=release,
            data={
                "client_code": patient.client_code,
                "recipient": recipient,
                "purpose": purpose,
                "categories": chosen,
                "consent_ids": consent_ids,
                "package_sha256": release.package_sha256,
            },
        )
        return release

    return idempotency.once(actor, idempotency_key, RELEASE_OPERATION, InformationRelease, work)


def releases_of(actor: User, patient: Patient) -> list[InformationRelease]:
    """The patient's releases, newest first (no record content: recipients, purposes, hashes)."""
    require(actor, patient.clinic_id, Capability.RELEASE_INFORMATION)
    return list(
        InformationRelease.objects.filter(patient=patient)
        .select_related("released_by")
        .order_by("-released_at", "-pk")
    )


def _kinds(release: InformationRelease) -> list[AccessedRecord]:
    """What opening the package shows, for the access log."""
    kinds: dict[str, list[AccessedRecord]] = {
        DataCategory.IDENTITY: [AccessedRecord.IDENTITY],
        DataCategory.PRESCRIPTIONS: [AccessedRecord.PRESCRIPTION],
        DataCategory.DOSING_RECORDS: [AccessedRecord.DOSING_RECORD],
        DataCategory.MEDICAL_NOTES: [
            AccessedRecord.URINE_SCREEN,
            AccessedRecord.INTERVIEW,
            AccessedRecord.CARE_RECORD,
        ],
        DataCategory.COUNSELLING_NOTES: [AccessedRecord.COUNSELLING_NOTE],
    }
    return [AccessedRecord.CONSENT, *(k for c in release.categories for k in kinds[c])]


def read_release(*, actor: User, patient: Patient, release_id: int | str) -> InformationRelease:
    """One release with its package, the read logged. A package with counselling notes opens
    only for those who read the clinic's notes (anyone else: not found)."""
    require(actor, patient.clinic_id, Capability.RELEASE_INFORMATION)
    text = str(release_id).strip()
    found = (
        InformationRelease.objects.filter(patient=patient, pk=int(text))
        .select_related("released_by", "patient__clinic")
        .first()
        if text.isdigit() and len(text) <= 18
        else None
    )
    notes = found is not None and DataCategory.COUNSELLING_NOTES in found.categories
    if found is None or (notes and not may_read_clinic_notes(actor, patient.clinic_id)):
        raise NotFound("release_not_found", "No such release for this patient.", "release_id")
    with transaction.atomic():
        for record in _kinds(found):
            record_access(actor=actor, patient=patient, record=record)
    return found
