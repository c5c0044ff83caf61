"""The one way counselling notes leave the clinic: a release under a consent that names them.

No FHIR mapping, research export, report or the chart reads counselling notes; anything that
sends a patient's data to another party and would include notes must call `release_notes`, which
refuses unless a release-of-information consent covers counselling notes for that recipient and
purpose on that day, unexpired and unrevoked (enrolment.checks.release_consent; 42 CFR Part 2:
such a consent names counselling notes alone, enrolment.models.Consent).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.core.clock import clinic_today
from openhat.core.errors import NotFound
from openhat.counselling.access import may_read_clinic_notes
from openhat.counselling.models import CounsellingNote
from openhat.enrolment.checks import release_consent
from openhat.enrolment.models import DataCategory
from openhat.patients.models import Patient


def release_notes(
    *, actor: User, patient: Patient, recipient: str, purpose: str, on: date | None = None
) -> list[CounsellingNote]:
    """The patient's notes for `recipient`, if a consent allows it; a DomainError naming the
    missing consent otherwise (release_not_consented, release_category_not_covered,
    release_consent_expired, release_consent_revoked, ...). Counsellors only."""
    if not may_read_clinic_notes(actor, patient.clinic_id):
        raise NotFound("not_found", "No such record in your clinics.")
    on = on or clinic_today(patient.clinic)
    consent = release_consent(
        patient,
        recipient=recipient,
        purpose=purpose,
        category=DataCategory.COUNSELLING_NOTES,
        on=on,
    )
    with transaction.atomic():
        notes = list(
            CounsellingNote.objects.filter(patient=patient, clinic_id=patient.clinic_id).order_by(
                "written_at", "pk"
            )
        )
        record_access(actor=actor, patient=patient, record=AccessedRecord.COUNSELLING_NOTE)
        record_event(
            AuditCode.COUNSELLING_NOTES_RELEASED,
            actor=actor,
            clinic=patient.clinic,
            target=consent,
            data={
                "client_code": patient.client_code,
                "recipient": consent.recipient,
                "notes": [note.pk for note in notes],
            },
        )
        return notes
