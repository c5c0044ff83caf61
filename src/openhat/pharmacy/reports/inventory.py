"""Stock on hand per product, lot and location at the end of a clinic-local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.pharmacy.models import LedgerEntry, Product
from openhat.pharmacy.reports.periods import ZERO, before, cut, local_midnight

# --- inventory at a date ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InventoryLine:
    product: Product
    lot_number: str
    supplier: str
    expires_on: date
    location: str
    location_kind: str
    balance_mg: Decimal
    balance_ml: Decimal | None
    units: Decimal  # in the product's unit of count (vials, tablets, capsules, mL)
    last_movement_at: datetime  # clinic-local
    last_entry: int  # the number of the lot's last ledger entry there


@dataclass(frozen=True)
class Inventory:
    clinic: Clinic
    on: date
    as_of: datetime  # the end of the day counted (local midnight after it)
    lines: list[InventoryLine]
    last_entry: int  # the number of the last ledger entry the inventory includes (0: none)
    generated_at: datetime
    generated_by: str

    @property
    def product_totals(self) -> list[tuple[Product, Decimal, Decimal | None]]:
        totals: dict[int, tuple[Product, Decimal]] = {}
        for line in self.lines:
            product, mg = totals.get(line.product.pk, (line.product, ZERO))
            totals[line.product.pk] = (product, mg + line.balance_mg)
        return [
            (product, mg, product.ml_for(mg))
            for product, mg in sorted(totals.values(), key=lambda item: item[0].code)
        ]


def inventory_on(clinic: Clinic, day: date, *, generated_by: str) -> Inventory:
    """Stock on hand at the close of `day`: each lot's running balance at each location after the
    last entry written before the next local midnight."""
    as_of = local_midnight(clinic, day + timedelta(days=1))
    position = cut(clinic, as_of)
    included = LedgerEntry.objects.filter(before(position), clinic=clinic)
    latest = (
        included.order_by("lot_id", "location_id", "-chain_seq")
        .distinct("lot_id", "location_id")
        .values("pk")
    )
    entries = (
        LedgerEntry.objects.filter(pk__in=latest, balance_mg__gt=0)
        .select_related("product", "lot", "location")
        .order_by("product__code", "lot__expires_on", "lot__lot_number", "location__code")
    )
    lines = [
        InventoryLine(
            product=entry.product,
            lot_number=entry.lot.lot_number,
            supplier=entry.lot.supplier,
            expires_on=entry.lot.expires_on,
            location=entry.location.name,
            location_kind=entry.location.get_kind_display(),
            balance_mg=entry.balance_mg,
            balance_ml=entry.balance_ml,
            units=_units(entry.product, entry.balance_mg),
            last_movement_at=timezone.localtime(entry.at, clinic.zone),
            last_entry=entry.pk,
        )
        for entry in entries
    ]
    last_entry = (included.order_by("-chain_seq").values_list("pk", flat=True).first()) or 0
    return Inventory(
        clinic=clinic,
        on=day,
        as_of=as_of,
        lines=lines,
        last_entry=last_entry,
        generated_at=timezone.localtime(clock.now(), clinic.zone),
        generated_by=generated_by,
    )


def _units(product: Product, quantity_mg: Decimal) -> Decimal:
    units = product.in_count_units(quantity_mg)
    # Whole vials, tablets and capsules print as whole numbers; mL keep the ledger's 0.001.
    if product.mg_per_unit is not None and units == units.to_integral_value():
        return units.quantize(Decimal("1"))
    return units
