"""A ZRH formulary (products and locations) and small helpers for pharmacy tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from openhat.core.clock import clinic_today
from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.models import Lot, StockBalance
from openhat.pharmacy.services import receive_stock
from tests.conftest import Personas


@pytest.fixture
def formulary(personas: Personas) -> Formulary:
    return set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)


def receive(
    personas: Personas,
    product: Any,
    location: Any,
    amount: object,
    unit: str,
    *,
    lot_number: str = "L-1",
    expires_on: date | None = None,
) -> Lot:
    movement = receive_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=product.pk,
        location_id=location.pk,
        lot_number=lot_number,
        supplier="Test supplier",
        expires_on=expires_on or clinic_today(personas.clinic) + timedelta(days=365),
        receipt_document="DN-1",
        amount=amount,
        unit=unit,
    )
    return movement.first.lot


def held(lot: Lot, location: Any) -> Decimal:
    row = StockBalance.objects.filter(lot=lot, location=location).first()
    return row.balance_mg if row else Decimal("0")
