"""Forms of a physician's override: at the station (the physician signs in on the nurse's screen)
and from the physician's own device (signed in already, so only the second factor)."""

from __future__ import annotations

from typing import Any

from django import forms

from openhat.dosing.forms import set_choices
from openhat.pharmacy.forms import KeyedForm


def finding_choice(finding: dict[str, object]) -> tuple[str, str]:
    return str(finding["rule_id"]), str(finding.get("message") or finding["rule_id"])


class FindingChoices(forms.MultipleChoiceField):
    """The findings offered; one no longer liftable still reaches the service, which names it."""

    def valid_value(self, value: Any) -> bool:
        return True


class RemoteOverrideForm(KeyedForm):
    key_prefix = "override"
    decision_id = forms.CharField(widget=forms.HiddenInput)
    rule_ids = FindingChoices(
        label="Findings to lift for this session",
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says which findings are needed, as the API does
    )
    allowed_dose_mg = forms.CharField(
        label="Largest dose the override allows (mg)",
        required=False,  # the service says it is needed, as the API does
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text="The new decision is capped at it; never above the order or a hard limit.",
    )
    reason = forms.CharField(
        label="Clinical reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Stored with the dose and shown on the decision.",
    )
    totp_code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input"}
        ),
        help_text="A fresh code for every override.",
    )

    def __init__(self, *args: Any, liftable: list[dict[str, object]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "rule_ids", [finding_choice(finding) for finding in liftable])
        self.fields["rule_ids"].widget.attrs["autofocus"] = True


class StationOverrideForm(RemoteOverrideForm):
    """The physician's own username and password on the nurse's screen, then the same fields."""

    physician_username = forms.CharField(
        label="Physician's username",
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
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

    field_order = [
        "physician_username",
        "physician_password",
        "totp_code",
        "rule_ids",
        "allowed_dose_mg",
        "reason",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_ids"].widget.attrs.pop("autofocus", None)
        self.fields["totp_code"].label = "Physician's authenticator code"
