"""Forms of the screen and harm-reduction pages. They check the shape of the input; the services
hold the rules (a sample in the future, a count over its ceiling, nothing recorded)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from openhat.core.bounds_forms import IntegerTextField
from openhat.screens.panel import (
    MAX_NOTE_LENGTH,
    SUBSTANCES,
    SUPPLY_CEILINGS,
    Offer,
    OfferKind,
    Result,
    SampleSetting,
    Substance,
    Supply,
)

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE)
_YES_NO = [("yes", "Yes"), ("no", "No")]


class _OneTimeKeyForm(forms.Form):
    """Carries a key made when the form is shown, so a double submit records once."""

    key_prefix = "form"
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"{self.key_prefix}-{uuid.uuid4()}"


def _moment_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        widget=_MOMENT,
        error_messages={
            "required": "Give the date and time.",
            "invalid": "Give the date and time, e.g. 2026-03-01 08:15.",
        },
    )


class ScreenForm(_OneTimeKeyForm):
    key_prefix = "screen"
    sampled_at = _moment_field("Sample taken at (clinic time)")
    supervised = forms.ChoiceField(
        label="Collection supervised",
        choices=_YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the collection was supervised."},
    )
    setting = forms.ChoiceField(
        label="Tested by",
        choices=SampleSetting.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose point-of-care or laboratory."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for substance in SUBSTANCES:
            self.fields[substance] = forms.ChoiceField(
                label=Substance(substance).label,
                choices=Result.choices,
                initial=Result.NOT_TESTED,
                required=False,  # left out: not tested
            )

    def substance_fields(self) -> list[forms.BoundField]:
        return [self[substance] for substance in SUBSTANCES]

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sampled_at": data["sampled_at"],
            "supervised": data["supervised"] == "yes",
            "setting": data["setting"],
            "results": {s: data[s] or Result.NOT_TESTED for s in SUBSTANCES},
            "note": data["note"],
            "idempotency_key": data["idempotency_key"] or None,
        }


class HarmReductionForm(_OneTimeKeyForm):
    key_prefix = "harm-reduction"
    given_at = _moment_field("Given at (clinic time)")
    overdose_training = forms.BooleanField(label="Overdose-response training given", required=False)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for supply in Supply.values:
            self.fields[supply] = IntegerTextField(
                label=Supply(supply).label,
                required=False,
                min_value=0,
                max_value=SUPPLY_CEILINGS[supply],
                help_text=f"0 to {SUPPLY_CEILINGS[supply]}.",
            )
        for kind in OfferKind.values:
            self.fields[kind] = forms.ChoiceField(
                label=OfferKind(kind).label,
                choices=Offer.choices,
                initial=Offer.NOT_OFFERED,
                required=False,  # left out: not offered
            )

    def supply_fields(self) -> list[forms.BoundField]:
        return [self[supply] for supply in Supply.values]

    def offer_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in OfferKind.values]

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_at": data["given_at"],
            "supplies": {supply: int(data[supply] or 0) for supply in Supply.values},
            "overdose_training": data["overdose_training"],
            "offers": {kind: data[kind] or Offer.NOT_OFFERED for kind in OfferKind.values},
            "note": data["note"],
            "idempotency_key": data["idempotency_key"] or None,
        }
