"""Research studies and the record of every export made for one (issue 15, items 3 and 4).

A study is registered by a manager: its name is what a patient's research consent names as its
purpose (enrolment.models.Consent, kind research), and it chooses how dates leave the clinic. The
study's secret, which keys its pseudonyms and date shifts, is never stored here (research.secrets).

Both tables are append-only in the database: a study is not edited (a changed date mode would
silently change what earlier exports meant; register a new study instead), and an export's record
(who, the study, the consents it rested on, its counts and the SHA-256 of every file) is evidence.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
STUDY_KEY_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"


class DateMode(models.TextChoices):
    # Every date of a patient moved by the same keyed number of days (-180..+180): intervals
    # between a patient's events stay exact, calendar dates do not leave the clinic.
    SHIFTED = "shifted", "Dates shifted per patient"
    # Every date as the number of days since the patient's first dose (day 0).
    RELATIVE = "relative", "Days since the first dose"


class ExportKind(models.TextChoices):
    TABLES = "tables", "Tables (CSV, Parquet, data dictionaries)"
    FHIR_NDJSON = "fhir_ndjson", "FHIR Bulk Data NDJSON"


class ResearchStudy(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    # The short name the CLI and the secret's file use (research.secrets).
    key = models.CharField(max_length=40)
    # What the research consent's purpose says, matched ignoring case and extra spaces.
    name = models.CharField(max_length=300)
    date_mode = models.CharField(max_length=10, choices=DateMode.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "key"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="study_key_per_clinic"),
            models.UniqueConstraint(Lower("name"), "clinic", name="study_name_per_clinic"),
            models.CheckConstraint(
                condition=Q(key__regex=STUDY_KEY_PATTERN), name="study_key_shape"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="study_name_present"),
            models.CheckConstraint(
                condition=Q(date_mode__in=DateMode.values), name="study_date_mode_known"
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"study {self.key} of clinic {self.clinic_id}"


class ResearchExport(models.Model):
    """One export for a study: what it rested on and what it contained, and the archive itself."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    study = models.ForeignKey(ResearchStudy, on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=12, choices=ExportKind.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField()
    export_day = models.DateField()  # the clinic's day the consents were read for
    date_mode = models.CharField(max_length=10, choices=DateMode.choices)
    # A digest of the study secret used (research.secrets.secret_id), never the secret: two
    # exports with the same id share pseudonyms; a different id means the secret was rotated.
    secret_id = models.CharField(max_length=12)
    included = models.PositiveIntegerField()
    excluded = models.JSONField()  # {reason: count}
    consent_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    row_counts = models.JSONField()  # {file name: rows}
    file_hashes = models.JSONField()  # {file name: sha256 hex}
    archive_sha256 = models.CharField(max_length=64)
    archive_bytes = models.PositiveIntegerField()
    # The zip a researcher downloads. Pseudonymised data only; kept so that what was downloaded
    # is exactly what was recorded (its hash is checked before it is served).
    archive = models.BinaryField()

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["clinic", "-made_at"], name="research_export_clinic_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ExportKind.values), name="research_export_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(date_mode__in=DateMode.values), name="research_export_date_mode_known"
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.kind} export {self.pk} for study {self.study_id}"

    @property
    def left_out_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def left_out_items(self) -> list[tuple[str, int]]:
        """(reason in words, count) for each reason that left someone out."""
        return [(reason.replace("_", " "), n) for reason, n in sorted(self.excluded.items()) if n]

    @property
    def files_sorted(self) -> list[tuple[str, str]]:
        return sorted(self.file_hashes.items())

    @property
    def file_name(self) -> str:
        kind = "fhir" if self.kind == ExportKind.FHIR_NDJSON else "tables"
        return f"{self.study.key}-{kind}-{self.pk}.zip"
