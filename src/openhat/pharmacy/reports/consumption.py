"""Monthly consumption per product: received, issued, returned, wasted, destroyed, adjusted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.pharmacy.models import EntryKind, LedgerEntry, Product
from openhat.pharmacy.reports.periods import ZERO, MonthRange

# --- monthly consumption --------------------------------------------------------------------------

# How each kind counts in the consumption columns: (column, sign applied to the entry's signed
# quantity). A reversal counts in its original's column, in the month it was recorded, so a closed
# month's figures never change afterwards. Transfers and expiry removals move stock inside the
# clinic and are not consumption.
_CONSUMPTION_COLUMNS: dict[str, tuple[str, int]] = {
    EntryKind.RECEIPT: ("received_mg", 1),
    EntryKind.DOSE_ISSUED: ("issued_mg", -1),
    EntryKind.DOSE_RETURNED: ("returned_mg", 1),
    EntryKind.WASTE: ("wasted_mg", -1),
    EntryKind.DESTRUCTION: ("destroyed_mg", -1),
    EntryKind.ADJUSTMENT: ("adjusted_mg", 1),
    EntryKind.RECONSTITUTION: ("reconstituted_mg", 1),
}


@dataclass
class ConsumptionCell:
    month: date
    received_mg: Decimal = ZERO
    issued_mg: Decimal = ZERO
    returned_mg: Decimal = ZERO
    wasted_mg: Decimal = ZERO
    destroyed_mg: Decimal = ZERO
    adjusted_mg: Decimal = ZERO  # signed: + found, - missing
    reconstituted_mg: Decimal = ZERO  # signed: - vials used, + solution made

    @property
    def dispensed_mg(self) -> Decimal:
        """Issued for doses minus returned."""
        return self.issued_mg - self.returned_mg

    def add(self, column: str, amount: Decimal) -> None:
        setattr(self, column, getattr(self, column) + amount)


@dataclass
class ConsumptionRow:
    product: Product
    cells: list[ConsumptionCell]
    total: ConsumptionCell


@dataclass(frozen=True)
class Consumption:
    clinic: Clinic
    months: MonthRange
    rows: list[ConsumptionRow]
    generated_at: datetime
    generated_by: str


def monthly_consumption(clinic: Clinic, months: MonthRange, *, generated_by: str) -> Consumption:
    sums = (
        LedgerEntry.objects.filter(
            clinic=clinic, at__gte=months.start(clinic), at__lt=months.end(clinic)
        )
        .annotate(month=TruncMonth("at", tzinfo=clinic.zone))
        .values("product_id", "month", "kind", "reverses__kind")
        .annotate(total=Sum("quantity_mg"))
        .order_by()
    )
    grid: dict[int, dict[date, ConsumptionCell]] = {}
    for item in sums:
        kind = item["reverses__kind"] if item["kind"] == EntryKind.REVERSAL else item["kind"]
        if kind not in _CONSUMPTION_COLUMNS:
            continue
        column, sign = _CONSUMPTION_COLUMNS[kind]
        month = timezone.localtime(item["month"], clinic.zone).date().replace(day=1)
        by_month = grid.setdefault(item["product_id"], {})
        by_month.setdefault(month, ConsumptionCell(month)).add(column, sign * item["total"])
    products = Product.objects.filter(clinic=clinic).filter(
        Q(is_active=True) | Q(pk__in=list(grid))
    )
    rows = []
    for product in products.order_by("code"):
        cells = [
            grid.get(product.pk, {}).get(month, ConsumptionCell(month)) for month in months.months
        ]
        total = ConsumptionCell(months.first)
        for cell in cells:
            for column, _ in _CONSUMPTION_COLUMNS.values():
                total.add(column, getattr(cell, column))
        rows.append(ConsumptionRow(product, cells, total))
    return Consumption(
        clinic, months, rows, timezone.localtime(clock.now(), clinic.zone), generated_by
    )
