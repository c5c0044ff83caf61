"""The dosing station's records: sessions and their steps (docs/domain.md §3.5, §5, §7).

A session moves check-in -> assessment -> decision -> administration -> observation sign-off, or
ends without a dose (held, refused, left). The session row carries the workflow state; every
clinical step is its own append-only row, so what was assessed, decided and given is never edited.
`DosingState` is the one row per patient that every administration locks: two stations, a double
click or a retried request serialise on it, and the second sees the first's dose.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from openhat.audit.models import SelfChainedRow
from openhat.pharmacy.models.catalogue import mg_field
from openhat.rules.context import Drug, Route, SessionWindow

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
DRUG_CHOICES = [(drug.value, drug.value) for drug in Drug]
ROUTE_CHOICES = [(route.value, route.value) for route in Route]
WINDOW_CHOICES = [(window.value, window.value) for window in SessionWindow]


class SessionState(models.TextChoices):
    CHECKED_IN = "checked_in", "Checked in"
    ASSESSED = "assessed", "Assessed"
    DECIDED = "decided", "Decided"
    PREPARED = "prepared", "Dose prepared"
    OBSERVING = "observing", "In observation"
    COMPLETED = "completed", "Done"
    NO_DOSE = "no_dose", "Ended without a dose"


OPEN_STATES = (
    SessionState.CHECKED_IN,
    SessionState.ASSESSED,
    SessionState.DECIDED,
    SessionState.PREPARED,
    SessionState.OBSERVING,
)


class DosingState(models.Model):
    """One per patient: the row an administration locks (SELECT ... FOR NO KEY UPDATE)."""

    patient = models.OneToOneField(
        "patients.Patient", primary_key=True, on_delete=models.PROTECT, related_name="dosing_state"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    administrations = models.PositiveIntegerField(default=0)
    last_administered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"dosing state of patient {self.patient_id}"


@pghistory.track()
class DosingSession(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="dosing_sessions"
    )
    window = models.CharField(max_length=8, choices=WINDOW_CHOICES)
    dosing_day = models.DateField()
    state = models.CharField(
        max_length=12, choices=SessionState.choices, default=SessionState.CHECKED_IN
    )
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    identity_confirmed = models.BooleanField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    # A session opened outside the clinic's dosing windows (or the order's) by a physician, with a
    # reason and their second factor; `window` is then the window it stands in for.
    out_of_window_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    out_of_window_reason = models.TextField(blank=True)
    out_of_window_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_in_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    out_of_window_by__isnull=True,
                    out_of_window_reason="",
                    out_of_window_verified_at__isnull=True,
                )
                | Q(
                    out_of_window_by__isnull=False,
                    out_of_window_reason__gt="",
                    out_of_window_verified_at__isnull=False,
                ),
                name="out_of_window_by_a_physician_with_a_reason",
            ),
            # One open session per patient: a second check-in elsewhere is refused.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(state__in=[state.value for state in OPEN_STATES]),
                name="one_open_session_per_patient",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "dosing_day"], name="session_clinic_day")]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.window} {self.dosing_day})"

    @property
    def out_of_window(self) -> bool:
        return self.out_of_window_by_id is not None


class AssessmentKind(models.TextChoices):
    PRE_DOSE = "pre_dose", "Pre-dose"
    POST_DOSE = "post_dose", "Post-dose (observation sign-off)"


class SessionAssessment(models.Model):
    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    sedation_score = models.PositiveSmallIntegerField(null=True, blank=True)
    breath_alcohol_mg_per_l = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True
    )
    signs = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    notes = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(
                condition=Q(sedation_score__isnull=True)
                | Q(sedation_score__gte=1, sedation_score__lte=4),
                name="assessment_sedation_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} assessment of session {self.session_id}"


class SessionDecision(SelfChainedRow):
    """The engine's decision, with everything needed to replay it. Chained per clinic."""

    CHAIN_NAME = "session_decision"

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="decisions")
    drug = models.CharField(max_length=16, choices=DRUG_CHOICES)
    route = models.CharField(max_length=8, choices=ROUTE_CHOICES)
    requested_mg = mg_field(null=True, blank=True)
    verdict = models.CharField(max_length=20)
    max_dose_mg = mg_field()
    cap_mg = mg_field()
    observation_minutes = models.PositiveIntegerField()
    findings = models.JSONField(default=list)
    snapshot = models.JSONField()
    result = models.JSONField()
    engine_version = models.CharField(max_length=20)
    preset_key = models.CharField(max_length=40)
    preset_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="session_decision_chain_position"
            ),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk}: {self.verdict} up to {self.max_dose_mg} mg"

    def chain_key_for_row(self) -> int:
        return int(self.session.clinic_id)


