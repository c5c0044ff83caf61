"""Bounds on every value that comes in: dates, numbers, text and path parts, checked at the edge.

One module, so a page and the API refuse the same value with the same words. The checks below are
plain functions that raise `OutOfBounds` (a DomainError: code, message, field). Adapters:
- pydantic/ninja schemas use the annotated types (`BoundedDate`, `decimal_type(...)`, `OneLineText`,
  `MultiLineText`); a refusal becomes a 422 with the check's own code (openhat/api.py);
- Django forms (`openhat.core.bounds_forms`): every form CharField refuses control characters and
  every DateField and DateTimeField a date out of range (`install_form_bounds`, run by the core
  app), and a number typed into a form is read with `parse_decimal` (`DecimalTextField`,
  `IntegerTextField`, or the services' parsers, which call it);
- paths and query strings: `openhat.core.middleware.InputBoundsMiddleware` refuses control
  characters before any view runs.

Decisions, so nobody has to guess them again:
- Dates lie within `YEARS_BACK` years before and `YEARS_AHEAD` years after today. Anything wider is a
  typo in a clinic, and the extremes ("0001-01-01", "9999-12-31") overflow date arithmetic.
- Numbers are written with the ASCII digits 0-9, an optional leading minus and at most one point.
  A decimal comma is refused with "use a point", not accepted: "1,5" is one and a half to a German
  reader and "1,500" fifteen hundred to an English one, and a dose must not depend on who reads it.
  Other scripts' digits are refused although Python reads "١٢٠" as 120: the number on the screen
  must be the number a colleague reads back. Exponents ("1e30"), "NaN" and "Infinity" are refused.
- Text holds no control character: PostgreSQL text cannot hold NUL, and the others are invisible
  on screen and on paper. Multi-line text may hold tab, line feed and carriage return.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import annotated_types
from django.utils import timezone
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from openhat.core.errors import DomainError

YEARS_BACK = 150
YEARS_AHEAD = 100

# Refused everywhere; `_MULTI_LINE_CONTROL` spares tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# For the OpenAPI description, so a client (and schemathesis) knows what is accepted.
ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

_PLAIN_NUMBER = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DECIMAL_COMMA = re.compile(r"^-?[0-9]*,[0-9]+$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_TEXT_OF_A_NUMBER = 40


class OutOfBounds(DomainError):
    """A value no record may hold; a 4xx with its code, like every DomainError."""


# The codes below. ADVICE: those that tell a client what to change, which the API gives as the
# error's code (openhat/api.py); a text or date it cannot read stays `invalid_input` there.
CODES = frozenset(
    {
        "control_character",
        "date_out_of_range",
        "decimal_comma",
        "digits_not_ascii",
        "invalid_date",
        "not_a_number",
        "number_not_plain",
        "number_out_of_range",
        "number_too_large",
        "number_too_precise",
        "number_too_small",
    }
)
ADVICE = CODES - {"control_character", "invalid_date", "not_a_number"}


# --- dates ---------------------------------------------------------------------------------------


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last day any date field accepts."""
    today = today or timezone.localdate()
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def check_date(day: date, field: str | None = None, today: date | None = None) -> date:
    """`day` (a date or a datetime), when it lies within the window around today."""
    earliest, latest = date_window(today)
    as_date = day.date() if isinstance(day, datetime) else day
    if not earliest <= as_date <= latest:
        raise OutOfBounds(
            "date_out_of_range",
            f"Choose a date from {earliest:%Y-%m-%d} to {latest:%Y-%m-%d}.",
            field,
        )
    return day


