"""Forms of adverse events: the record at the station, and a physician's sign-off."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from openhat.dosing.models import (
    AdverseEventKind,
    AdverseEventOutcome,
    AdverseEventSeverity,
    NaloxoneRoute,
)
from openhat.pharmacy.forms import KeyedForm

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class AdverseEventForm(KeyedForm):
    key_prefix = "adverse-event"
    session = forms.CharField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label="Type of event",
        choices=AdverseEventKind.choices,
        widget=forms.RadioSelect(attrs={"autofocus": True}),
        error_messages={"required": "Choose the type of event."},
    )
    severity = forms.ChoiceField(
        label="Severity",
        choices=AdverseEventSeverity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the severity."},
    )
    onset_at = forms.DateTimeField(
        label="Began at (clinic time)",
        required=False,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        error_messages={"invalid": "Give the date and time it began, e.g. 2026-03-01 08:15."},
        help_text="Leave as it is for now.",
    )
    description = forms.CharField(
        label="What happened",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    naloxone_given = forms.BooleanField(label="Naloxone given", required=False)
    naloxone_dose_mg = forms.CharField(
        label="Naloxone dose (mg, in total)",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    naloxone_route = forms.ChoiceField(
        label="Naloxone route",
        required=False,
        choices=[("", "Choose the route"), *NaloxoneRoute.choices],
    )
    oxygen_given = forms.BooleanField(label="Oxygen given", required=False)
    ambulance_called = forms.BooleanField(label="Ambulance called", required=False)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=AdverseEventOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not self.is_bound:
            self.initial["onset_at"] = now.astimezone(zone).strftime(LOCAL_MINUTE)

    def onset(self) -> datetime | None:
        """The time typed, read as clinic time (the form field itself is naive)."""
        value = self.cleaned_data.get("onset_at")
        if value is None:
            return None
        return value.replace(tzinfo=None).replace(tzinfo=self.zone)


class AdverseSignOffForm(KeyedForm):
    key_prefix = "adverse-sign-off"
    note = forms.CharField(
        label="Physician's assessment and plan",
        required=False,  # the service asks for it, in the API's words
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
    )
