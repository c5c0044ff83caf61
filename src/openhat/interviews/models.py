"""Outcome interviews (issue 14, item 5): instruments as versioned data, and what was recorded.

An `Instrument` row is one version of one instrument file (interviews/instruments/*.toml), its
items kept as the checked definition. Once an interview answers a version, the database refuses
any change to that version (trigger `instrument_frozen_once_answered`): a changed item is a new
version. An `Interview` is one time point of one patient: answered (completed) or missed with a
reason; it is never edited. A clinic's windows live in `InterviewSettings` (defaults and their
reasons in interviews.schedule.Windows).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.interviews.schedule import Windows

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
TIME_POINT_PATTERN = r"^(intake|exit|month_[1-9][0-9]*)$"
_DEFAULT_WINDOWS = Windows()


class Instrument(models.Model):
    key = models.CharField(max_length=48)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    # The instrument's recall period: TOP 28 days, EuropASI and MAP 30 (docs/domain.md §13).
    recall_days = models.PositiveSmallIntegerField()
    definition = models.JSONField()  # the file's content, as checked by interviews.definition
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="instrument_key_version"),
            models.CheckConstraint(
                condition=Q(recall_days__in=[28, 30]), name="instrument_recall_28_or_30"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="instrument_version_from_1"),
        ]
        triggers = [
            # A version with answers is what those answers mean: changing or deleting it would
            # silently change old interviews. The loader refuses first with a stable code; this
            # holds for anything else that writes to the table.
            pgtrigger.Trigger(
                name="instrument_frozen_once_answered",
                operation=pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM interviews_interview WHERE instrument_id = OLD.id) "
                    "THEN RAISE EXCEPTION 'instrument % version % has answers: load a new version',"
                    " OLD.key, OLD.version USING ERRCODE = 'integrity_constraint_violation'; "
                    "END IF; RETURN COALESCE(NEW, OLD);"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InterviewSettings(models.Model):
    """A clinic's interview settings; a clinic without a row uses the defaults (schedule.Windows)."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="interview_settings"
    )
    instrument_key = models.CharField(max_length=48, default="openhat-core")
    intake_opens_before = models.PositiveSmallIntegerField(
        default=_DEFAULT_WINDOWS.intake_opens_before
    )
    intake_closes_after = models.PositiveSmallIntegerField(
        default=_DEFAULT_WINDOWS.intake_closes_after
    )
    follow_up_opens_before = models.PositiveSmallIntegerField(
        default=_DEFAULT_WINDOWS.follow_up_opens_before
    )
    follow_up_closes_after = models.PositiveSmallIntegerField(
        default=_DEFAULT_WINDOWS.follow_up_closes_after
    )
    exit_opens_before = models.PositiveSmallIntegerField(default=_DEFAULT_WINDOWS.exit_opens_before)
    exit_closes_after = models.PositiveSmallIntegerField(default=_DEFAULT_WINDOWS.exit_closes_after)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A follow-up window wider than 45 days either side would let the 3-month point
            # overlap the 6-month one (90 days apart): local bound.
            models.CheckConstraint(
                condition=Q(follow_up_opens_before__lte=45, follow_up_closes_after__lte=45),
                name="interview_follow_up_window_bounded",
            ),
            models.CheckConstraint(
                condition=Q(intake_opens_before__lte=180, intake_closes_after__lte=30),
                name="interview_intake_window_bounded",
            ),
            models.CheckConstraint(
                condition=Q(exit_opens_before__lte=90, exit_closes_after__lte=90),
                name="interview_exit_window_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"interview settings of clinic {self.clinic_id}"

    def windows(self) -> Windows:
        return Windows(
            intake_opens_before=self.intake_opens_before,
            intake_closes_after=self.intake_closes_after,
            follow_up_opens_before=self.follow_up_opens_before,
            follow_up_closes_after=self.follow_up_closes_after,
            exit_opens_before=self.exit_opens_before,
            exit_closes_after=self.exit_closes_after,
        )


class InterviewStatus(models.TextChoices):
    COMPLETED = "completed", "Interviewed"
    MISSED = "missed", "Missed"


class MissedReason(models.TextChoices):
    REFUSED = "refused", "Refused"
    NOT_REACHABLE = "not_reachable", "Not reachable"
    IN_CUSTODY = "in_custody", "In custody"
    DECEASED = "deceased", "Deceased"


class Interview(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="interviews"
    )
    time_point = models.CharField(max_length=16)
    target_date = models.DateField()  # the point's target day when it was recorded
    status = models.CharField(max_length=12, choices=InterviewStatus.choices)
    instrument = models.ForeignKey(
        Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="interviews"
    )
    # The day of the interview; for a missed one, the day it was recorded as missed.
    on_date = models.DateField()
    answers = models.JSONField(default=dict, blank=True)  # {item code: value}
    missed_reason = models.CharField(max_length=16, choices=MissedReason.choices, blank=True)
    outside_window_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "target_date", "id"]
        indexes = [models.Index(fields=["clinic", "on_date"], name="interview_clinic_on")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "time_point"], name="one_interview_per_time_point"
            ),
            models.CheckConstraint(
                condition=Q(time_point__regex=TIME_POINT_PATTERN), name="interview_time_point_known"
            ),
            # Answered: an instrument and answers, no missed reason. Missed: a reason, nothing else.
            models.CheckConstraint(
                condition=Q(
                    status=InterviewStatus.COMPLETED, instrument__isnull=False, missed_reason=""
                )
                | Q(
                    status=InterviewStatus.MISSED,
                    instrument__isnull=True,
                    answers={},
                    missed_reason__in=MissedReason.values,
                ),
                name="interview_completed_or_missed_with_reason",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.time_point} interview of patient {self.patient_id}"


class CounsellorCall(models.Model):
    """A nurse's word from the dosing board: this patient, due for an interview, is here now."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    time_point = models.CharField(max_length=16)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField()

    class Meta:
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["clinic", "called_at"], name="counsellor_call_clinic_at")]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"call for patient {self.patient_id} at {self.called_at:%H:%M}"


class EQ5DValueSet(models.Model):
    """A licensed EQ-5D-5L value set a clinic loaded (none is shipped): the index is computed only
    with one. `constant` is subtracted from 1 for any state other than 11111, then the decrement
    of each dimension's level (decrements: {dimension: [level 1, ..., level 5]})."""

    key = models.CharField(max_length=48, unique=True)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=300)
    constant = models.DecimalField(max_digits=6, decimal_places=4)
    decrements = models.JSONField()
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return self.title
