"""Forms of the patient pages. They check the shape of input; the services hold the rules."""

from __future__ import annotations

import uuid

from django import forms

from openhat.patients.duplicates import DuplicateConfirmation
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Sex
from openhat.patients.validation import IdentityInput

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdentityForm(forms.Form):
    legal_name = forms.CharField(
        label="Legal name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=_DATE)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN)
    health_number = forms.CharField(
        label="Health number",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def identity_input(self) -> IdentityInput:
        data = self.cleaned_data
        return IdentityInput(
            data["legal_name"], data["date_of_birth"], data["sex"], data["health_number"]
        )


class DuplicateConfirmationForm(forms.Form):
    """Filled from a possible-duplicate warning: its token, and the staff member's reason."""

    duplicate_confirmation = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput
    )
    duplicate_reason = forms.CharField(
        label="Why is this a different person (or why is a second record needed)?",
        help_text="Kept in the audit trail.",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def duplicate_confirmation_input(self) -> DuplicateConfirmation | None:
        token = self.cleaned_data.get("duplicate_confirmation") or ""
        if not token:
            return None
        return DuplicateConfirmation(token, self.cleaned_data.get("duplicate_reason") or "")


class NewPatientForm(IdentityForm, DuplicateConfirmationForm):
    # One key per rendered form: submitting the same form twice registers the patient once.
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["idempotency_key"] = f"new-patient-{uuid.uuid4()}"


class IdentityCorrectionForm(IdentityForm, DuplicateConfirmationForm):
    """A correction of identifying data, confirmed like a registration when it makes the record
    match another patient."""


class StatusChangeForm(forms.Form):
    # Every status is accepted here so a stale or tampered choice reaches the lifecycle check,
    # which explains what is allowed; the page offers only the allowed next statuses.
    to_status = forms.ChoiceField(label="New status", choices=PatientStatus.choices)
    effective_date = forms.DateField(
        label="Effective date", widget=_DATE, required=False, help_text="Leave empty for today."
    )
    exit_reason = forms.ChoiceField(
        label="Exit reason",
        choices=[("", "— only for an exit —"), *ExitReason.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # An exit ends treatment, so the page asks once more before doing it.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, allowed: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_status"].widget.choices = [
            (value, PatientStatus(value).label) for value in allowed
        ]


class PhotoForm(forms.Form):
    # A plain file field: the service judges the content (type, size, pixels) and explains refusals.
    photo = forms.FileField(
        label="Identity photo",
        help_text="JPEG, PNG or WebP.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Client code", max_length=20, required=False)
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *PatientStatus.choices], required=False
    )


class MergeForm(forms.Form):
    survivor = forms.CharField(
        label="Client code of the record to keep",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ZRH-0042"}),
    )
    reason = forms.CharField(
        label="Why are these two records the same person?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    totp_code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )
    # The merge cannot be undone: the page shows both records and asks once more.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
