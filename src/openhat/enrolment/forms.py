"""Forms of the enrolment pages. They check the shape of input; the services hold the rules."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms

from openhat.core.bounds_forms import DecimalTextField
from openhat.enrolment.facts import FactsInput, MethadoneDoseInput, PriorTreatmentInput
from openhat.enrolment.models import ConsentKind, DataCategory, PhysicianDecision
from openhat.rules.eligibility import FACTS, HeroinRoute, TreatmentKind, TreatmentOutcome

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 3})
PRIOR_TREATMENT_ROWS = 4
METHADONE_DOSE_ROWS = 4
TREATMENT_FIELDS = ("kind", "started_on", "ended_on", "max_daily_dose_mg", "outcome")
METHADONE_FIELDS = ("started_on", "ended_on", "daily_dose_mg")
TREATMENT_KINDS = [
    ("", "—"),
    *[(kind.value, kind.value.replace("_", " ")) for kind in TreatmentKind],
]
TREATMENT_OUTCOMES = [("", "—"), *[(item.value, item.value) for item in TreatmentOutcome]]
FLAG_CHOICES = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]
_ROW_FIELD = re.compile(r"(prior_treatments|methadone_doses)\[(\d+)\]\.(\w+)")
_ROW_PREFIX = {"prior_treatments": "pt", "methadone_doses": "md"}


def _number(label: str, help_text: str = "") -> DecimalTextField:
    return DecimalTextField(
        label=label, required=False, floor=Decimal(0), max_digits=6, places=2,
        help_text=help_text,
    )  # fmt: skip


def _dose(label: str) -> DecimalTextField:
    return DecimalTextField(
        label=label, required=False, floor=Decimal(0), max_digits=8, places=2,
        error_messages={"number_too_small": "A dose cannot be negative."},
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

    def __init__(
        self, *args: Any, flag_names: list[str], methadone_rows: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.flag_names = flag_names
        self.methadone_rows = methadone_rows
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
                label="End", required=False, widget=_DATE,
                help_text="The last day; empty while it runs.",
            )  # fmt: skip
            self.fields[f"pt{row}_max_daily_dose_mg"] = _dose("Highest dose (mg/day)")
            self.fields[f"pt{row}_outcome"] = forms.ChoiceField(
                label="Outcome", required=False, choices=TREATMENT_OUTCOMES
            )
        if methadone_rows:
            self.fields["no_methadone_doses"] = forms.BooleanField(
                label="Never on methadone", required=False,
                help_text="Tick if the patient never took methadone.",
            )  # fmt: skip
            for row in range(METHADONE_DOSE_ROWS):
                self.fields[f"md{row}_started_on"] = forms.DateField(
                    label="From", required=False, widget=_DATE
                )
                self.fields[f"md{row}_ended_on"] = forms.DateField(
                    label="To", required=False, widget=_DATE,
                    help_text="The last day on this dose; empty if still on it.",
                )  # fmt: skip
                self.fields[f"md{row}_daily_dose_mg"] = _dose("Daily dose (mg/day)")

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[f"flag_{name}"] for name in self.flag_names]

    def treatment_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"pt{row}_{name}"] for name in TREATMENT_FIELDS]
            for row in range(PRIOR_TREATMENT_ROWS)
        ]

    def methadone_dose_rows(self) -> list[list[forms.BoundField]]:
        if not self.methadone_rows:
            return []
        return [
            [self[f"md{row}_{name}"] for name in METHADONE_FIELDS]
            for row in range(METHADONE_DOSE_ROWS)
        ]

    def _filled(self, prefix: str, names: tuple[str, ...]) -> bool:
        return any(self.cleaned_data.get(f"{prefix}_{name}") not in (None, "") for name in names)

    def _require(self, prefix: str, required: tuple[tuple[str, str], ...]) -> None:
        for name, message in required:
            if self.cleaned_data.get(f"{prefix}_{name}") in (None, "") and not self.has_error(
                f"{prefix}_{name}"
            ):
                self.add_error(f"{prefix}_{name}", message)

    def _end_not_before_start(self, prefix: str, start: str, end: str) -> None:
        started = self.cleaned_data.get(f"{prefix}_{start}")
        ended = self.cleaned_data.get(f"{prefix}_{end}")
        if started is not None and ended is not None and ended < started:
            self.add_error(
                f"{prefix}_{end}",
                f"The end ({ended.isoformat()}) is before the start ({started.isoformat()}).",
            )

    def clean(self) -> dict[str, Any]:
        # Each row is checked on its own, so a partly filled row gets its errors on that row; the
        # engine then checks what the rows mean (an ongoing treatment has no end, ...).
        data = super().clean() or {}
        treatments = [
            row for row in range(PRIOR_TREATMENT_ROWS) if self._filled(f"pt{row}", TREATMENT_FIELDS)
        ]
        for row in treatments:
            self._require(
                f"pt{row}",
                (
                    ("kind", "Choose the kind of treatment."),
                    ("started_on", "Enter when it started."),
                    ("outcome", "Choose the outcome."),
                ),
            )
            self._end_not_before_start(f"pt{row}", "started_on", "ended_on")
        if treatments and data.get("no_prior_treatments"):
            self.add_error(
                "no_prior_treatments",
                "Treatments are listed above: untick this, or clear the treatments.",
            )
        doses = [
            row
            for row in range(METHADONE_DOSE_ROWS if self.methadone_rows else 0)
            if self._filled(f"md{row}", METHADONE_FIELDS)
        ]
        for row in doses:
            self._require(
                f"md{row}",
                (
                    ("started_on", "Enter when this dose started."),
                    ("daily_dose_mg", "Enter the daily dose in mg."),
                ),
            )
            self._end_not_before_start(f"md{row}", "started_on", "ended_on")
        if doses and data.get("no_methadone_doses"):
            self.add_error(
                "no_methadone_doses",
                "Methadone doses are listed above: untick this, or clear the doses.",
            )
        return data

    def _methadone_doses(self) -> list[MethadoneDoseInput] | None:
        if not self.methadone_rows:
            return None
        data = self.cleaned_data
        rows = [
            MethadoneDoseInput(
                started_on=data[f"md{row}_started_on"],
                ended_on=data[f"md{row}_ended_on"],
                daily_dose_mg=data[f"md{row}_daily_dose_mg"],
            )
            for row in range(METHADONE_DOSE_ROWS)
            if data.get(f"md{row}_started_on")
        ]
        return rows if rows else ([] if data.get("no_methadone_doses") else None)

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
            methadone_doses=self._methadone_doses(),
            heroin_route=data["heroin_route"] or None,
            share_of_days_injecting_last_90=data["share_of_days_injecting_last_90"],
            flags={name: value for name, value in flags.items() if value is not None},
            use_pattern=data["use_pattern"],
            health_and_social_problems=data["health_and_social_problems"],
        )

    def field_for(self, service_field: str | None) -> str | None:
        """The form field a service's DomainError names (prior_treatments[1].ended_on -> pt1_...,
        methadone_doses[0].daily_dose_mg -> md0_daily_dose_mg)."""
        if service_field is None:
            return None
        match = _ROW_FIELD.fullmatch(service_field)
        name = f"{_ROW_PREFIX[match[1]]}{match[2]}_{match[3]}" if match else service_field
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
