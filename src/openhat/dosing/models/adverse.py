"""Adverse events at the station and a physician's sign-off (docs/domain.md §3.5, §8 safety)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.audit.models import SelfChainedRow
from openhat.dosing.models.sessions import _APPEND_ONLY, DosingSession


class AdverseEventKind(models.TextChoices):
    OVERDOSE = "overdose", "Overdose / respiratory depression"
    SEIZURE = "seizure", "Seizure"
    ALLERGIC_REACTION = "allergic_reaction", "Allergic reaction"
    INJECTION_SITE = "injection_site", "Injection-site problem"
    OTHER = "other", "Other"


class AdverseEventSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    LIFE_THREATENING = "life_threatening", "Life-threatening"


class AdverseEventOutcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered at the clinic"
    HOSPITAL = "hospital", "Taken to hospital"
    ONGOING = "ongoing", "Ongoing, follow-up needed"
    DIED = "died", "Died"


class NaloxoneRoute(models.TextChoices):
    IM = "im", "Intramuscular"
    IV = "iv", "Intravenous"
    INTRANASAL = "intranasal", "Intranasal"
    SC = "sc", "Subcutaneous"


class AdverseEvent(SelfChainedRow):
    """An adverse event at the station. Chained per clinic (`openhat sessions verify`)."""

    CHAIN_NAME = "adverse_event"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="adverse_events"
    )
    session = models.ForeignKey(
        DosingSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events",
    )
    kind = models.CharField(max_length=20, choices=AdverseEventKind.choices)
    severity = models.CharField(max_length=20, choices=AdverseEventSeverity.choices)
    onset_at = models.DateTimeField()
    description = models.TextField(blank=True)
    naloxone_given = models.BooleanField(default=False)
    naloxone_dose_mg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    naloxone_route = models.CharField(max_length=12, choices=NaloxoneRoute.choices, blank=True)
    oxygen_given = models.BooleanField(default=False)
    ambulance_called = models.BooleanField(default=False)
    outcome = models.CharField(max_length=12, choices=AdverseEventOutcome.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-onset_at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            # `isnull=False` spelt out: an empty dose makes `dose > 0` NULL, not false, and a
            # CHECK that is NULL passes, so without it a given naloxone could have no dose.
            models.CheckConstraint(
                condition=Q(naloxone_given=False, naloxone_dose_mg__isnull=True, naloxone_route="")
                | Q(
                    naloxone_given=True,
                    naloxone_dose_mg__isnull=False,
                    naloxone_dose_mg__gt=0,
                    naloxone_route__gt="",
                ),
                name="naloxone_dose_and_route_when_given",
            ),
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="adverse_event_chain_position"
            ),
        ]
        indexes = [models.Index(fields=["patient", "onset_at"], name="adverse_event_patient_at")]

    def __str__(self) -> str:
        local = self.onset_at.astimezone(self.clinic.zone)
        return f"{self.get_kind_display()} ({self.severity}) on {local:%Y-%m-%d %H:%M}"

    def chain_key_for_row(self) -> int:
        return int(self.clinic_id)


class AdverseEventSignOff(models.Model):
    event = models.OneToOneField(AdverseEvent, on_delete=models.PROTECT, related_name="sign_off")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField()
    at = models.DateTimeField()

    class Meta:
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"adverse event {self.event_id} signed off"
