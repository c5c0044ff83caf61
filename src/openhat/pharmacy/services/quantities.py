"""Turning what a person typed (an amount and a unit) into mg of one product, or a clear refusal."""

from __future__ import annotations

from decimal import Decimal

from openhat.core import bounds
from openhat.core.errors import DomainError
from openhat.pharmacy.models import CountUnit, Product
from openhat.pharmacy.models.catalogue import MG_PLACES

MAX_QUANTITY_MG = Decimal("100000000")  # 100 kg: far above any delivery; catches typos
# What may be typed: nine digits before the point and six after it (as the API's schemas); the
# amount in mg is then kept to MG_PLACES.
QUANTITY_DIGITS = 15
QUANTITY_DECIMALS = 6


def as_decimal(value: object, field: str = "quantity") -> Decimal:
    """The shared reading of a typed number (openhat/core/bounds.py): ASCII digits and a point."""
    return bounds.typed_number(
        value,
        field,
        code="quantity_not_a_number",
        message=f"{str(value)[:40]!r} is not a number.",
        max_digits=QUANTITY_DIGITS,
        places=QUANTITY_DECIMALS,
    )


def to_mg(product: Product, amount: object, unit: str, field: str = "quantity") -> Decimal:
    """The amount in mg. Refuses zero or negative amounts, units the product is not kept in, and
    part of a vial, tablet or capsule."""
    quantity = as_decimal(amount, field)
    if quantity <= 0:
        raise DomainError(
            "quantity_not_positive",
            "Enter a quantity above zero; corrections are reversals.",
            field,
        )
    unit = (unit or "").strip().lower()
    if unit not in product.units:
        allowed = ", ".join(product.units)
        raise DomainError(
            "quantity_wrong_unit",
            f"{product.name} is counted in {allowed}, not {unit or 'no unit'}.",
            field,
        )
    if unit == CountUnit.MG:
        quantity_mg = quantity
    elif unit == CountUnit.ML:
        assert product.mg_per_ml is not None  # product.units offers mL only for liquids
        quantity_mg = quantity * product.mg_per_ml
    else:
        if quantity != quantity.to_integral_value():
            raise DomainError(
                "quantity_not_whole",
                f"{product.name} is counted in whole {unit}s; {quantity} is not a whole number.",
                field,
            )
        assert product.mg_per_unit is not None
        quantity_mg = quantity * product.mg_per_unit
    if quantity_mg != quantity_mg.quantize(MG_PLACES):
        raise DomainError(
            "quantity_too_precise", "Quantities are kept to 0.001 mg; round the amount.", field
        )
    if quantity_mg > MAX_QUANTITY_MG:
        raise DomainError("quantity_too_large", "That quantity is implausibly large.", field)
    return quantity_mg.quantize(MG_PLACES)
