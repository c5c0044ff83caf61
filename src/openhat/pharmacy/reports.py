"""Registers and reports read off the controlled-substance ledger (CLINIC.md §6). Nothing here writes.

- `narcotics_register`: one product over a period in the German BtM-book style: the opening
  balance, every ledger entry in ledger order with its in (Zugang) and out (Abgang) quantities in mg
  (and mL for liquids) and the product's running balance as the ledger stored it, then the closing
  balance.
- `monthly_consumption`: per product and clinic-local month, mg received, issued for doses,
  returned, wasted, destroyed, adjusted, and moved by reconstitution.
- `inventory_on`: stock on hand per product, lot and location at the end of a clinic-local day,
  read from each lot's running balance in the ledger (the basis of a US Schedule I inventory record).
- `loss_records`: every negative count adjustment, every waste not linked to a dose, and every
  count that found less than the ledger expected, with its investigation and closure.

Periods are clinic-local calendar dates. The register cuts the ledger at chain positions: it starts
at the first entry written at or after local midnight of the first day and ends before the first
entry written from local midnight after the last day. Each entry's stored product balance is a
running sum in chain order, so opening + movements = closing holds exactly, and the balance column
is the ledger's own, never recomputed. No figure passes through a float.

Every input a person or an API client sends is parsed here, so pages and the API refuse the same
things with the same codes: `invalid_date`, `invalid_month`, `invalid_year`, `period_reversed`,
`period_too_long`, `date_in_future`, `product_required`, `invalid_id` (400) and `unknown_product`
(404).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.pharmacy.models import (
    Discrepancy,
    EntryKind,
    LedgerEntry,
    Product,
)
from openhat.pharmacy.services.lookup import product_of

ZERO = Decimal("0.000")  # mg, to the ledger's 0.001 mg
# A year's register of the busiest product is tens of thousands of rows: enough for one page.
MAX_REGISTER_DAYS = 366
MAX_CONSUMPTION_MONTHS = 60
# Dates far outside this range cannot be turned into a moment in every time zone.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)
MAX_ID_DIGITS = 18


# --- parsing what was asked ---------------------------------------------------------------------


def clinic_today(clinic: Clinic) -> date:
    return clock.now().astimezone(clinic.zone).date()


def parse_date(text: str | None, field_name: str) -> date | None:
    """An ISO date (YYYY-MM-DD), None when blank, or a refusal naming the field."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "invalid_date", f"{value[:40]!r} is not a date; write YYYY-MM-DD.", field_name
        ) from None
    return _in_range(day, field_name, "invalid_date")


