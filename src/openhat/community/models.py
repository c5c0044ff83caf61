"""The community log (issue 15, item 5; docs/domain.md §14): what happened around the clinic.

Incidents near the clinic seen by staff, complaints from neighbours and meetings with neighbours,
each with its day, a category, a short description and what was done. It holds no patient
identifiers (community.services refuses a client code of the clinic's patients). Append-only in
the database: an entry is never edited; a correction is a new entry naming the entry it replaces
(`corrects`), and both stay. Counts read only entries that no later entry corrects.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)

# `local`: a short description and a short account of what was done; a report belongs elsewhere.
MAX_DESCRIPTION_LENGTH = 1000
MAX_ACTION_LENGTH = 1000


class LogCategory(models.TextChoices):
    INCIDENT = "incident", "Incident near the clinic seen by staff"
    COMPLAINT = "complaint", "Complaint from a neighbour"
    MEETING = "meeting", "Meeting with neighbours"


class CommunityLogEntry(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()  # the clinic's local day
    category = models.CharField(max_length=16, choices=LogCategory.choices)
    description = models.TextField()
    action_taken = models.TextField()
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "-occurred_on", "-id"]
        indexes = [models.Index(fields=["clinic", "occurred_on"], name="community_clinic_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=LogCategory.values), name="community_category_known"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="community_has_description"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), MAX_DESCRIPTION_LENGTH),
                name="community_description_bounded",
            ),
            models.CheckConstraint(condition=~Q(action_taken=""), name="community_has_action"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("action_taken"), MAX_ACTION_LENGTH),
                name="community_action_bounded",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(corrects=models.F("id")),
                name="community_does_not_correct_itself",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"community log entry {self.pk} of clinic {self.clinic_id}"
