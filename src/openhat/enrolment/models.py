"""Eligibility assessments, patient licences, consents and enrolments (docs/domain.md §3.2-3.3).

Every row here is append-only in the database (pgtrigger Protect on UPDATE and DELETE): a
re-assessment is a new version, a renewed licence a new row, a revoked consent keeps its row and
gains a ConsentRevocation. Each row carries clinic_id (the patient's clinic) so that the schema can
be distributed by clinic and scoped with clinics.access.scope_to_user.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from openhat.rules.eligibility import EligibilityVerdict

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class PhysicianDecision(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    EXCEPTION = "exception", "Eligible by exception"


ENGINE_VERDICTS = [
    (verdict.value, verdict.value.replace("_", " ")) for verdict in EligibilityVerdict
]


class EligibilityAssessment(models.Model):
    """One signed version of a patient's eligibility assessment; never edited."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_assessments"
    )
    version = models.PositiveIntegerField()
    assessed_on = models.DateField()
    preset_key = models.CharField(max_length=16)
    preset_version = models.CharField(max_length=32)
    # The recorded facts as entered (dates ISO, numbers as decimal strings); see enrolment.facts.
    facts = models.JSONField()
    # EligibilityResult.as_dict(): each criterion with its status, evidence and sources.
    result = models.JSONField()
    engine_verdict = models.CharField(max_length=24, choices=ENGINE_VERDICTS)  # criteria alone
    decision = models.CharField(max_length=16, choices=PhysicianDecision.choices)
    exception_reason = models.TextField(blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="one_assessment_version_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=PhysicianDecision.values),
                name="assessment_decision_known",
            ),
            models.CheckConstraint(
                condition=Q(engine_verdict__in=[v.value for v in EligibilityVerdict]),
                name="assessment_engine_verdict_known",
            ),
            # An exception always carries its written reason; other decisions carry none.
            models.CheckConstraint(
                condition=(
                    (Q(decision=PhysicianDecision.EXCEPTION) & ~Q(exception_reason=""))
                    | (~Q(decision=PhysicianDecision.EXCEPTION) & Q(exception_reason=""))
                ),
                name="assessment_exception_has_reason",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"eligibility v{self.version} of patient {self.patient_id}: {self.decision}"

    @property
    def allows_enrolment(self) -> bool:
        return self.decision in (PhysicianDecision.ELIGIBLE, PhysicianDecision.EXCEPTION)


class PatientLicence(models.Model):
    """A licence from an authority (CH: federal patient licence [S1]); a renewal is a new row."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="licences"
    )
    number = models.CharField(max_length=40)
    authority = models.CharField(max_length=120)
    valid_from = models.DateField()
    valid_until = models.DateField()  # the last day it is valid
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="licence_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=~Q(number="") & ~Q(authority=""), name="licence_number_and_authority"
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"licence {self.pk} of patient {self.patient_id}"


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    RESEARCH = "research", "Research (pilot or trial)"
    RELEASE_OF_INFORMATION = "release_of_information", "Release of information"


class DataCategory(models.TextChoices):
    """What a release-of-information consent may cover (US 42 CFR Part 2 style)."""

    IDENTITY = "identity", "Identity (name, date of birth, health number)"
    DOSING_RECORDS = "dosing_records", "Dosing records"
    PRESCRIPTIONS = "prescriptions", "Prescriptions"
    MEDICAL_NOTES = "medical_notes", "Medical notes"
    # Counselling notes are protected separately: only a consent of their own may release them.
    COUNSELLING_NOTES = "counselling_notes", "Counselling notes"


class Consent(models.Model):
    """A consent as given; never edited. Revocation is a ConsentRevocation row."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(max_length=24, choices=ConsentKind.choices)
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)  # the last day it holds; empty: open
    recipient = models.CharField(max_length=200, blank=True)  # release of information only
    purpose = models.CharField(max_length=300, blank=True)  # release; research: the study
    covers = ArrayField(
        models.CharField(max_length=24, choices=DataCategory.choices), default=list, blank=True
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "given_on", "id"]
        indexes = [models.Index(fields=["patient", "kind"], name="consent_patient_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ConsentKind.values), name="consent_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=Q(covers__contained_by=DataCategory.values),
                name="consent_covers_known_categories",
            ),
            # A release names who receives what, why, and until when; other consents cover no data.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=ConsentKind.RELEASE_OF_INFORMATION,
                        expires_on__isnull=False,
                        covers__len__gte=1,
                    )
                    & ~Q(recipient="")
                    & ~Q(purpose="")
                )
                | (~Q(kind=ConsentKind.RELEASE_OF_INFORMATION) & Q(recipient="", covers=[])),
                name="consent_release_is_complete",
            ),
            # 42 CFR Part 2: counselling notes are released only under a consent of their own.
            models.CheckConstraint(
                condition=~Q(covers__contains=[DataCategory.COUNSELLING_NOTES]) | Q(covers__len=1),
                name="consent_counselling_notes_alone",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.kind} consent {self.pk} of patient {self.patient_id}"

    def covers_labels(self) -> list[str]:
        return [DataCategory(item).label for item in self.covers]


class ConsentRevocation(models.Model):
    """The revocation of a consent: from revoked_on on, the consent no longer holds."""

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="revocation")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    revoked_on = models.DateField()  # the clinic's calendar day of the revocation
    revoked_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="revocation_has_reason"),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"revocation of consent {self.consent_id}"


class Enrolment(models.Model):
    """What an enrolment rested on: the assessment, the treatment consent and any licence."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="enrolments"
    )
    start_date = models.DateField()
    assessment = models.ForeignKey(
        EligibilityAssessment, on_delete=models.PROTECT, related_name="enrolments"
    )
    treatment_consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="enrolments"
    )
    licence = models.ForeignKey(
        PatientLicence, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    status_change = models.OneToOneField(
        "patients.StatusChange", on_delete=models.PROTECT, related_name="enrolment"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "start_date", "id"]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"enrolment of patient {self.patient_id} on {self.start_date}"
