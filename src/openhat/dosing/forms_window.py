"""The form of a session a physician opens outside the dosing windows, at the nurse's station."""

from __future__ import annotations

from typing import Any

from django import forms

from openhat.dosing.forms import CheckInForm
from openhat.dosing.forms_override import StationOverrideForm
from openhat.dosing.windows import ORDER


class OutOfWindowForm(CheckInForm):
    key_prefix = "out-of-window"
    window = forms.ChoiceField(
        label="The session stands for the window",
        choices=[(str(window), str(window).capitalize()) for window in ORDER],
        error_messages={"required": "Choose the window this session stands for."},
    )
    reason = forms.CharField(
        label="Clinical reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Stored with the session and shown on it.",
    )
    physician_username = StationOverrideForm.base_fields["physician_username"]
    physician_password = StationOverrideForm.base_fields["physician_password"]
    totp_code = StationOverrideForm.base_fields["totp_code"]

    field_order = [
        "identity_confirmed",
        "window",
        "reason",
        "physician_username",
        "physician_password",
        "totp_code",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["totp_code"].label = "Physician's authenticator code"
        self.fields["physician_username"].widget.attrs.pop("autofocus", None)
