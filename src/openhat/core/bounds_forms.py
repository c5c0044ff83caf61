"""The shared bounds (openhat/core/bounds.py) in Django forms: the same refusals as the API's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from openhat.core.bounds import (
    OutOfBounds,
    check_date,
    check_integer,
    check_text,
    parse_decimal,
)


def _form_check(check: Any) -> Any:
    def validate(value: Any) -> None:
        if value in (None, ""):
            return
        try:
            check(value)
        except OutOfBounds as refused:
            raise ValidationError(refused.message, code=refused.code) from None

    return validate


def _text_of_a_form(value: Any) -> None:
    # A browser sends tab and line breaks from a textarea; nothing else below 0x20 is typed.
    check_text(str(value), multi_line=True)


_FORM_TEXT = _form_check(_text_of_a_form)
_FORM_DATE = _form_check(check_date)


def install_form_bounds() -> None:
    """Every form field of the project (and of the libraries' sign-in forms) gets the bounds.

    Set on the field classes once, when the core app is ready, so no form can forget them: a form
    CharField refuses control characters (Django itself refuses only NUL), and a DateField or
    DateTimeField a date outside the window, which would overflow the day arithmetic behind it.
    """
    if _FORM_TEXT not in forms.CharField.default_validators:
        forms.CharField.default_validators = [*forms.CharField.default_validators, _FORM_TEXT]
    for field_class in (forms.DateField, forms.DateTimeField):
        if _FORM_DATE not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, _FORM_DATE]


class _NumberTextField(forms.Field):
    """Text typed on a page, read as a number by the shared rules."""

    widget = forms.TextInput
    input_mode = "decimal"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": self.input_mode, "autocomplete": "off"}

    def to_python(self, value: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            return self.read(text)
        except OutOfBounds as refused:
            # A form may word a refusal its own way (error_messages={"number_too_small": ...}).
            message = self.error_messages.get(refused.code, refused.message)
            raise ValidationError(message, code=refused.code) from None

    def read(self, text: str) -> Any:
        raise NotImplementedError


class DecimalTextField(_NumberTextField):
    """A number typed on a page, read by `parse_decimal` (Django's DecimalField reads "١٢٠")."""

    def __init__(
        self,
        *,
        max_digits: int = 12,
        places: int = 3,
        ceiling: Decimal | None = None,
        floor: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_digits, self.places = max_digits, places
        self.ceiling, self.floor = ceiling, floor

    def read(self, text: str) -> Decimal:
        return parse_decimal(
            text,
            max_digits=self.max_digits,
            places=self.places,
            ceiling=self.ceiling,
            floor=self.floor,
        )


class IntegerTextField(_NumberTextField):
    """A whole number typed on a page, in ASCII digits (Django's IntegerField reads "٢" as 2)."""

    input_mode = "numeric"

    def __init__(self, *, min_value: int = 0, max_value: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def read(self, text: str) -> int:
        number = parse_decimal(text, max_digits=len(str(self.max_value)), places=0)
        return check_integer(int(number), floor=self.min_value, ceiling=self.max_value)
