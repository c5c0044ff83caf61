"""Medication orders: a line (the order's identity) and its signed versions, never edited.

A change supersedes the current version from a given moment with a new version; the old one stays
as it was, readable for ever. Suspension, resumption and stopping are append-only events on the
line. The version in force at a moment is the line's highest-numbered version that has started.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from openhat.rules.context import ALLOWED_ROUTES, Drug, Phase, Route, SessionWindow

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
DRUG_CHOICES = [(drug.value, drug.value) for drug in Drug]
ROUTE_CHOICES = [(route.value, route.value) for route in Route]
PHASE_CHOICES = [(phase.value, phase.value) for phase in Phase]
WINDOW_CHOICES = [(window.value, window.value) for window in SessionWindow]


def _mg_field() -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=3)


class OrderState(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    STOPPED = "stopped", "Stopped"


class OrderEventKind(models.TextChoices):
    SUSPENDED = "suspended", "Suspended"
    RESUMED = "resumed", "Resumed"
    STOPPED = "stopped", "Stopped"


def _routes_allowed_for_drug() -> Q:
    allowed = Q()
    for drug, routes in ALLOWED_ROUTES.items():
        allowed |= Q(drug=drug.value, routes__contained_by=sorted(route.value for route in routes))
    return allowed


@pghistory.track(model_name="OrderLineHistory")
class OrderLine(models.Model):
    """One order through all its versions. `state` and `current_version` change only under a
    row lock (prescribing.services); everything else is fixed at creation."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="order_lines"
    )
    drug = models.CharField(max_length=16, choices=DRUG_CHOICES)
    state = models.CharField(max_length=10, choices=OrderState.choices, default=OrderState.ACTIVE)
    current_version = models.ForeignKey(
        "OrderVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["patient", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(drug__in=Drug), name="order_line_drug_known"),
            models.CheckConstraint(
                condition=Q(state__in=OrderState.values), name="order_line_state_known"
            ),
        ]
        indexes = [models.Index(fields=["patient", "state"], name="order_line_patient_state")]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.drug}, {self.state})"


class OrderVersion(models.Model):
    """A signed version of an order. Never updated or deleted (a database trigger refuses it)."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="versions")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    drug = models.CharField(max_length=16, choices=DRUG_CHOICES)
    routes = ArrayField(models.CharField(max_length=8, choices=ROUTE_CHOICES))
    # A fixed dose has min == max; a range is what the nurse may titrate within, per session.
    dose_min_mg = _mg_field()
    dose_max_mg = _mg_field()
    sessions_per_day = models.PositiveSmallIntegerField()
    daily_max_mg = _mg_field()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # exclusive; None: until changed
    phase = models.CharField(max_length=12, choices=PHASE_CHOICES)
    windows = ArrayField(
        models.CharField(max_length=8, choices=WINDOW_CHOICES), default=list, blank=True
    )  # empty: every session window
    reason = models.TextField(blank=True)  # why this order or change
    note = models.TextField(blank=True)  # instructions for the nurses
    # The dose most sessions get, within the range; the station proposes it (None: not given).
    usual_dose_mg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    second_factor_verified_at = models.DateTimeField()
    # One-to-one: a version is superseded at most once, whatever the application does.
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    preset_key = models.CharField(max_length=32)
    preset_version = models.CharField(max_length=32)
    preset_hash = models.CharField(max_length=64)
    # [{key, value, previous, reason, approved_by}] when signed through a loosening of the preset.
    preset_loosenings = models.JSONField(default=list, blank=True)
    findings = models.JSONField(default=list, blank=True)  # the engine's findings at signing

    class Meta:
        ordering = ["line", "number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="order_version_number"),
            models.CheckConstraint(condition=Q(drug__in=Drug), name="order_version_drug_known"),
            models.CheckConstraint(condition=Q(phase__in=Phase), name="order_version_phase_known"),
            models.CheckConstraint(condition=Q(routes__len__gte=1), name="order_version_a_route"),
            models.CheckConstraint(
                condition=_routes_allowed_for_drug(), name="order_version_routes_allowed"
            ),
            models.CheckConstraint(
                condition=Q(windows__contained_by=[window.value for window in SessionWindow]),
                name="order_version_windows_known",
            ),
            models.CheckConstraint(
                condition=Q(dose_min_mg__gte=0), name="order_version_dose_min_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(dose_max_mg__gt=0), name="order_version_dose_max_positive"
            ),
            models.CheckConstraint(
                condition=Q(dose_min_mg__lte=F("dose_max_mg")),
                name="order_version_dose_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(daily_max_mg__gt=0), name="order_version_daily_max_positive"
            ),
            models.CheckConstraint(
                condition=Q(sessions_per_day__gte=1), name="order_version_a_session"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="order_version_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(number=1, supersedes__isnull=True)
                | Q(number__gt=1, supersedes__isnull=False),
                name="order_version_supersedes_all_but_the_first",
            ),
        ]
        indexes = [models.Index(fields=["patient", "starts_at"], name="order_version_patient")]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"order {self.line_id} v{self.number}"

    @property
    def is_fixed_dose(self) -> bool:
        return self.dose_min_mg == self.dose_max_mg

    @property
    def default_dose_mg(self) -> Decimal | None:
        """What the station proposes: the usual dose, a fixed dose, else nothing (never the
        range's maximum)."""
        if self.usual_dose_mg is not None:
            return self.usual_dose_mg
        return self.dose_min_mg if self.is_fixed_dose else None

    def expires_within(self, now: datetime, days: int) -> bool:
        """True if the version ends after `now` but within `days` of it (the expiry flag)."""
        return self.ends_at is not None and now < self.ends_at <= now + timedelta(days=days)


class OrderEvent(models.Model):
    """Suspension, resumption or stop of an order line, with the reason. Append-only."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="state_events")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=OrderEventKind.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["line", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrderEventKind.values), name="order_event_kind_known"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="order_event_has_reason"),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"order {self.line_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
