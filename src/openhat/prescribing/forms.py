"""Forms of the prescribing pages. They check the shape of input; the services hold the rules.

Amounts stay as typed (any number, any unit) so that the service explains a negative dose or a
dose in mL in its own words. Dates are the clinic's calendar days: an order starts at the start of
its first day (today: now) and ends at the end of its last day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from openhat.core.bounds_forms import IntegerTextField
from openhat.prescribing.models import DRUG_CHOICES, PHASE_CHOICES, ROUTE_CHOICES, WINDOW_CHOICES
from openhat.prescribing.services import OrderInput

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 2})
DRUG_LABELS = {
    "dam": "Diacetylmorphine (DAM)",
    "hdm": "Hydromorphone (HDM)",
    "methadone": "Oral methadone",
    "srom": "Slow-release oral morphine",
    "buprenorphine": "Buprenorphine",
    "naltrexone_xr": "Extended-release naltrexone",
}
ROUTE_LABELS = {"iv": "IV", "im": "IM", "sc": "SC", "inhaled": "Inhaled", "oral": "Oral tablet"}
UNITS = [("mg", "mg"), ("g", "g"), ("mcg", "mcg"), ("mL", "mL")]


def _amount(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _totp() -> forms.CharField:
    return forms.CharField(
        label="Code from your authenticator app",
        # Required to sign; the message is the service's own, so page and API read the same.
        required=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app to sign."},
        max_length=10,
        help_text="A fresh code is needed for every signature.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input"}
        ),
    )


def start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


class OrderForm(forms.Form):
    drug = forms.ChoiceField(
        label="Drug", choices=[(v, DRUG_LABELS.get(v, v)) for v, _ in DRUG_CHOICES]
    )
    routes = forms.MultipleChoiceField(
        label="Routes",
        choices=[(v, ROUTE_LABELS.get(v, v)) for v, _ in ROUTE_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    dose_unit = forms.ChoiceField(label="Unit", choices=UNITS, initial="mg")
    dose_min = _amount("Dose per session (or the range's minimum)")
    dose_max = _amount("Range maximum per session", required=False)
    usual_dose = _amount("Usual dose per session", required=False)
    sessions_per_day = IntegerTextField(label="Sessions a day", min_value=0, max_value=99)
    daily_max = _amount("Daily maximum")
    phase = forms.ChoiceField(label="Phase", choices=PHASE_CHOICES, initial="maintenance")
    windows = forms.MultipleChoiceField(
        label="Session windows",
        required=False,
        choices=WINDOW_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every session window.",
    )
    starts_on = forms.DateField(
        label="First day", required=False, widget=_DATE, help_text="Leave empty for now."
    )
    ends_on = forms.DateField(
        label="Last day", required=False, widget=_DATE, help_text="Leave empty for no end date."
    )
    reason = forms.CharField(label="Reason", required=False, max_length=2000, widget=_NOTE)
    note = forms.CharField(
        label="Instructions for the nurses", required=False, max_length=2000, widget=_NOTE
    )
    totp_code = _totp()
    loosening_reason = forms.CharField(
        label="Reason for signing through a loosening of the preset",
        required=False,
        max_length=2000,
        widget=_NOTE,
        help_text="Recorded in the audit trail with your name.",
    )

    def order_input(self, zone: ZoneInfo, today: date) -> OrderInput:
        data = self.cleaned_data
        starts_on, ends_on = data["starts_on"], data["ends_on"]
        return OrderInput(
            drug=data["drug"],
            routes=data["routes"],
            dose_min=data["dose_min"],
            dose_max=data["dose_max"] or None,
            usual_dose=data["usual_dose"] or None,
            dose_unit=data["dose_unit"],
            sessions_per_day=data["sessions_per_day"],
            daily_max=data["daily_max"],
            starts_at=None
            if starts_on is None or starts_on <= today
            else start_of(starts_on, zone),
            ends_at=None if ends_on is None else start_of(ends_on + timedelta(days=1), zone),
            phase=data["phase"],
            windows=data["windows"],
            reason=data["reason"],
            note=data["note"],
        )

    @classmethod
    def initial_from(cls, version: Any, zone: ZoneInfo) -> dict[str, Any]:
        """The form filled with a version's values: the starting point of a change."""
        return {
            "drug": version.drug,
            "routes": list(version.routes),
            "dose_unit": "mg",
            "dose_min": f"{version.dose_min_mg.normalize():f}",
            "dose_max": "" if version.is_fixed_dose else f"{version.dose_max_mg.normalize():f}",
            "usual_dose": ""
            if version.usual_dose_mg is None
            else f"{version.usual_dose_mg.normalize():f}",
            "sessions_per_day": version.sessions_per_day,
            "daily_max": f"{version.daily_max_mg.normalize():f}",
            "phase": version.phase,
            "windows": list(version.windows),
            "ends_on": None
            if version.ends_at is None
            else (version.ends_at.astimezone(zone) - timedelta(days=1)).date(),
            "note": version.note,
        }


class NewOrderForm(OrderForm):
    # A one-time key made when the form is shown: a second submit of the same form (a double
    # click, a retried request) returns the order the first one signed instead of a second order.
    # Optional, so a form rendered before the key existed still posts; every form shown has one.
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"new-order-{uuid.uuid4()}"


class ChangeOrderForm(OrderForm):
    # The version the physician looked at: a change made meanwhile by someone else is refused.
    expected_version = IntegerTextField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000, widget=_NOTE)


class ResumeForm(ReasonForm):
    totp_code = _totp()
