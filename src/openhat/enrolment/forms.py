"""Forms of the enrolment pages. They check the shape of input; the services hold the rules."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms

from openhat.enrolment.facts import FactsInput, PriorTreatmentInput
from openhat.enrolment.models import ConsentKind, DataCategory, PhysicianDecision
from openhat.rules.eligibility import FACTS, HeroinRoute, TreatmentKind, TreatmentOutcome

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 3})
PRIOR_TREATMENT_ROWS = 4
TREATMENT_KINDS = [
    ("", "—"),
    *[(kind.value, kind.value.replace("_", " ")) for kind in TreatmentKind],
]
TREATMENT_OUTCOMES = [("", "—"), *[(item.value, item.value) for item in TreatmentOutcome]]
FLAG_CHOICES = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]
_ROW_FIELD = re.compile(r"prior_treatments\[(\d+)\]\.(\w+)")


def _number(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=6, decimal_places=2,
        help_text=help_text,
    )  # fmt: skip


class OneTimeKeyForm(forms.Form):
    """A form that carries a one-time key made when it is shown (as NewOrderForm does).

    A second submit of the same form (a double click, a retried request) sends the same key, and
    the service returns the record the first submit wrote instead of writing a second one.
    Optional, so a form rendered before the key existed still posts; every form shown has one.
    """

    key_prefix = "form"
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"{self.key_prefix}-{uuid.uuid4()}"


class AssessmentForm(OneTimeKeyForm):
    """The facts the clinic's eligibility preset asks for, and the physician's decision.

    `flag_names` are the yes/no facts the preset's criteria read (rules.eligibility.FACTS).
    """

    key_prefix = "eligibility"

    assessed_on = forms.DateField(
        label="Assessment date", required=False, widget=_DATE, help_text="Leave empty for today."
    )
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=_DATE)
    years_dependent = _number("Years of opioid dependence")
    years_opioid_use = _number("Years of opioid use")
    years_injecting = _number("Years injecting")
    heroin_route = forms.ChoiceField(
        label="Main route of heroin use",
        required=False,
        choices=[("", "Not asked"), *[(route.value, route.value) for route in HeroinRoute]],
    )
    share_of_days_injecting_last_90 = _number(
        "Days injecting in the last 90 days (%)", "A percentage from 0 to 100."
    )
    no_prior_treatments = forms.BooleanField(
        label="No earlier treatment", required=False, help_text="Tick if the patient had none."
    )
    use_pattern = forms.CharField(
        label="Current use pattern", required=False, max_length=2000, widget=_NOTE
    )
    health_and_social_problems = forms.CharField(
        label="Health and social problems", required=False, max_length=2000, widget=_NOTE
    )
    decision = forms.ChoiceField(
        label="Physician's decision",
        required=False,
        choices=PhysicianDecision.choices,
        widget=forms.RadioSelect,
    )
    exception_reason = forms.CharField(
        label="Reason for the exception",
        required=False,
        max_length=2000,
        widget=_NOTE,
        help_text="Only for an exception: why this patient is treated although the criteria "
        "are not met.",
    )

    def __init__(self, *args: Any, flag_names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flag_names = flag_names
        for name in flag_names:
            self.fields[f"flag_{name}"] = forms.ChoiceField(
                label=FACTS[name][0].upper() + FACTS[name][1:], required=False,
                choices=FLAG_CHOICES,
            )  # fmt: skip
        for row in range(PRIOR_TREATMENT_ROWS):
            self.fields[f"pt{row}_kind"] = forms.ChoiceField(
                label="Treatment", required=False, choices=TREATMENT_KINDS
            )
            self.fields[f"pt{row}_started_on"] = forms.DateField(
                label="Start", required=False, widget=_DATE
            )
            self.fields[f"pt{row}_ended_on"] = forms.DateField(
                label="End", required=False, widget=_DATE
            )
            self.fields[f"pt{row}_max_daily_dose_mg"] = forms.DecimalField(
                label="Highest daily dose (mg)", required=False, max_digits=8, decimal_places=2
            )
            self.fields[f"pt{row}_outcome"] = forms.ChoiceField(
                label="Outcome", required=False, choices=TREATMENT_OUTCOMES
            )

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[f"flag_{name}"] for name in self.flag_names]

    def treatment_rows(self) -> list[list[forms.BoundField]]:
        names = ("kind", "started_on", "ended_on", "max_daily_dose_mg", "outcome")
        return [[self[f"pt{row}_{name}"] for name in names] for row in range(PRIOR_TREATMENT_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(PRIOR_TREATMENT_ROWS):
            filled = any(
                data.get(f"pt{row}_{name}") not in (None, "")
                for name in ("kind", "started_on", "ended_on", "max_daily_dose_mg", "outcome")
            )
            if not filled:
                continue
            for name, message in (
                ("kind", "Choose the kind of treatment."),
                ("started_on", "Enter when it started."),
                ("outcome", "Choose the outcome."),
            ):
                if not data.get(f"pt{row}_{name}"):
                    self.add_error(f"pt{row}_{name}", message)
        return data

    def facts_input(self) -> FactsInput:
        data = self.cleaned_data
        rows = [
            PriorTreatmentInput(
                kind=data[f"pt{row}_kind"],
                started_on=data[f"pt{row}_started_on"],
                ended_on=data[f"pt{row}_ended_on"],
                outcome=data[f"pt{row}_outcome"],
                max_daily_dose_mg=data[f"pt{row}_max_daily_dose_mg"],
            )
            for row in range(PRIOR_TREATMENT_ROWS)
            if data.get(f"pt{row}_kind")
        ]
        flags = {
            name: {"yes": True, "no": False}.get(data.get(f"flag_{name}") or "")
            for name in self.flag_names
        }
        return FactsInput(
            date_of_birth=data["date_of_birth"],
            years_dependent=data["years_dependent"],
            years_opioid_use=data["years_opioid_use"],
            years_injecting=data["years_injecting"],
            prior_treatments=rows if rows else ([] if data["no_prior_treatments"] else None),
            heroin_route=data["heroin_route"] or None,
            share_of_days_injecting_last_90=data["share_of_days_injecting_last_90"],
            flags={name: value for name, value in flags.items() if value is not None},
            use_pattern=data["use_pattern"],
            health_and_social_problems=data["health_and_social_problems"],
        )

    def field_for(self, service_field: str | None) -> str | None:
        """The form field a service's DomainError names (prior_treatments[1].ended_on -> pt1_...)."""
        if service_field is None:
            return None
        match = _ROW_FIELD.fullmatch(service_field)
        name = f"pt{match[1]}_{match[2]}" if match else service_field
        if name in self.fields:
            return name
        return f"flag_{service_field}" if f"flag_{service_field}" in self.fields else None


