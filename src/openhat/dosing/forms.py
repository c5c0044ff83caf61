"""Forms of the session screens. They check the shape of what was typed; the services hold the rules.

Numbers (mg, mg/L) stay as typed so the service explains a bad one in its own words, the same as
the API does. Every form that writes carries a one-time key made when the form is shown: a second
submit of the same form (a double click, a retried request) returns the first result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from openhat.core.errors import DomainError
from openhat.dosing.services.steps import positive_mg
from openhat.dosing.sites import SITES_BY_ROUTE, site_label
from openhat.pharmacy.forms import KeyedForm, WitnessFields, quantity_text
from openhat.prescribing.forms import DRUG_LABELS, ROUTE_LABELS
from openhat.prescribing.models import OrderVersion

_NOTE = forms.Textarea(attrs={"rows": 2})
_FIRST = {"autofocus": True}

# The Pasero Opioid-induced Sedation Scale (POSS), in its own words; "S" (asleep, easily roused)
# is recorded as 1.
SEDATION_CHOICES = [
    ("1", "1 · Awake and alert (or asleep, easily roused)"),
    ("2", "2 · Slightly drowsy, easily roused"),
    ("3", "3 · Frequently drowsy, rousable, drifts off to sleep during conversation"),
    ("4", "4 · Somnolent, minimal or no response to voice or touch"),
]
COMMON_SIGNS = [
    "pinpoint pupils",
    "nodding off",
    "slow or shallow breathing",
    "slurred speech",
    "unsteady on feet",
    "smells of alcohol",
    "withdrawal signs (yawning, sweating, gooseflesh)",
    "agitated or confused",
    "injection-site redness or swelling",
]


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def mg_text(value: Decimal | None) -> str:
    return "" if value is None else quantity_text(value)


def therapy_value(drug: str, route: str) -> str:
    return f"{drug}:{route}"


def therapy_label(drug: str, route: str) -> str:
    return f"{DRUG_LABELS.get(drug, drug)} {ROUTE_LABELS.get(route, route)}"


def therapy_choices(orders: list[OrderVersion]) -> list[tuple[str, str]]:
    """One choice per drug and route of the patient's active orders, in the orders' order."""
    seen: dict[str, str] = {}
    for version in orders:
        dose = (
            f"{mg_text(version.dose_min_mg)} mg"
            if version.is_fixed_dose
            else f"{mg_text(version.dose_min_mg)}-{mg_text(version.dose_max_mg)} mg"
        )
        for route in version.routes:
            value = therapy_value(version.drug, route)
            seen.setdefault(value, f"{therapy_label(version.drug, route)} · order {dose}")
    return list(seen.items())


class CheckInForm(KeyedForm):
    key_prefix = "check-in"
    identity_confirmed = forms.BooleanField(
        label="I have compared this person with the photo",
        required=False,  # the service explains why it is needed, in the same words as the API
        widget=forms.CheckboxInput(attrs=_FIRST),
    )


class AssessForm(KeyedForm):
    key_prefix = "assess"
    sedation_score = forms.ChoiceField(
        label="Sedation score (POSS)",
        choices=SEDATION_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "big-choice"}),
        error_messages={"required": "Choose the sedation score (1-4): press 1, 2, 3 or 4."},
    )
    breath_alcohol_mg_per_l = forms.CharField(
        label="Breath alcohol (mg/L)",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="Optional; empty when not measured.",
    )
    signs = forms.MultipleChoiceField(
        label="Signs observed",
        required=False,
        choices=[(sign, sign) for sign in COMMON_SIGNS],
        widget=forms.CheckboxSelectMultiple,
    )
    other_signs = forms.CharField(
        label="Other signs",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Optional; commas between several.",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=_NOTE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The radios are the first field; the page's script selects one with the number keys.
        self.fields["sedation_score"].widget.attrs["autofocus"] = True

    def all_signs(self) -> list[str]:
        typed = [part.strip() for part in self.cleaned_data["other_signs"].split(",")]
        return [*self.cleaned_data["signs"], *[sign for sign in typed if sign]]


class DecideForm(KeyedForm):
    key_prefix = "decide"
    therapy = forms.ChoiceField(
        label="Drug and route",
        error_messages={
            "required": "Choose the drug and route.",
            "invalid_choice": "Choose a drug and route of the patient's active orders.",
        },
        widget=forms.Select(attrs=_FIRST),
    )
    dose_mg = forms.CharField(
        label="Dose asked for (mg)",
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="Leave empty to see the largest dose allowed now.",
    )

    def __init__(self, *args: Any, orders: list[OrderVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = therapy_choices(orders)
        set_choices(self, "therapy", choices)
        if len(choices) == 1 and not self.is_bound:
            self.initial["therapy"] = choices[0][0]

    def clean_dose_mg(self) -> str:
        """The dose asked for, read as the other dose fields are (above 0, at most 5000 mg, to
        3 decimals): a number too large for the record is refused here with that message."""
        value = self.cleaned_data["dose_mg"].strip()
        if value:
            try:
                positive_mg(value)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
        return value

    def drug_and_route(self) -> tuple[str, str]:
        drug, _, route = self.cleaned_data["therapy"].partition(":")
        return drug, route


class PrepareForm(KeyedForm):
    key_prefix = "prepare"
    decision_id = forms.CharField(widget=forms.HiddenInput)
    stock = forms.CharField(
        label="Lot",
        widget=forms.Select(attrs={**_FIRST, "data-ml-source": "true"}),
        error_messages={"required": "Choose the lot the dose is drawn from."},
    )
    dose_mg = forms.CharField(
        label="Dose (mg)",
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "data-ml-dose": "true"}
        ),
        error_messages={"required": "Enter the dose in mg."},
    )

    def __init__(self, *args: Any, lots: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].widget.choices = [("", "Choose a lot"), *lots]
        if len(lots) == 1 and not self.is_bound and not self.initial.get("stock"):
            self.initial["stock"] = lots[0][0]

    def lot_and_location(self) -> tuple[str, str]:
        lot_id, _, location_id = self.cleaned_data["stock"].partition(":")
        return lot_id, location_id


class AdministerForm(KeyedForm, WitnessFields):
    """Two steps: what was given (site, dose, any remainder), then the confirmation, where a
    witness signs for a remainder returned or wasted."""

    key_prefix = "administer"
    decision_id = forms.CharField(widget=forms.HiddenInput)
    preparation_id = forms.CharField(widget=forms.HiddenInput, required=False)
    site = forms.ChoiceField(label="Injection site", required=False)
    dose_mg = forms.CharField(
        label="Dose given (mg)",
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "data-given-dose": "true"}
        ),
        error_messages={"required": "Enter the dose given in mg."},
    )
    remainder = forms.ChoiceField(
        label="The rest of the drawn dose",
        required=False,
        choices=[
            ("return", "Return it to stock (unopened, fit for use)"),
            ("waste", "Waste it (witnessed)"),
        ],
        widget=forms.RadioSelect,
    )
    remainder_reason = forms.CharField(
        label="Why less was given",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, route: str, site_notes: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = SITES_BY_ROUTE.get(route, ())
        self.has_sites = bool(sites)
        if sites:
            set_choices(
                self,
                "site",
                [("", "Choose the site")]
                + [(site, site_label(site) + site_notes.get(site, "")) for site in sites],
            )
            self.fields["site"].widget.attrs.update(_FIRST)
        else:
            del self.fields["site"]
            self.fields["dose_mg"].widget.attrs.update(_FIRST)


class SignOffForm(KeyedForm):
    key_prefix = "sign-off"
    sedation_score = forms.ChoiceField(
        label="Sedation score after the dose (POSS)",
        choices=SEDATION_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "big-choice", "autofocus": True}),
        error_messages={"required": "Choose the sedation score (1-4): press 1, 2, 3 or 4."},
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=_NOTE)
    # After a serious adverse event: the physician signs in on the nurse's screen.
    physician_username = forms.CharField(
        label="Physician's username",
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    physician_password = forms.CharField(
        label="Physician's password",
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Typed by the physician; it is checked and not stored.",
    )
    totp_code = forms.CharField(
        label="Physician's authenticator code",
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input"}
        ),
    )


class ExceptionForm(KeyedForm, WitnessFields):
    key_prefix = "exception"
    kind = forms.CharField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )

    def __init__(self, *args: Any, notes_label: str, notes_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notes"].label = notes_label
        self.notes_required = notes_required
