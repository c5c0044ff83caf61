"""Who may read a counselling note: its author, and the counsellors of the note's clinic.

Everyone else (physicians, nurses, managers, auditors, researchers, another clinic's staff) is
told the note does not exist, exactly as for another clinic's record: the notes are protected
apart from the chart (42 CFR Part 2; docs/domain.md §12), so even their existence is not shown.
Reads go through counselling.services, which writes the access-log row.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openhat.clinics.access import AnyUser, membership_for
from openhat.clinics.roles import Capability, role_can
from openhat.core.errors import NotFound
from openhat.counselling.models import CounsellingNote
from openhat.patients.models import Patient

_NOT_FOUND = "No such record in your clinics."


def may_read_clinic_notes(user: AnyUser, clinic_id: int) -> bool:
    membership = membership_for(user, clinic_id)
    return membership is not None and role_can(membership.role, Capability.COUNSELLING_NOTES)


def readable_notes(user: AnyUser, patient: Patient) -> QuerySet[CounsellingNote]:
    """The patient's notes this user may read: all of them for the clinic's counsellors, their
    own for an author in another role, none for anyone else (NotFound)."""
    membership = membership_for(user, patient.clinic_id)
    if membership is None:
        raise NotFound("not_found", _NOT_FOUND)
    notes = CounsellingNote.objects.filter(patient=patient, clinic_id=patient.clinic_id)
    if role_can(membership.role, Capability.COUNSELLING_NOTES):
        return notes
    own = notes.filter(Q(author_id=user.pk))
    if not own.exists():
        raise NotFound("not_found", _NOT_FOUND)
    return own


def note_for(user: AnyUser, note_id: int | str) -> CounsellingNote:
    """One note the user may read, or NotFound (also for an id that is not a number)."""
    try:
        pk = int(str(note_id))
    except ValueError:
        raise NotFound("not_found", _NOT_FOUND) from None
    note = (
        CounsellingNote.objects.select_related("patient__clinic", "author", "corrects")
        .filter(pk=pk)
        .first()
    )
    if note is None or not user.is_authenticated:
        raise NotFound("not_found", _NOT_FOUND)
    membership = membership_for(user, note.clinic_id)
    if membership is None:
        raise NotFound("not_found", _NOT_FOUND)
    if note.author_id != user.pk and not role_can(membership.role, Capability.COUNSELLING_NOTES):
        raise NotFound("not_found", _NOT_FOUND)
    return note
