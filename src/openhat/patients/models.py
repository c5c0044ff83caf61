from __future__ import annotations

from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.patients.identity_keys import health_number_key, name_key
from openhat.patients.lifecycle import ExitReason, PatientStatus


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other / intersex"
    UNKNOWN = "unknown", "Not recorded"


@pghistory.track()
class Patient(models.Model):
    """The pseudonymous patient: the client code is the key used everywhere else."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    number = models.PositiveIntegerField()
    client_code = models.CharField(max_length=12, unique=True)
    status = models.CharField(
        max_length=16, choices=PatientStatus.choices, default=PatientStatus.REFERRED
    )
    # The effective date of the current status (a suspension may be recorded days after it began).
    status_since = models.DateField()
    exit_date = models.DateField(null=True, blank=True)
    exit_reason = models.CharField(max_length=20, choices=ExitReason.choices, blank=True)
    # Set once, by patients.merging.merge_patients: this record is a duplicate of that person, whose
    # record (the survivor) is where the station, the chart and FHIR read both histories.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "number"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="patient_number_per_clinic"),
            models.CheckConstraint(
                condition=Q(status__in=PatientStatus.values), name="patient_status_known"
            ),
            # An exited patient has a date and a reason; anyone else has neither.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=PatientStatus.EXITED,
                        exit_date__isnull=False,
                        exit_reason__in=ExitReason.values,
                    )
                    | (~Q(status=PatientStatus.EXITED) & Q(exit_date__isnull=True, exit_reason=""))
                ),
                name="patient_exit_fields_match_status",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="patient_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.client_code


@pghistory.track()
class PatientIdentity(models.Model):
    """Identifying data, kept apart and shown only to roles that need it; every view is logged."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="identity")
    legal_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    health_number = models.CharField(max_length=40, blank=True)
    # Comparison keys for the duplicate search (patients.identity_keys), kept in step on save.
    name_key = models.CharField(max_length=200, editable=False, default="")
    health_number_key = models.CharField(max_length=40, editable=False, default="", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["name_key", "date_of_birth"], name="identity_name_birth_key"),
            models.Index(
                fields=["health_number_key"],
                condition=~Q(health_number_key=""),
                name="identity_health_number_key",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="identity_sex_known"),
            models.CheckConstraint(condition=~Q(legal_name=""), name="identity_name_present"),
        ]

    def __str__(self) -> str:
        return f"identity of {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = name_key(self.legal_name)
        self.health_number_key = health_number_key(self.health_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key", "health_number_key"}
        super().save(*args, **kwargs)


class IdentityPhoto(models.Model):
    """ID photos for the identity check at dosing. Kept in the database, never at a public URL;
    the newest is current and older ones stay for the record."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="photos")
    content = models.BinaryField()
    content_type = models.CharField(max_length=20)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "image/webp"]),
                name="photo_type_allowed",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"photo {self.pk} of patient {self.patient_id}"


class StatusChange(models.Model):
    """Every status transition, append-only: the source for retention and episode statistics."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=PatientStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PatientStatus.choices)
    effective_date = models.DateField()
    exit_reason = models.CharField(max_length=20, choices=ExitReason.choices, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "at", "id"]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.from_status or '-'} -> {self.to_status}"


class PatientMerge(models.Model):
    """A duplicate record joined to the record of the same person; append-only, never undone.

    Both records and all their rows stay; the duplicate points at the survivor (Patient.merged_into)
    and everything that counts per person reads through that link (patients.records).
    """

    duplicate = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="merge")
    survivor = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_in")
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second_factor_verified_at = models.DateTimeField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate=models.F("survivor")), name="merge_not_into_itself"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="merge_reason_present"),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_id} merged into {self.survivor_id}"
