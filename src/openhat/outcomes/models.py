"""The public transparency report: the clinic's small-cell threshold and the frozen snapshots.

A snapshot is written once, when a manager freezes a period, and never changed or recomputed: the
public page and its PDF read the stored JSON text (`content`), whose SHA-256 is stored beside it
and shown on the page. A later freeze of the same period is a new version; all versions stay.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)

# Counts below the threshold are not published (CLINIC.md §7 invariant 8, "default 10,
# configurable"; docs/domain.md §7).
DEFAULT_PUBLIC_THRESHOLD = 10
# `local`: the issue (15, item 2) sets 5 as the floor. Below 5 a published count can point at one
# or two people; 5 is also the smallest cell size in common use for published health statistics.
MINIMUM_PUBLIC_THRESHOLD = 5
MAXIMUM_PUBLIC_THRESHOLD = 100  # `local`: above it a clinic's report would show nothing at all


class PublicReportSettings(models.Model):
    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="public_report_settings"
    )
    small_cell_threshold = models.PositiveSmallIntegerField(default=DEFAULT_PUBLIC_THRESHOLD)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(small_cell_threshold__gte=MINIMUM_PUBLIC_THRESHOLD)
                & Q(small_cell_threshold__lte=MAXIMUM_PUBLIC_THRESHOLD),
                name="public_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return f"public report settings of clinic {self.clinic_id}"


class PublicReport(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    content = models.TextField()  # canonical JSON (outcomes.public_snapshot.canonical)
    content_sha256 = models.CharField(max_length=64)
    period = models.CharField(max_length=7)  # a calendar month, YYYY-MM
    version = models.PositiveIntegerField()
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "period", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "period", "version"], name="public_report_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="public_report_version_1"),
            models.CheckConstraint(
                condition=Q(period__regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
                name="public_report_period_month",
            ),
            models.CheckConstraint(
                condition=Q(content_sha256__regex=r"^[0-9a-f]{64}$"), name="public_report_sha256"
            ),
            models.CheckConstraint(
                condition=~Q(content="") & Q(content__startswith="{"),
                name="public_report_content_json",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"public report {self.period} v{self.version} of clinic {self.clinic_id}"