def parse_date(text: str | None, field: str | None = None) -> date | None:
    """An ISO calendar date (YYYY-MM-DD) within the window, None when blank."""
    value = (text or "").strip()
    if not value:
        return None
    if not _ISO_DATE.match(value):
        raise OutOfBounds("invalid_date", "Write the date as YYYY-MM-DD.", field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise OutOfBounds(
            "invalid_date", f"{value} is not a date in the calendar.", field
        ) from None
    return check_date(day, field)


def day_span_end(day: date) -> date:
    """The day after `day`, for half-open ranges; safe because `day` is within the window."""
    return day + timedelta(days=1)


# --- numbers -------------------------------------------------------------------------------------


def parse_decimal(
    value: object,
    field: str | None = None,
    *,
    max_digits: int = 12,
    places: int = 3,
    ceiling: Decimal | None = None,
    floor: Decimal | None = None,
) -> Decimal:
    """A number as typed or sent (text, int, finite float or Decimal), within its bounds.

    `max_digits` and `places` bound the digits before and after the point; `ceiling` and `floor`
    the value. A negative number passes unless `floor` says otherwise, so a service can still
    explain in its own words why a quantity must be above zero.
    """
    amount = _as_decimal(value, field)
    whole_digits = max(amount.adjusted() + 1, 1)
    if whole_digits > max_digits - places:
        raise OutOfBounds(
            "number_too_large",
            f"That number has more than {max_digits - places} digits before the point.",
            field,
        )
    exponent = int(amount.as_tuple().exponent)
    if exponent < -places:
        # Trailing zeros are harmless ("2.500" for a 0.01 field); more digits than that are not.
        trimmed = amount.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN")
        if trimmed != amount:
            raise OutOfBounds(
                "number_too_precise",
                f"Give at most {places} decimal place{'' if places == 1 else 's'}.",
                field,
            )
        amount = trimmed
    if ceiling is not None and amount > ceiling:
        raise OutOfBounds("number_too_large", f"Give at most {_plain(ceiling)}.", field)
    if floor is not None and amount < floor:
        raise OutOfBounds("number_too_small", f"Give at least {_plain(floor)}.", field)
    return amount


def typed_number(
    value: object,
    field: str,
    *,
    code: str,
    message: str,
    max_digits: int = 15,
    places: int = 6,
) -> Decimal:
    """`parse_decimal` for a service that answers "not a number" with its own code and words.

    The other refusals (a decimal comma, other digits, an exponent, too many digits) keep theirs.
    """
    try:
        return parse_decimal(value, field, max_digits=max_digits, places=places)
    except OutOfBounds as refused:
        if refused.code == "not_a_number":
            raise DomainError(code, message, field) from None
        raise


def _as_decimal(value: object, field: str | None) -> Decimal:
    if isinstance(value, bool):
        raise OutOfBounds("not_a_number", "Give a number.", field)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, float | Decimal):
        if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
            raise OutOfBounds("not_a_number", "Give a finite number.", field)
        value = format(value, "f") if isinstance(value, Decimal) else repr(value)
        if "e" in value.lower():  # a float this large or this small is no clinic's quantity
            raise OutOfBounds("number_out_of_range", "That number is out of range.", field)
    if not isinstance(value, str):
        raise OutOfBounds("not_a_number", "Give a number.", field)
    text = value.strip()
    if len(text) > MAX_TEXT_OF_A_NUMBER:
        raise OutOfBounds("number_too_large", "That number is too long.", field)
    if _PLAIN_NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
            raise OutOfBounds("not_a_number", "Give a number.", field) from None
    if _DECIMAL_COMMA.match(text):
        raise OutOfBounds(
            "decimal_comma",
            f"Write decimals with a point, not a comma: {text.replace(',', '.')}.",
            field,
        )
    if any(character.isdigit() and character not in "0123456789" for character in text):
        raise OutOfBounds("digits_not_ascii", "Type the number with the digits 0 to 9.", field)
    if text[:1].isdigit() and "e" in text.lower():
        raise OutOfBounds("number_not_plain", "Write the number out in digits, e.g. 2.5.", field)
    shown = text if len(text) <= 20 else f"{text[:20]}..."
    raise OutOfBounds("not_a_number", f"{shown!r} is not a number; write it like 2.5.", field)


