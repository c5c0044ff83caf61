"""Quantities: Decimal only, never float; units are checked, never assumed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from openhat.rules.errors import ContextError, UnitError

MASS_UNITS_IN_MG = {"mg": Decimal(1), "g": Decimal(1000), "mcg": Decimal("0.001")}
VOLUME_UNITS = {"ml", "l"}


def exact_decimal(value: object, field: str) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; floats are refused (inexact)."""
    if isinstance(value, bool | float):
        raise ContextError(
            field, f"{value!r} must be a Decimal, a whole number or a numeric string, not a float"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ContextError(field, f"{value!r} is not a number") from None
    else:
        raise ContextError(field, f"{value!r} is not a number")
    if not number.is_finite():
        raise ContextError(field, f"{value!r} is not a finite number")
    return number


def non_negative_mg(value: object, field: str) -> Decimal:
    number = exact_decimal(value, field)
    if number < 0:
        raise ContextError(field, f"{number} mg is negative")
    return number


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount with its unit, as typed at a station or read from a product."""

    amount: Decimal
    unit: str

    def in_mg(self, field: str = "dose") -> Decimal:
        unit = self.unit.strip().lower()
        if unit in VOLUME_UNITS:
            raise UnitError(
                field,
                f"{self.amount} {self.unit} is a volume where a mass in mg is meant; "
                "convert with the solution's concentration (mg/mL) first",
            )
        if unit not in MASS_UNITS_IN_MG:
            raise UnitError(field, f"unknown unit {self.unit!r}; use mg, g or mcg")
        return non_negative_mg(self.amount, field) * MASS_UNITS_IN_MG[unit]


def require_aware(moment: object, field: str) -> datetime:
    if not isinstance(moment, datetime):
        raise ContextError(field, f"{moment!r} is not a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ContextError(
            field, "a naive datetime (no time zone) is ambiguous; give an aware datetime"
        )
    return moment
