"""Counselling notes, protected apart from the rest of the record (issue 14, item 4;
docs/domain.md §12).

Append-only in the database: a note is never edited; a correction is a new note that names the
note it corrects (`corrects`), and both stay. Who may read a note is decided in
counselling.access (its author and the clinic's counsellors; anyone else gets "not found"); every
read writes an access-log row (counselling.services). No FHIR mapping, research export or report
reads this table: a release goes through counselling.release, which needs a consent naming
counselling notes.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)

# The longest note (local: a long session's note fits; a pasted document does not).
MAX_NOTE_LENGTH = 20000


class CounsellingNote(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="counselling_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    session_on = models.DateField()  # the clinic's day of the session the note is about
    body = models.TextField()
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "written_at", "id"]
        indexes = [models.Index(fields=["patient", "-written_at"], name="note_patient_written")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="note_has_body"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_NOTE_LENGTH),
                name="note_body_bounded",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(corrects=models.F("id")),
                name="note_does_not_correct_itself",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"counselling note {self.pk} of patient {self.patient_id}"
