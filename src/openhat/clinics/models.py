from __future__ import annotations

import zoneinfo
from datetime import time

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from openhat.clinics.roles import Role
from openhat.rules.protocol import dosing_preset_keys


class JurisdictionPreset(models.TextChoices):
    """Eligibility preset keys (docs/domain.md §4); the rules engine owns their contents."""

    CH = "ch", "Switzerland (BetmSV)"
    DE_2025 = "de-2025", "Germany (BtMVV 2025)"
    DE_2009 = "de-2009", "Germany (BtMVV 2009)"
    NL = "nl", "Netherlands"
    UK_RIOTT = "uk-riott", "United Kingdom (RIOTT)"
    CA_NAOMI = "ca-naomi", "Canada (NAOMI)"
    CA_CRISM = "ca-crism", "Canada (CRISM iOAT guideline)"
    US_PILOT = "us-pilot", "United States (research pilot, NAOMI criteria)"


DEFAULT_DOSING_PRESET = "ch-diaphin"
DOSING_PRESET_CHOICES = [(key, key) for key in dosing_preset_keys()]


def default_dosing_preset(jurisdiction_preset: str) -> str:
    """The dosing preset a new clinic starts with: Canadian clinics dose by the iOAT guideline,
    the European ones by the Swiss product label (the trials there used it). A US pilot follows
    the North American trials and guideline, so it starts with the iOAT guideline too."""
    north_american = jurisdiction_preset.startswith(("ca-", "us-"))
    return "ca-ioat" if north_american else DEFAULT_DOSING_PRESET


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Zurich)") from None


clinic_code_validator = RegexValidator(
    r"^[A-Z]{3,5}$",
    "A clinic code is 3 to 5 capital letters, e.g. ZRH.",
    code="invalid_clinic_code",
)


# The clinic's dosing windows in local time (docs/domain.md §3.5): opening hours for supervised
# dosing, set by the clinic's manager. A check-in and a dose happen inside one of them.
WINDOW_FIELDS = (
    ("morning", "morning_opens", "morning_closes"),
    ("midday", "midday_opens", "midday_closes"),
    ("evening", "evening_opens", "evening_closes"),
)
DEFAULT_WINDOW_HOURS = {
    "morning": (time(7, 0), time(10, 30)),
    "midday": (time(11, 30), time(14, 30)),
    "evening": (time(16, 0), time(20, 0)),
}


# `local` (CLINIC.md §10): care plans are reviewed about every 3 months; a review interval
# over a year would leave a plan unreviewed between two yearly outcome interviews.
CARE_PLAN_REVIEW_MONTHS_DEFAULT = 3
CARE_PLAN_REVIEW_MONTHS_MAX = 12


def _windows_in_order() -> models.Q:
    """Each window opens before it closes, and closes no later than the next one opens."""
    condition = models.Q()
    previous_close = None
    for _name, opens, closes in WINDOW_FIELDS:
        condition &= models.Q(**{f"{opens}__lt": models.F(closes)})
        if previous_close is not None:
            condition &= models.Q(**{f"{previous_close}__lte": models.F(opens)})
        previous_close = closes
    return condition


@pghistory.track()
class Clinic(models.Model):
    code = models.CharField(max_length=5, unique=True, validators=[clinic_code_validator])
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    jurisdiction_preset = models.CharField(max_length=16, choices=JurisdictionPreset.choices)
    # The rules engine's dosing preset (rules/presets/<key>.toml) that orders and doses obey.
    dosing_preset = models.CharField(
        max_length=32, choices=DOSING_PRESET_CHOICES, default=DEFAULT_DOSING_PRESET
    )
    morning_opens = models.TimeField(default=DEFAULT_WINDOW_HOURS["morning"][0])
    morning_closes = models.TimeField(default=DEFAULT_WINDOW_HOURS["morning"][1])
    midday_opens = models.TimeField(default=DEFAULT_WINDOW_HOURS["midday"][0])
    midday_closes = models.TimeField(default=DEFAULT_WINDOW_HOURS["midday"][1])
    evening_opens = models.TimeField(default=DEFAULT_WINDOW_HOURS["evening"][0])
    evening_closes = models.TimeField(default=DEFAULT_WINDOW_HOURS["evening"][1])
    # How often a care plan is reviewed, in months. `local`: CLINIC.md §10 says "about every
    # 3 months" as a local default (England's Treatment Outcomes Profile reviews every 3 months);
    # a clinic may choose 1 to 12.
    care_plan_review_months = models.PositiveSmallIntegerField(
        default=CARE_PLAN_REVIEW_MONTHS_DEFAULT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z]{3,5}$"), name="clinic_code_format"
            ),
            models.CheckConstraint(condition=_windows_in_order(), name="clinic_windows_in_order"),
            models.CheckConstraint(
                condition=models.Q(
                    care_plan_review_months__gte=1,
                    care_plan_review_months__lte=CARE_PLAN_REVIEW_MONTHS_MAX,
                ),
                name="clinic_care_plan_review_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def window_hours(self) -> dict[str, tuple[time, time]]:
        """Each dosing window's opening and closing time, local, in the day's order."""
        return {
            name: (getattr(self, opens), getattr(self, closes))
            for name, opens, closes in WINDOW_FIELDS
        }


@pghistory.track()
class StaffMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"], name="one_membership_per_user_and_clinic"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.clinic.code} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the secret is shown once at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
