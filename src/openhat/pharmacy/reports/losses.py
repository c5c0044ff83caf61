"""Losses: negative adjustments, waste not linked to a dose, and counts that found less."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.pharmacy.jurisdictions import RecordKeeping, record_keeping
from openhat.pharmacy.models import Discrepancy, EntryKind, LedgerEntry
from openhat.pharmacy.reports.periods import Period

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
    reference: str  # "entry #<number>" or "discrepancy <id>"
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
    def keeping(self) -> RecordKeeping:
        """Where this clinic reports a loss or theft, and how soon."""
        return record_keeping(self.clinic.jurisdiction_preset)

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
        # An adjustment that closes a count's discrepancy books that same loss: it is shown on
        # the discrepancy's line ("adjusted by entry #N"), not as a second loss.
        .filter(closes__isnull=True)
        .select_related("product", "lot", "location")
        .annotate(reversed_by_entry=F("reversed_by__pk"), closes_id=F("closes__discrepancy"))
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
    reversed_by = getattr(entry, "reversed_by_entry", None)
    closes = getattr(entry, "closes_id", None)
    reason = entry.reason
    return LossRecord(
        kind=LossKind.ADJUSTMENT if entry.kind == EntryKind.ADJUSTMENT else LossKind.WASTE,
        reference=f"entry #{entry.pk}",
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
            f"adjusted by entry #{closure.adjustment_id}" if closure and closure.adjustment else ""
        ),
    )
