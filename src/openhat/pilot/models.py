"""Saved scenarios of the pilot planner: a city's local inputs, never anything about a patient.

A scenario is written once and never edited (a trigger refuses UPDATE), so the link someone was
sent shows exactly what they were sent; a changed scenario is saved as a new one with a new link.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The link's key: secrets.token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet
# (256 random bits), so a link cannot be guessed or enumerated.
SHARE_KEY_PATTERN = r"^[A-Za-z0-9_-]{43}$"
TITLE_MAX_LENGTH = 120


class ScenarioOrigin(models.TextChoices):
    FORM = "form", "the planner's form"
    JSON = "json", "a loaded JSON file"
    API = "api", "the JSON API"


class Scenario(models.Model):
    share_key = models.CharField(max_length=43, unique=True, editable=False)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    # LocalInputs.to_dict() of openhat.planner: numbers and words a city chose, no person's data.
    inputs = models.JSONField()
    # The model's parameter set the scenario was saved under; a later version may give other
    # numbers for the same inputs, and the page says so.
    parameters_version = models.CharField(max_length=64)
    origin = models.CharField(max_length=8, choices=ScenarioOrigin.choices)
    # A clinic's frozen public report the brief quotes beside the model's figures (pilot.quote):
    # the version chosen, so the link shows the same figures after the clinic publishes another.
    quoted_report = models.ForeignKey(
        "outcomes.PublicReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="empty for a visitor of a public planner",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_key__regex=SHARE_KEY_PATTERN), name="scenario_share_key_shape"
            ),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"), name="scenario_title_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=ScenarioOrigin.values), name="scenario_origin_known"
            ),
            models.CheckConstraint(
                condition=~Q(parameters_version=""), name="scenario_parameters_version_given"
            ),
        ]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="scenario_by_creator")]
        triggers = [pgtrigger.Protect(name="written_once", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"scenario {self.pk}: {self.title}"
