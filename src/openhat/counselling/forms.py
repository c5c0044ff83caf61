"""The note form: its shape only; counselling.services holds the rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from openhat.core.bounds_forms import IntegerTextField
from openhat.counselling.models import MAX_NOTE_LENGTH


class NoteForm(forms.Form):
    session_on = forms.DateField(
        label="Session on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for today.",
    )
    body = forms.CharField(
        label="Note",
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write the note."},
    )
    corrects = IntegerTextField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1
    )
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"note-{uuid.uuid4()}"
