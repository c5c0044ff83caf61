"""What a release sends: the patient's record of the released categories as a FHIR document.

Category -> records (openhat.fhir.bundle.Contents):
  identity          the Patient's name, date of birth, gender and health number (else the client
                    code only)
  prescriptions     MedicationRequest
  dosing_records    MedicationAdministration, and the sedation and breath-alcohol Observations
  medical_notes     urine screen Observations, interviews (QuestionnaireResponse and scores), the
                    CarePlan
  counselling_notes the notes counselling.release.release_notes gave, as narrative
Always: the notice against redisclosure (release.notice) and the consents the release rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from openhat.audit.models import AccessedRecord
from openhat.counselling.models import CounsellingNote
from openhat.enrolment.models import DataCategory
from openhat.fhir.bundle import Contents, collect
from openhat.fhir.composition import Section, release_document
from openhat.patients.models import Patient
from openhat.release import notice

_CONTENTS: dict[str, Contents] = {
    DataCategory.PRESCRIPTIONS: Contents(prescriptions=True),
    DataCategory.DOSING_RECORDS: Contents(dosing=True),
    DataCategory.MEDICAL_NOTES: Contents(screens=True, interviews=True, care_plan=True),
}


@dataclass(frozen=True)
class Package:
    bundle: Bundle
    read: list[AccessedRecord]  # each kind of record read, once


def _note_lines(notes: list[CounsellingNote]) -> tuple[str, ...]:
    if not notes:
        return ("No counselling notes.",)
    return tuple(
        f"Session of {note.session_on.isoformat()}, written by {note.author.get_username()}"
        + (
            f" (corrects the note of {note.corrects.session_on.isoformat()})"
            if note.corrects
            else ""
        )
        + f": {note.body}"
        for note in notes
    )


def build_package(
    patient: Patient,
    *,
    document_id: str,
    recipient: str,
    purpose: str,
    categories: list[str],
    consent_ids: list[int],
    notes: list[CounsellingNote] | None,
    at: datetime,
    today: date,
) -> Package:
    read: list[AccessedRecord] = []

    def gather(contents: Contents) -> tuple[Resource, list[Resource]]:
        found = collect(patient, contents, today=today)
        read.extend(kind for kind in found.read if kind not in read)
        return found.resources[0], found.resources[1:]

    patient_resource, _ = gather(Contents(identity=DataCategory.IDENTITY in categories))
    _, consents = gather(Contents(consent_ids=frozenset(consent_ids)))
    sections = [
        Section(
            "Notice against redisclosure",
            [],
            (notice.STATEMENT, f"({notice.RULE})", notice.EXPLANATION),
        ),
        Section("The patient's consent to this release", consents),
    ]
    if DataCategory.IDENTITY in categories:
        sections.append(Section(DataCategory.IDENTITY.label, [patient_resource]))
    for category in categories:
        if category in _CONTENTS:
            _, resources = gather(_CONTENTS[category])
            sections.append(Section(DataCategory(category).label, resources))
    if notes is not None:
        sections.append(Section(DataCategory.COUNSELLING_NOTES.label, [], _note_lines(notes)))
    bundle = release_document(
        release_id=document_id,
        client_code=patient.client_code,
        clinic_name=patient.clinic.name,
        recipient=recipient,
        purpose=purpose,
        at=at,
        patient=patient_resource,
        sections=sections,
    )
    return Package(bundle, read)