class LicenceForm(OneTimeKeyForm):
    key_prefix = "licence"
    number = forms.CharField(label="Licence number", max_length=40)
    authority = forms.CharField(label="Issuing authority", max_length=120)
    valid_from = forms.DateField(label="Valid from", widget=_DATE)
    valid_until = forms.DateField(
        label="Valid until", widget=_DATE, help_text="The last day the licence is valid."
    )


class ConsentForm(OneTimeKeyForm):
    key_prefix = "consent"
    kind = forms.ChoiceField(label="Kind of consent", choices=ConsentKind.choices)
    given_on = forms.DateField(label="Given on", widget=_DATE)
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=_DATE,
        help_text="The last day it holds. Required for a release of information.",
    )
    recipient = forms.CharField(
        label="Recipient",
        required=False,
        max_length=200,
        help_text="Release of information only: who receives it.",
    )
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        max_length=300,
        help_text="Release: what the information is for. Research: the study.",
    )
    covers = forms.MultipleChoiceField(
        label="What it covers",
        required=False,
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Release of information only. Counselling notes need a consent of their own: "
        "record them separately, with nothing else ticked.",
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=_NOTE)


class RevokeConsentForm(forms.Form):
    reason = forms.CharField(label="Reason given by the patient", max_length=2000, widget=_NOTE)


class EnrolForm(forms.Form):
    start_date = forms.DateField(label="Treatment start date", widget=_DATE)
