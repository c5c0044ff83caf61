"""The narcotics register: one product over a period, opening balance, every entry, closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.pharmacy.jurisdictions import RecordKeeping, record_keeping
from openhat.pharmacy.models import EntryKind, LedgerEntry, Product
from openhat.pharmacy.reports.periods import ZERO, Period, before, cut


def strength_text(product: Product) -> str:
    if product.mg_per_ml is not None:
        return f"{product.mg_per_ml.normalize():f} mg/mL"
    if product.mg_per_unit is not None:
        return f"{product.mg_per_unit.normalize():f} mg/{product.count_unit}"
    return ""


# --- the narcotics register ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLine:
    # The ledger entry's number (its id): the same on every page, sheet, report and the API.
    entry: int
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
    reverses_entry: int | None
    reverses_kind: str
    reversed_by_entry: int | None

    @property
    def quantity_mg(self) -> Decimal:
        return (self.in_mg or ZERO) - (self.out_mg or ZERO)

    @property
    def note(self) -> str:
        if self.reverses_entry is not None:
            return (
                f"Reversal of {EntryKind(self.reverses_kind).label.lower()} #{self.reverses_entry}"
            )
        if self.reversed_by_entry is not None:
            return f"Reversed by #{self.reversed_by_entry}"
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
    def keeping(self) -> RecordKeeping:
        """The words and the authority of the clinic's jurisdiction."""
        return record_keeping(self.clinic.jurisdiction_preset)

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
    start = cut(clinic, period.start(clinic))
    end = cut(clinic, period.end(clinic))
    product_entries = LedgerEntry.objects.filter(clinic=clinic, product=product)
    opening = (
        product_entries.filter(before(start))
        .order_by("-chain_seq")
        .values_list("product_balance_mg", flat=True)
        .first()
    )
    opening_mg = opening if opening is not None else ZERO
    entries = (
        LedgerEntry.objects.none()
        if start is None
        else product_entries.filter(before(end), chain_seq__gte=start)
        .select_related("lot", "location", "patient", "reverses")
        .annotate(reversed_by_entry=F("reversed_by__pk"))
        .order_by("chain_seq")
    )
    lines = []
    for entry in entries:
        in_mg, out_mg = _split(entry.quantity_mg)
        in_ml, out_ml = _split(entry.volume_ml)
        receipt = entry.kind == EntryKind.RECEIPT
        lines.append(
            RegisterLine(
                entry=entry.pk,
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
                reverses_entry=entry.reverses_id,
                reverses_kind=entry.reverses.kind if entry.reverses else "",
                reversed_by_entry=getattr(entry, "reversed_by_entry", None),
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