class Administration(SelfChainedRow):
    """A dose given. One per session; the decision it was given under is re-run at recording.
    Chained per clinic, so a changed dose fails `openhat sessions verify`."""

    CHAIN_NAME = "administration"

    session = models.OneToOneField(
        DosingSession, on_delete=models.PROTECT, related_name="administration"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="administrations"
    )
    decision = models.OneToOneField(
        SessionDecision, on_delete=models.PROTECT, related_name="administration"
    )
    order_line_id = models.BigIntegerField()
    drug = models.CharField(max_length=16, choices=DRUG_CHOICES)
    route = models.CharField(max_length=8, choices=ROUTE_CHOICES)
    site = models.CharField(max_length=40, blank=True)
    dose_mg = mg_field()
    issued_entry = models.OneToOneField(
        "pharmacy.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    preparation = models.OneToOneField(
        "dosing.DosePreparation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administration",
    )
    override = models.ForeignKey(
        "dosing.SessionOverride",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="administrations",
    )
    # A partial dose: what was drawn and not given went back to stock or was wasted, witnessed.
    remainder_mg = mg_field(default=0)
    remainder_entry = models.OneToOneField(
        "pharmacy.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remainder_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    administered_at = models.DateTimeField()
    observe_until = models.DateTimeField()
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["administered_at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="administration_dose_positive"),
            models.CheckConstraint(
                condition=Q(remainder_mg=0) | Q(remainder_mg__gt=0, remainder_entry__isnull=False),
                name="administration_remainder_booked",
            ),
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="administration_chain_position"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "administered_at"], name="administration_patient_at")
        ]

    def __str__(self) -> str:
        return (
            f"{self.dose_mg} mg {self.drug} {self.route} at {self.administered_at:%Y-%m-%d %H:%M}"
        )

    def chain_key_for_row(self) -> int:
        return int(self.clinic_id)


class ObservationSignOff(models.Model):
    session = models.OneToOneField(DosingSession, on_delete=models.PROTECT, related_name="sign_off")
    assessment = models.OneToOneField(
        SessionAssessment, on_delete=models.PROTECT, related_name="sign_off"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # After a serious adverse event in the observation: the physician who signed off with the
    # nurse, and when their second factor was checked.
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_factor_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(
                condition=Q(physician__isnull=True, second_factor_verified_at__isnull=True)
                | Q(physician__isnull=False, second_factor_verified_at__isnull=False),
                name="sign_off_physician_with_second_factor",
            ),
        ]

    def __str__(self) -> str:
        return f"observation of session {self.session_id} signed off"


class DosePreparation(models.Model):
    """A dose drawn for the session: the ledger's `dose issued` entry, with mg and mL."""

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="preparations"
    )
    decision = models.ForeignKey(SessionDecision, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("pharmacy.Lot", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("pharmacy.Location", on_delete=models.PROTECT, related_name="+")
    issued_entry = models.OneToOneField(
        "pharmacy.LedgerEntry", on_delete=models.PROTECT, related_name="preparation"
    )
    dose_mg = mg_field()
    volume_ml = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="preparation_dose_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg prepared for session {self.session_id}"


class SessionOverride(models.Model):
    """A physician lifts named findings for this one session, with a reason and a second factor."""

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="overrides")
    decision = models.ForeignKey(
        SessionDecision, on_delete=models.PROTECT, related_name="overrides"
    )
    rule_ids = ArrayField(models.CharField(max_length=60))
    # The largest dose the physician allows under the override; empty only on rows stored before
    # overrides stated it.
    allowed_dose_mg = mg_field(null=True, blank=True)
    reason = models.TextField()
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_factor_verified_at = models.DateTimeField()
    via = models.CharField(
        max_length=8, choices=[("station", "At the station"), ("remote", "From another device")]
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_reason_written"),
            models.CheckConstraint(condition=~Q(rule_ids=[]), name="override_names_findings"),
            models.CheckConstraint(
                condition=Q(allowed_dose_mg__isnull=True) | Q(allowed_dose_mg__gt=0),
                name="override_allowed_dose_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"override of {', '.join(self.rule_ids)} in session {self.session_id}"


class ExceptionKind(models.TextChoices):
    REFUSED = "refused", "Patient refused the dose"
    HELD = "held", "Dose held"
    LEFT_BEFORE_DOSE = "left_before_dose", "Left before the dose"
    LEFT_EARLY = "left_early", "Left before observation ended"
    VOMITED = "vomited", "Vomited an oral dose"
    SPILLED = "spilled", "Dose spilled (witnessed waste)"
    # Left open (a crash, a closed tab) and closed by a nurse or after its window ended.
    NOT_COMPLETED = "not_completed", "Session not completed"


# Exceptions that end the session without a dose.
ENDS_WITHOUT_DOSE = (ExceptionKind.REFUSED, ExceptionKind.HELD, ExceptionKind.LEFT_BEFORE_DOSE)


class SessionException(models.Model):
    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="exceptions")
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    notes = models.TextField(blank=True)
    preparation = models.OneToOneField(
        DosePreparation, null=True, blank=True, on_delete=models.PROTECT, related_name="spill"
    )
    waste_entry = models.OneToOneField(
        "pharmacy.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    # None only for a session closed after its window by `openhat sessions close-stale`.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="spilled")
                | Q(preparation__isnull=False, waste_entry__isnull=False, witness__isnull=False),
                name="spill_is_witnessed_waste",
            ),
            models.CheckConstraint(
                condition=Q(by__isnull=False) | Q(kind="not_completed"),
                name="exception_by_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} in session {self.session_id}"