def _in_range(day: date, field_name: str, code: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise DomainError(code, f"Choose a date from {EARLIEST:%Y} to {LATEST:%Y}.", field_name)
    return day


@dataclass(frozen=True)
class Period:
    """Clinic-local calendar days, both ends included."""

    since: date
    until: date

    def start(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, self.since)

    def end(self, clinic: Clinic) -> datetime:
        """The first moment after the period: local midnight after the last day."""
        return local_midnight(clinic, self.until + timedelta(days=1))


def local_midnight(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time.min, clinic.zone)


def _ordered(since: date, until: date, max_days: int | None) -> Period:
    if until < since:
        raise DomainError(
            "period_reversed",
            f"The period ends ({until:%Y-%m-%d}) before it starts ({since:%Y-%m-%d}).",
            "until",
        )
    if max_days is not None and (until - since).days + 1 > max_days:
        raise DomainError(
            "period_too_long",
            f"Choose a period of at most {max_days} days; split a longer one.",
            "until",
        )
    return Period(since, until)


def parse_period(
    clinic: Clinic,
    since_text: str | None,
    until_text: str | None,
    *,
    max_days: int | None = MAX_REGISTER_DAYS,
) -> Period:
    """The period asked for; by default from the first of the current month to today."""
    since = parse_date(since_text, "since")
    until = parse_date(until_text, "until")
    if until is None:
        until = max(clinic_today(clinic), since or EARLIEST)
    if since is None:
        since = until.replace(day=1)
    return _ordered(since, until, max_days)


def parse_open_period(
    clinic: Clinic, since_text: str | None, until_text: str | None
) -> Period | None:
    """An optional period (None: all records); a missing start is open, a missing end is today."""
    since = parse_date(since_text, "since")
    until = parse_date(until_text, "until")
    if since is None and until is None:
        return None
    since = since or EARLIEST
    return _ordered(since, until or max(clinic_today(clinic), since), None)


def parse_month(text: str | None, field_name: str) -> date | None:
    """YYYY-MM as the first day of that month, None when blank."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM"):
            raise ValueError(value)
        month = date.fromisoformat(f"{value}-01")
    except ValueError:
        raise DomainError(
            "invalid_month", f"{value[:40]!r} is not a month; write YYYY-MM.", field_name
        ) from None
    return _in_range(month, field_name, "invalid_month")


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthRange:
    first: date  # first day of the first month
    last: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        months = [self.first]
        while months[-1] < self.last:
            months.append(add_months(months[-1], 1))
        return months

    def start(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, self.first)

    def end(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, add_months(self.last, 1))


def parse_months(
    clinic: Clinic, year_text: str | None, since_text: str | None, until_text: str | None
) -> MonthRange:
    """A year (YYYY), or a range of months (YYYY-MM to YYYY-MM); by default the current year."""
    year_value = (year_text or "").strip()
    since = parse_month(since_text, "since")
    until = parse_month(until_text, "until")
    if year_value:
        if since or until:
            raise DomainError(
                "period_ambiguous", "Give either a year or a range of months, not both.", "year"
            )
        if not (year_value.isascii() and year_value.isdigit() and len(year_value) == 4):
            raise DomainError(
                "invalid_year", f"{year_value[:40]!r} is not a year; write YYYY.", "year"
            )
        year = int(year_value)
        if not EARLIEST.year <= year <= LATEST.year:
            raise DomainError(
                "invalid_year", f"Choose a year from {EARLIEST:%Y} to {LATEST:%Y}.", "year"
            )
        return MonthRange(date(year, 1, 1), date(year, 12, 1))
    this_month = clinic_today(clinic).replace(day=1)
    if since is None and until is None:
        return MonthRange(this_month.replace(month=1), this_month.replace(month=12))
    if since is None:
        assert until is not None
        since = until.replace(month=1)
    if until is None:
        until = max(since, this_month)
    if until < since:
        raise DomainError(
            "period_reversed",
            f"The range ends ({until:%Y-%m}) before it starts ({since:%Y-%m}).",
            "until",
        )
    span = (until.year - since.year) * 12 + until.month - since.month + 1
    if span > MAX_CONSUMPTION_MONTHS:
        raise DomainError(
            "period_too_long",
            f"Choose at most {MAX_CONSUMPTION_MONTHS} months; split a longer range.",
            "until",
        )
    return MonthRange(since, until)


def report_product(clinic: Clinic, product_id: object) -> Product:
    """The clinic's product asked for: 400 when missing or not a number, 404 when unknown."""
    text = "" if product_id is None else str(product_id).strip()
    if not text:
        raise DomainError("product_required", "Choose a product.", "product")
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise DomainError("invalid_id", f"{text[:40]!r} is not a product number.", "product")
    return product_of(clinic, text)


def parse_on_date(clinic: Clinic, text: str | None) -> date:
    """The inventory date: today when blank, never in the future."""
    day = parse_date(text, "on")
    today = clinic_today(clinic)
    if day is None:
        return today
    if day > today:
        raise DomainError(
            "date_in_future",
            f"An inventory is of stock on hand; {day:%Y-%m-%d} is after today.",
            "on",
        )
    return day


# --- where a period cuts the ledger ---------------------------------------------------------------


def _cut(clinic: Clinic, moment: datetime) -> int | None:
    """The chain position of the first entry written at or after `moment` (None: none yet)."""
    return (
        LedgerEntry.objects.filter(clinic=clinic, at__gte=moment)
        .order_by("at", "chain_seq")
        .values_list("chain_seq", flat=True)
        .first()
    )


def _before(cut: int | None) -> Q:
    return Q() if cut is None else Q(chain_seq__lt=cut)


# --- the narcotics register ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLine:
    seq: int
    at: datetime  # clinic-local
    kind: str
    kind_label: str
    lot_number: str
    location: str
    in_mg: Decimal | None
    in_ml: Decimal | None
    out_mg: Decimal | None
    out_ml: Decimal | None
    balance_mg: (
        Decimal  # the product's clinic-wide balance after this entry, as the ledger keeps it
    )
    balance_ml: Decimal | None
    lot_balance_mg: Decimal  # the lot's balance at this location after this entry
    lot_balance_ml: Decimal | None
    supplier: str
    document_number: str
    patient: str  # client code
    dose_reference: str
    actor: str
    witness: str
    reason: str
    reverses_seq: int | None
    reverses_kind: str
    reversed_by_seq: int | None

    @property
    def quantity_mg(self) -> Decimal:
        return (self.in_mg or ZERO) - (self.out_mg or ZERO)

    @property
    def note(self) -> str:
        if self.reverses_seq is not None:
            return f"Reversal of {EntryKind(self.reverses_kind).label.lower()} #{self.reverses_seq}"
        if self.reversed_by_seq is not None:
            return f"Reversed by #{self.reversed_by_seq}"
        return ""


@dataclass(frozen=True)
class Register:
    clinic: Clinic
    product: Product
    period: Period
    opening_mg: Decimal
    closing_mg: Decimal
    lines: list[RegisterLine]
    generated_at: datetime
    generated_by: str

    @property
    def is_liquid(self) -> bool:
        return self.product.is_liquid

    @property
    def strength(self) -> str:
        return strength_text(self.product)

    @property
    def opening_ml(self) -> Decimal | None:
        return self.product.ml_for(self.opening_mg)

    @property
    def closing_ml(self) -> Decimal | None:
        return self.product.ml_for(self.closing_mg)

    @property
    def total_in_mg(self) -> Decimal:
        return sum((line.in_mg or ZERO for line in self.lines), ZERO)

    @property
    def total_out_mg(self) -> Decimal:
        return sum((line.out_mg or ZERO for line in self.lines), ZERO)

    @property
    def total_in_ml(self) -> Decimal | None:
        if not self.is_liquid:
            return None
        return sum((line.in_ml or ZERO for line in self.lines), ZERO)

    @property
    def total_out_ml(self) -> Decimal | None:
        if not self.is_liquid:
            return None
        return sum((line.out_ml or ZERO for line in self.lines), ZERO)


def _split(quantity: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(in, out) of a signed quantity, both positive."""
    if quantity is None:
        return None, None
    if quantity > 0:
        return quantity, None
    return None, -quantity


def narcotics_register(
    clinic: Clinic, product: Product, period: Period, *, generated_by: str
) -> Register:
    start = _cut(clinic, period.start(clinic))
    end = _cut(clinic, period.end(clinic))
    product_entries = LedgerEntry.objects.filter(clinic=clinic, product=product)
    opening = (
        product_entries.filter(_before(start))
        .order_by("-chain_seq")
        .values_list("product_balance_mg", flat=True)
        .first()
    )
    opening_mg = opening if opening is not None else ZERO
    entries = (
        LedgerEntry.objects.none()
        if start is None
        else product_entries.filter(_before(end), chain_seq__gte=start)
        .select_related("lot", "location", "patient", "reverses")
        .annotate(reversed_by_seq=F("reversed_by__chain_seq"))
        .order_by("chain_seq")
    )
    lines = []
    for entry in entries:
        in_mg, out_mg = _split(entry.quantity_mg)
        in_ml, out_ml = _split(entry.volume_ml)
        receipt = entry.kind == EntryKind.RECEIPT
        lines.append(
            RegisterLine(
                seq=entry.chain_seq,
                at=timezone.localtime(entry.at, clinic.zone),
                kind=entry.kind,
                kind_label=EntryKind(entry.kind).label,
                lot_number=entry.lot.lot_number,
                location=entry.location.name,
                in_mg=in_mg,
                in_ml=in_ml,
                out_mg=out_mg,
                out_ml=out_ml,
                balance_mg=entry.product_balance_mg,
                balance_ml=product.ml_for(entry.product_balance_mg),
                lot_balance_mg=entry.balance_mg,
                lot_balance_ml=entry.balance_ml,
                supplier=entry.lot.supplier if receipt else "",
                document_number=entry.document_number,
                patient=entry.patient.client_code if entry.patient else "",
                dose_reference=entry.dose_reference,
                actor=entry.actor_username,
                witness=entry.witness_username,
                # A receipt's reason is its supplier, shown in its own column already.
                reason="" if receipt else entry.reason,
                reverses_seq=entry.reverses.chain_seq if entry.reverses else None,
                reverses_kind=entry.reverses.kind if entry.reverses else "",
                reversed_by_seq=getattr(entry, "reversed_by_seq", None),
            )
        )
    closing_mg = lines[-1].balance_mg if lines else opening_mg
    return Register(
        clinic=clinic,
        product=product,
        period=period,
        opening_mg=opening_mg,
        closing_mg=closing_mg,
        lines=lines,
        generated_at=timezone.localtime(clock.now(), clinic.zone),
        generated_by=generated_by,
    )


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
    last_movement_seq: int


@dataclass(frozen=True)
class Inventory:
    clinic: Clinic
    on: date
    as_of: datetime  # the end of the day counted (local midnight after it)
    lines: list[InventoryLine]
    ledger_position: int  # the last ledger entry the inventory includes (0: none)
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
    cut = _cut(clinic, as_of)
    included = LedgerEntry.objects.filter(_before(cut), clinic=clinic)
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
            last_movement_seq=entry.chain_seq,
        )
        for entry in entries
    ]
    position = (included.order_by("-chain_seq").values_list("chain_seq", flat=True).first()) or 0
    return Inventory(
        clinic=clinic,
        on=day,
        as_of=as_of,
        lines=lines,
        ledger_position=position,
        generated_at=timezone.localtime(clock.now(), clinic.zone),
        generated_by=generated_by,
    )


def _units(product: Product, quantity_mg: Decimal) -> Decimal:
    units = product.in_count_units(quantity_mg)
    # Whole vials, tablets and capsules print as whole numbers; mL keep the ledger's 0.001.
    if product.mg_per_unit is not None and units == units.to_integral_value():
        return units.quantize(Decimal("1"))
    return units


# --- losses -----------------------------------------------------------------------------------------


class LossKind:
    ADJUSTMENT = "negative_adjustment"
    WASTE = "waste_without_dose"
    DISCREPANCY = "count_shortfall"

    LABELS = {
        ADJUSTMENT: "Negative count adjustment",
        WASTE: "Waste not linked to a dose",
        DISCREPANCY: "Count shortfall (discrepancy)",
    }


@dataclass(frozen=True)
class LossRecord:
    kind: str
    reference: str  # "entry #<seq>" or "discrepancy <id>"
    at: datetime  # clinic-local: when it was recorded or the count found it
    product: str
    product_code: str
    lot_number: str
    location: str
    quantity_mg: Decimal  # lost, positive
    quantity_ml: Decimal | None
    recorded_by: str
    witness: str
    reason: str
    status: str  # recorded, reversed, open, closed
    closed_at: datetime | None
    closed_by: str
    investigation_note: str
    adjustment_reference: str

    @property
    def kind_label(self) -> str:
        return LossKind.LABELS[self.kind]


@dataclass(frozen=True)
class LossReport:
    clinic: Clinic
    period: Period | None
    records: list[LossRecord]
    generated_at: datetime
    generated_by: str

    @property
    def open_count(self) -> int:
        return sum(1 for record in self.records if record.status == "open")


def loss_records(clinic: Clinic, period: Period | None, *, generated_by: str) -> LossReport:
    entries = (
        LedgerEntry.objects.filter(clinic=clinic)
        .filter(
            Q(kind=EntryKind.ADJUSTMENT, quantity_mg__lt=0)
            | Q(kind=EntryKind.WASTE, returns_entry__isnull=True)
        )
        .select_related("product", "lot", "location")
        .annotate(reversed_by_seq=F("reversed_by__chain_seq"), closes_id=F("closes__discrepancy"))
    )
    discrepancies = (
        Discrepancy.objects.filter(clinic=clinic, difference_mg__lt=0)
        .select_related("product", "lot", "location", "count_line__count", "closure__adjustment")
        .order_by("opened_at")
    )
    if period is not None:
        start, end = period.start(clinic), period.end(clinic)
        entries = entries.filter(at__gte=start, at__lt=end)
        discrepancies = discrepancies.filter(opened_at__gte=start, opened_at__lt=end)
    records = [_entry_loss(clinic, entry) for entry in entries.order_by("chain_seq")]
    records += [_discrepancy_loss(clinic, discrepancy) for discrepancy in discrepancies]
    records.sort(key=lambda record: record.at)
    return LossReport(
        clinic, period, records, timezone.localtime(clock.now(), clinic.zone), generated_by
    )


def _entry_loss(clinic: Clinic, entry: LedgerEntry) -> LossRecord:
    reversed_by = getattr(entry, "reversed_by_seq", None)
    closes = getattr(entry, "closes_id", None)
    reason = entry.reason
    return LossRecord(
        kind=LossKind.ADJUSTMENT if entry.kind == EntryKind.ADJUSTMENT else LossKind.WASTE,
        reference=f"entry #{entry.chain_seq}",
        at=timezone.localtime(entry.at, clinic.zone),
        product=entry.product.name,
        product_code=entry.product.code,
        lot_number=entry.lot.lot_number,
        location=entry.location.name,
        quantity_mg=-entry.quantity_mg,
        quantity_ml=-entry.volume_ml if entry.volume_ml is not None else None,
        recorded_by=entry.actor_username,
        witness=entry.witness_username,
        reason=reason,
        status="reversed" if reversed_by is not None else "recorded",
        closed_at=None,
        closed_by="",
        investigation_note="",
        adjustment_reference=(
            f"reversed by entry #{reversed_by}"
            if reversed_by is not None
            else (f"closes discrepancy {closes}" if closes is not None else "")
        ),
    )


def _discrepancy_loss(clinic: Clinic, discrepancy: Discrepancy) -> LossRecord:
    closure = getattr(discrepancy, "closure", None)
    count = discrepancy.count_line.count
    shortfall = -discrepancy.difference_mg
    return LossRecord(
        kind=LossKind.DISCREPANCY,
        reference=f"discrepancy {discrepancy.pk}",
        at=timezone.localtime(discrepancy.opened_at, clinic.zone),
        product=discrepancy.product.name,
        product_code=discrepancy.product.code,
        lot_number=discrepancy.lot.lot_number,
        location=discrepancy.location.name,
        quantity_mg=shortfall,
        quantity_ml=discrepancy.product.ml_for(shortfall),
        recorded_by=count.counted_by_username,
        witness="",
        reason=(
            f"{count.get_occasion_display()} count: expected "
            f"{discrepancy.count_line.expected_mg} mg, counted {discrepancy.count_line.counted_mg} mg"
        ),
        status="closed" if closure else "open",
        closed_at=timezone.localtime(closure.closed_at, clinic.zone) if closure else None,
        closed_by=closure.closed_by_username if closure else "",
        investigation_note=closure.investigation_note if closure else "",
        adjustment_reference=(
            f"adjusted by entry #{closure.adjustment.chain_seq}"
            if closure and closure.adjustment
            else ""
        ),
    )


# --- CSV ----------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet cannot run: text starting like a formula gets a leading quote.

    Numbers, dates and times are written by this module, never by a person, and stay as they are
    (a negative adjustment is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, int)):
        return value.isoformat() if isinstance(value, date) else str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


REGISTER_CSV_HEADER = (
    "seq",
    "at",
    "kind",
    "lot",
    "location",
    "in_mg",
    "in_ml",
    "out_mg",
    "out_ml",
    "balance_mg",
    "balance_ml",
    "lot_balance_mg",
    "lot_balance_ml",
    "supplier",
    "document",
    "patient",
    "dose_reference",
    "actor",
    "witness",
    "reason",
    "note",
)


def register_csv(register: Register) -> str:
    """One row per ledger entry, between an opening-balance and a closing-balance row."""
    start = register.period.start(register.clinic)
    end = register.period.end(register.clinic)
    opening = ["", start, "opening_balance", "", "", "", "", "", ""]
    closing = ["", end, "closing_balance", "", "", "", "", "", ""]
    rows: list[list[object]] = [
        [*opening, register.opening_mg, register.opening_ml, *[""] * 10],
    ]
    for line in register.lines:
        rows.append(
            [
                line.seq,
                line.at,
                line.kind,
                line.lot_number,
                line.location,
                line.in_mg,
                line.in_ml,
                line.out_mg,
                line.out_ml,
                line.balance_mg,
                line.balance_ml,
                line.lot_balance_mg,
                line.lot_balance_ml,
                line.supplier,
                line.document_number,
                line.patient,
                line.dose_reference,
                line.actor,
                line.witness,
                line.reason,
                line.note,
            ]
        )
    rows.append([*closing, register.closing_mg, register.closing_ml, *[""] * 10])
    return to_csv(REGISTER_CSV_HEADER, rows)


CONSUMPTION_CSV_HEADER = (
    "product",
    "product_name",
    "month",
    "received_mg",
    "issued_mg",
    "returned_mg",
    "dispensed_mg",
    "wasted_mg",
    "destroyed_mg",
    "adjusted_mg",
    "reconstituted_mg",
)


def consumption_csv(consumption: Consumption) -> str:
    rows = [
        [
            row.product.code,
            row.product.name,
            cell.month.strftime("%Y-%m"),
            cell.received_mg,
            cell.issued_mg,
            cell.returned_mg,
            cell.dispensed_mg,
            cell.wasted_mg,
            cell.destroyed_mg,
            cell.adjusted_mg,
            cell.reconstituted_mg,
        ]
        for row in consumption.rows
        for cell in row.cells
    ]
    return to_csv(CONSUMPTION_CSV_HEADER, rows)


INVENTORY_CSV_HEADER = (
    "product",
    "product_name",
    "form",
    "strength",
    "lot",
    "supplier",
    "expires_on",
    "location",
    "units",
    "unit",
    "balance_mg",
    "balance_ml",
    "last_movement_at",
    "inventory_as_of",
    "taken_by",
)


def strength_text(product: Product) -> str:
    if product.mg_per_ml is not None:
        return f"{product.mg_per_ml.normalize():f} mg/mL"
    if product.mg_per_unit is not None:
        return f"{product.mg_per_unit.normalize():f} mg/{product.count_unit}"
    return ""


def inventory_csv(inventory: Inventory) -> str:
    rows = [
        [
            line.product.code,
            line.product.name,
            line.product.get_kind_display(),
            strength_text(line.product),
            line.lot_number,
            line.supplier,
            line.expires_on,
            line.location,
            line.units,
            line.product.get_count_unit_display(),
            line.balance_mg,
            line.balance_ml,
            line.last_movement_at,
            timezone.localtime(inventory.as_of, inventory.clinic.zone),
            inventory.generated_by,
        ]
        for line in inventory.lines
    ]
    return to_csv(INVENTORY_CSV_HEADER, rows)


LOSS_CSV_HEADER = (
    "type",
    "reference",
    "at",
    "product",
    "product_name",
    "lot",
    "location",
    "quantity_mg",
    "quantity_ml",
    "recorded_by",
    "witness",
    "reason",
    "status",
    "closed_at",
    "closed_by",
    "investigation",
    "link",
)


def losses_csv(report: LossReport) -> str:
    rows = [
        [
            record.kind,
            record.reference,
            record.at,
            record.product_code,
            record.product,
            record.lot_number,
            record.location,
            record.quantity_mg,
            record.quantity_ml,
            record.recorded_by,
            record.witness,
            record.reason,
            record.status,
            record.closed_at,
            record.closed_by,
            record.investigation_note,
            record.adjustment_reference,
        ]
        for record in report.records
    ]
    return to_csv(LOSS_CSV_HEADER, rows)