def _plain(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


def check_integer(value: int, field: str | None = None, *, floor: int = 1, ceiling: int) -> int:
    if not floor <= value <= ceiling:
        raise OutOfBounds("number_out_of_range", f"Give a number from {floor} to {ceiling}.", field)
    return value


# --- text ----------------------------------------------------------------------------------------


def check_text(text: str, field: str | None = None, *, multi_line: bool = False) -> str:
    pattern = _MULTI_LINE_CONTROL if multi_line else _CONTROL
    if pattern.search(text):
        raise OutOfBounds(
            "control_character",
            "The text holds a control character (perhaps pasted from another program); remove it.",
            field,
        )
    return text


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


# --- pydantic/ninja adapters ---------------------------------------------------------------------


def _pydantic(check: Any) -> Any:
    """Run a check inside pydantic: an OutOfBounds becomes an error typed with its code."""

    def validate(value: Any) -> Any:
        try:
            return check(value)
        except OutOfBounds as refused:
            raise PydanticCustomError(refused.code, refused.message) from None

    return validate


def _iso_date_only(value: Any) -> Any:
    """Only "YYYY-MM-DD": pydantic alone would also take 0 or 1700000000 as a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("invalid_date", "Write the date as YYYY-MM-DD.")
    return value


BoundedDate = Annotated[
    date, BeforeValidator(_iso_date_only), AfterValidator(_pydantic(check_date))
]
BoundedAwareDatetime = Annotated[AwareDatetime, AfterValidator(_pydantic(check_date))]


def _text_check(*, multi_line: bool) -> Any:
    """Before the pattern, so the refusal reads as a sentence rather than as the pattern."""

    def check(value: Any) -> Any:
        return check_text(value, multi_line=multi_line) if isinstance(value, str) else value

    return BeforeValidator(_pydantic(check))


OneLineText = Annotated[StrictStr, _text_check(multi_line=False), Field(pattern=ONE_LINE_PATTERN)]
MultiLineText = Annotated[
    StrictStr, _text_check(multi_line=True), Field(pattern=MULTI_LINE_PATTERN)
]
OneLineQuery = Annotated[str, _text_check(multi_line=False), Field(pattern=ONE_LINE_PATTERN)]


@dataclass(frozen=True)
class DecimalBounds(annotated_types.GroupedMetadata):
    """`Annotated[Decimal, DecimalBounds(...)]`: read by `parse_decimal`, from a JSON string ("2.5")
    or number (2.5), and described to clients as exactly that."""

    max_digits: int = 12
    places: int = 3
    ceiling: Decimal | None = None
    floor: Decimal | None = None

    def __iter__(self) -> Iterator[Any]:
        def read(value: Any) -> Decimal:
            return parse_decimal(
                value,
                max_digits=self.max_digits,
                places=self.places,
                ceiling=self.ceiling,
                floor=self.floor,
            )

        yield BeforeValidator(_pydantic(read))
        yield WithJsonSchema(self.json_schema())

    def json_schema(self) -> dict[str, Any]:
        whole = self.max_digits - self.places
        sign = "-?" if self.floor is None or self.floor < 0 else ""
        fraction = rf"(\.[0-9]{{0,{self.places}}})?" if self.places else ""
        number: dict[str, Any] = {"type": "number"}
        if self.ceiling is not None:
            number["maximum"] = float(self.ceiling)
        else:
            number["exclusiveMaximum"] = 10**whole
        if self.floor is not None:
            number["minimum"] = float(self.floor)
        else:
            number["exclusiveMinimum"] = -(10**whole)
        if self.places:
            number["multipleOf"] = float(Decimal(1).scaleb(-self.places))
        else:
            number["type"] = "integer"
        text = {"type": "string", "pattern": rf"^{sign}[0-9]{{1,{whole}}}{fraction}$"}
        return {"anyOf": [number, text]}
