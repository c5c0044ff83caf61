"""The interview form, built from the instrument version's items (no item is written here)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms

from openhat.interviews.definition import Definition, Item
from openhat.interviews.models import MissedReason

_WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,6}$")
_YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]


class _KeyedForm(forms.Form):
    """Carries a one-time key made when the form is shown: a double submit records once."""

    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"interview-{uuid.uuid4()}"


def _field_for(item: Item, recall_days: int) -> forms.Field:
    label = item.prompt(recall_days)
    if item.type == "yes_no":
        return forms.ChoiceField(label=label, choices=_YES_NO, required=False)
    if item.type == "choice":
        return forms.ChoiceField(label=label, choices=[("", "—"), *item.options], required=False)
    ceiling = recall_days if item.type == "days" else item.maximum
    return forms.CharField(
        label=label,
        required=False,
        max_length=7,
        help_text=f"{item.minimum} to {ceiling}",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4, "class": "answer-number"}),
    )


class InterviewForm(_KeyedForm):
    interviewed_on = forms.DateField(label="Day of the interview")
    outside_window_reason = forms.CharField(
        label="Why outside the window",
        required=False,
        max_length=2000,
        widget=forms.TextInput,
        help_text="Only needed when the day is outside the time point's window.",
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, definition: Definition, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition.items:
            self.fields[f"a_{item.code}"] = _field_for(item, definition.recall_days)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                section.title,
                [self[f"a_{item.code}"] for item in self.definition.items_of(section.code)],
            )
            for section in self.definition.sections
        ]

    def answers(self) -> dict[str, Any]:
        """The answers as the service takes them; a number that is not one is a form error."""
        found: dict[str, Any] = {}
        for item in self.definition.items:
            raw = (self.cleaned_data.get(f"a_{item.code}") or "").strip()
            if raw == "":
                found[item.code] = None
            elif item.type == "yes_no":
                found[item.code] = raw == "yes"
            elif item.type == "choice":
                found[item.code] = raw
            elif _WHOLE_NUMBER.match(raw):
                found[item.code] = int(raw)
            else:
                self.add_error(f"a_{item.code}", "Give a whole number in digits 0-9.")
        return found

    def show_error(self, field: str | None, message: str) -> None:
        name = (
            f"a_{field.removeprefix('answers.')}"
            if field and field.startswith("answers.")
            else field
        )
        self.add_error(name if name in self.fields else None, message)


class MissedForm(_KeyedForm):
    reason = forms.ChoiceField(
        label="Why was it missed", choices=[("", "—"), *MissedReason.choices], required=False
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def show_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)
