"""Counselling notes on PostgreSQL: only their author and the clinic's counsellors read them,
everyone else is told they do not exist (404, as for another clinic's record), every read writes
an access-log row, notes are append-only and corrected by linked notes, and they leave the clinic
only under a consent that names counselling notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, ProgrammingError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessLog, AuditEvent
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.counselling.models import CounsellingNote
from openhat.counselling.release import release_notes
from openhat.counselling.services import read_note, read_notes, write_note
from openhat.enrolment.services import record_consent, revoke_consent
from tests.conftest import make_user
from tests.pharmacy.test_backstops import copy_of, insert

pytestmark = pytest.mark.django_db

BODY = "Talked about housing; wants to call the shelter tomorrow."
NOT_COUNSELLORS = ["physician", "nurse", "pharmacist", "pharmacy_technician", "manager",
                   "auditor", "researcher", "outsider"]  # fmt: skip


@pytest.fixture
def note(personas: Any, patient: Any) -> CounsellingNote:
    return write_note(actor=personas["counsellor"], patient=patient, body=BODY)


def _note_reads(user: User) -> int:
    return AccessLog.objects.filter(actor=user, record="counselling_note").count()


def test_a_note_is_written_with_an_audit_event_that_holds_no_text(note: CounsellingNote) -> None:
    event = AuditEvent.objects.get(code=AuditCode.COUNSELLING_NOTE_WRITTEN)
    assert event.object_id == str(note.pk)
    assert "housing" not in str(event.data)


def test_every_read_writes_an_access_log_row(personas: Any, patient: Any, note: Any) -> None:
    counsellor = personas["counsellor"]
    before = _note_reads(counsellor)

    assert read_notes(actor=counsellor, patient=patient) == [note]
    assert read_note(actor=counsellor, note_id=note.pk) == note
    read_note(actor=counsellor, note_id=note.pk)

    rows = AccessLog.objects.filter(actor=counsellor, record="counselling_note").order_by("pk")
    assert _note_reads(counsellor) == before + 3
    assert {row.patient_id for row in rows} == {patient.pk}


def test_a_second_counsellor_of_the_clinic_reads_it(personas: Any, patient: Any, note: Any) -> None:
    colleague = make_user("counsellor2_zrh")
    add_membership(actor=None, user=colleague, clinic=personas.clinic, role=Role.COUNSELLOR)

    assert read_note(actor=colleague, note_id=note.pk) == note
    assert _note_reads(colleague) == 1


@pytest.mark.parametrize("role", NOT_COUNSELLORS)
def test_anyone_else_is_told_it_does_not_exist_and_nothing_is_logged(
    personas: Any, patient: Any, note: Any, role: str
) -> None:
    user = personas[role]
    with pytest.raises(NotFound):
        read_note(actor=user, note_id=note.pk)
    with pytest.raises(NotFound):
        read_notes(actor=user, patient=patient)
    with pytest.raises(NotFound):
        write_note(actor=user, patient=patient, body="a note")
    assert _note_reads(user) == 0


def test_an_unknown_or_malformed_id_is_not_found(personas: Any, note: Any) -> None:
    for note_id in (note.pk + 1000, "abc", "1; drop"):
        with pytest.raises(NotFound):
            read_note(actor=personas["counsellor"], note_id=note_id)


def test_the_author_reads_their_note_after_a_change_of_role(
    personas: Any, patient: Any, note: Any
) -> None:
    author = personas["counsellor"]
    StaffMembership.objects.filter(user=author, clinic=personas.clinic).update(role=Role.NURSE)
    assert read_note(actor=author, note_id=note.pk) == note
    assert read_notes(actor=author, patient=patient) == [note]
    with pytest.raises(NotFound):  # no longer a counsellor: may not write
        write_note(actor=author, patient=patient, body="more")


def test_a_correction_is_a_new_linked_note(personas: Any, patient: Any, note: Any) -> None:
    fixed = write_note(
        actor=personas["counsellor"], patient=patient, body="Shelter call is on Friday.",
        corrects=note,
    )  # fmt: skip

    note.refresh_from_db()
    assert note.body == BODY
    assert fixed.corrects == note
    assert read_notes(actor=personas["counsellor"], patient=patient) == [fixed, note]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"body": "   "}, "note_empty"),
        ({"body": "x" * 20001}, "note_too_long"),
        ({"body": "bad\x07text"}, "control_character"),
        ({"session_on": "tomorrow"}, "session_on_in_future"),
    ],
)
def test_bad_notes_are_refused(
    personas: Any, patient: Any, changes: dict[str, Any], code: str
) -> None:
    if changes.get("session_on") == "tomorrow":
        changes = {"session_on": clinic_today(personas.clinic) + timedelta(days=1)}
    with pytest.raises(DomainError) as refused:
        write_note(actor=personas["counsellor"], patient=patient, **{"body": BODY, **changes})
    assert refused.value.code == code
    assert not CounsellingNote.objects.exists()


def test_the_database_keeps_notes_append_only_and_non_empty(note: CounsellingNote) -> None:
    insert(copy_of(note))  # the unchanged copy is accepted
    with pytest.raises(IntegrityError, match="note_has_body"):
        insert(copy_of(note, body=""))
    with pytest.raises(IntegrityError, match="note_body_bounded"):
        insert(copy_of(note, body="x" * 20001))
    for change in (
        lambda: CounsellingNote.objects.filter(pk=note.pk).update(body="rewritten"),
        lambda: CounsellingNote.objects.filter(pk=note.pk).delete(),
    ):
        with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
            change()


# --- release ----------------------------------------------------------------------------------


def _release_consent(personas: Any, patient: Any, covers: list[str], days: int = 30) -> Any:
    today = clinic_today(personas.clinic)
    return record_consent(
        actor=personas["counsellor"], patient=patient, kind="release_of_information",
        given_on=today, expires_on=today + timedelta(days=days), recipient="Housing First",
        purpose="housing support", covers=covers,
    )  # fmt: skip


def _release(personas: Any, patient: Any, on: Any = None) -> list[CounsellingNote]:
    return release_notes(
        actor=personas["counsellor"], patient=patient, recipient="Housing First",
        purpose="housing support", on=on,
    )  # fmt: skip


def test_no_release_without_a_consent_naming_counselling_notes(
    personas: Any, patient: Any, note: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        _release(personas, patient)
    assert refused.value.code == "release_not_consented"

    _release_consent(personas, patient, ["medical_notes"])
    with pytest.raises(DomainError) as refused:
        _release(personas, patient)
    assert refused.value.code == "release_category_not_covered"
    assert "Counselling notes need a consent of their own" in refused.value.message


def test_a_consent_naming_counselling_notes_releases_them_and_logs_it(
    personas: Any, patient: Any, note: Any
) -> None:
    _release_consent(personas, patient, ["counselling_notes"])

    assert _release(personas, patient) == [note]
    assert AuditEvent.objects.filter(code=AuditCode.COUNSELLING_NOTES_RELEASED).count() == 1
    assert _note_reads(personas["counsellor"]) == 1


def test_an_expired_or_revoked_consent_releases_nothing(
    personas: Any, patient: Any, note: Any
) -> None:
    consent = _release_consent(personas, patient, ["counselling_notes"], days=5)
    later = clinic_today(personas.clinic) + timedelta(days=6)
    with pytest.raises(DomainError) as refused:
        _release(personas, patient, on=later)
    assert refused.value.code == "release_consent_expired"

    revoke_consent(actor=personas["counsellor"], consent=consent, reason="patient asked")
    with pytest.raises(DomainError) as refused:
        _release(personas, patient)
    assert refused.value.code == "release_consent_revoked"
