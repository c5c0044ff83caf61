"""Forms of the account pages. They check the shape of input; the services decide the rest."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from openhat.core.bounds_forms import IntegerTextField


class SignInForm(AuthenticationForm):
    """Django's sign-in form (which passes the request on to authenticate, as django-axes needs)
    with the attributes a shared clinic tablet wants."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}
        )


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "class": "code-input",
                "autofocus": True,
            }
        ),
    )


class ClinicSwitchForm(forms.Form):
    clinic = forms.CharField(max_length=5)
    next = forms.CharField(max_length=2000, required=False)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What the token is for, e.g. the device or script that will use it.",
    )


class TokenRevokeForm(forms.Form):
    token_id = IntegerTextField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
