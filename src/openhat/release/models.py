"""The record of each release of information (US 42 CFR Part 2 style; docs/domain.md §3.3).

Append-only in the database (pgtrigger Protect on UPDATE and DELETE): a release made cannot be
unmade or rewritten. It keeps the package exactly as it was sent, and its SHA-256, so that what a
recipient holds can be checked against the clinic's record of it.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from openhat.enrolment.models import DataCategory

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class InformationRelease(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="information_releases"
    )
    recipient = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300)
    categories = ArrayField(models.CharField(max_length=24, choices=DataCategory.choices))
    # The release-of-information consents that allowed it (one per category, often the same).
    consent_ids = ArrayField(models.BigIntegerField())
    on_date = models.DateField()  # the clinic's day whose consents were checked
    document_id = models.UUIDField(unique=True)  # the package's Bundle.identifier
    package = models.TextField()  # the FHIR document Bundle as sent (JSON)
    package_sha256 = models.CharField(max_length=64)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-released_at", "-id"]
        indexes = [models.Index(fields=["patient", "-released_at"], name="release_patient_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(categories__contained_by=DataCategory.values) & ~Q(categories=[]),
                name="release_categories_known",
            ),
            models.CheckConstraint(condition=~Q(consent_ids=[]), name="release_has_consent"),
            models.CheckConstraint(
                condition=Q(package_sha256__regex=r"^[0-9a-f]{64}$"), name="release_sha256_hex"
            ),
            models.CheckConstraint(
                condition=~Q(recipient="") & ~Q(purpose=""), name="release_names_recipient"
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"release {self.pk} of patient {self.patient_id} to {self.recipient}"

    def category_labels(self) -> list[str]:
        return [DataCategory(item).label for item in self.categories]
