"""The only writer of counselling notes, and the only readers of their text.

Every read (a patient's notes, one note) writes an access-log row in the same transaction as the
read (docs/domain.md §7 invariant 7). A note is never edited: a correction is a new note linked
to the one it corrects. The audit event of a write names the note and the patient, never its text.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.core import clock, idempotency
from openhat.core.bounds import check_date, check_text
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.counselling.access import may_read_clinic_notes, note_for, readable_notes
from openhat.counselling.models import MAX_NOTE_LENGTH, CounsellingNote
from openhat.patients.models import Patient

WRITE_OPERATION = "counselling.write_note"


def write_note(
    *,
    actor: User,
    patient: Patient,
    body: str,
    session_on: date | None = None,
    corrects: CounsellingNote | None = None,
    idempotency_key: str | None = None,
) -> CounsellingNote:
    """Write a note about a session with the patient (`session_on`, default the clinic's today,
    never in the future), or a correction of an earlier note of the same patient. Counsellors of
    the patient's clinic only; anyone else is told the patient's notes do not exist."""
    if not may_read_clinic_notes(actor, patient.clinic_id):
        raise NotFound("not_found", "No such record in your clinics.")
    today = clinic_today(patient.clinic)
    session_on = session_on or today
    check_date(session_on, "session_on")
    if session_on > today:
        raise DomainError(
            "session_on_in_future", "The session cannot be in the future.", "session_on"
        )
    body = (body or "").strip()
    check_text(body, "body", multi_line=True)
    if not body:
        raise DomainError("note_empty", "Write the note.", "body")
    if len(body) > MAX_NOTE_LENGTH:
        raise DomainError(
            "note_too_long", f"Keep a note within {MAX_NOTE_LENGTH} characters.", "body"
        )
    if corrects is not None and corrects.patient_id != patient.pk:
        raise DomainError(
            "note_correction_other_patient",
            "A correction belongs to the same patient as the note it corrects.",
            "corrects",
        )

    def work() -> CounsellingNote:
        note = CounsellingNote.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            author=actor,
            session_on=session_on,
            body=body,
            corrects=corrects,
            written_at=clock.now(),
        )
        record_event(
            AuditCode.COUNSELLING_NOTE_WRITTEN,
            actor=actor,
            clinic=patient.clinic,
            target=note,
            data={
                "client_code": patient.client_code,
                "corrects": corrects.pk if corrects else None,
            },
        )
        return note

    return idempotency.once(actor, idempotency_key, WRITE_OPERATION, CounsellingNote, work)


def read_notes(*, actor: User, patient: Patient) -> list[CounsellingNote]:
    """The patient's notes the actor may read, newest first; the read is logged."""
    with transaction.atomic():
        notes = list(
            readable_notes(actor, patient)
            .select_related("author", "corrects")
            .order_by("-written_at", "-pk")
        )
        record_access(actor=actor, patient=patient, record=AccessedRecord.COUNSELLING_NOTE)
        return notes


def read_note(*, actor: User, note_id: int | str) -> CounsellingNote:
    """One note, if the actor may read it (NotFound otherwise); the read is logged."""
    with transaction.atomic():
        note = note_for(actor, note_id)
        record_access(actor=actor, patient=note.patient, record=AccessedRecord.COUNSELLING_NOTE)
        return note


def corrected_ids(notes: list[CounsellingNote]) -> set[int]:
    """The notes of the list that a later note of the list corrects."""
    return {note.corrects_id for note in notes if note.corrects_id is not None}
