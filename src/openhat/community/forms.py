"""The community log's form: its shape only; community.services holds the rules."""

from __future__ import annotations

from django import forms

from openhat.community.models import MAX_ACTION_LENGTH, MAX_DESCRIPTION_LENGTH, LogCategory
from openhat.core.bounds_forms import IntegerTextField

NO_PATIENTS = (
    "Name no patient: no name and no client code (an entry with a client code of this clinic's "
    "patients is refused). The log is published as counts by month and category."
)


class EntryForm(forms.Form):
    occurred_on = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the day it happened.", "invalid": "Write YYYY-MM-DD."},
    )
    category = forms.ChoiceField(
        label="Category",
        choices=[("", "Choose…"), *LogCategory.choices],
        error_messages={"required": "Choose a category."},
    )
    description = forms.CharField(
        label="What happened",
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=NO_PATIENTS,
        error_messages={"required": "Say what happened."},
    )
    action_taken = forms.CharField(
        label="What was done",
        max_length=MAX_ACTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. spoke with the neighbour, called the police, met the residents' group.",
        error_messages={"required": "Say what was done."},
    )
    corrects = IntegerTextField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1
    )
