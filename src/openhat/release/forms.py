"""The release form: its shape only; release.services holds the rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from openhat.enrolment.models import DataCategory
from openhat.release.services import MAX_PURPOSE, MAX_RECIPIENT


class ReleaseForm(forms.Form):
    recipient = forms.CharField(
        label="Recipient",
        max_length=MAX_RECIPIENT,
        help_text="As the patient's consent names them.",
        error_messages={"required": "Name the recipient."},
    )
    purpose = forms.CharField(
        label="Purpose",
        max_length=MAX_PURPOSE,
        help_text="As the patient's consent states it.",
        error_messages={"required": "Name the purpose."},
    )
    categories = forms.MultipleChoiceField(
        label="What to release",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose what to release."},
    )
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"release-{uuid.uuid4()}"
