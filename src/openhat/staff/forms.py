"""Forms of the staff pages: they check the shape of input; the services decide the rest."""

from __future__ import annotations

from django import forms

from openhat.clinics.roles import Role

_NO_AUTOFILL = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


class InviteForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they will sign in with, e.g. a.keller. Letters, digits and @ . + - _",
        widget=forms.TextInput(attrs={**_NO_AUTOFILL, "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role in this clinic", choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role in this clinic", choices=Role.choices)


class JoinForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters; not a common password, not all digits, not like your "
        "username.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password_again = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
