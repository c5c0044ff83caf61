"""Reading stock: balances, alerts and the ledger with filters. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.pharmacy.models import (
    Discrepancy,
    EntryKind,
    LedgerEntry,
    LocationKind,
    Product,
    StockBalance,
)
from openhat.pharmacy.services.counts import open_discrepancies

ZERO = Decimal("0")


def expiry_warning_days() -> int:
    return int(getattr(settings, "OPENHAT_LOT_EXPIRY_WARNING_DAYS", 30))


def balances(clinic: Clinic, *, dosing_room_only: bool = False) -> QuerySet[StockBalance]:
    """Every lot held somewhere (balance above zero), with its product and location."""
    rows = StockBalance.objects.filter(clinic=clinic, balance_mg__gt=0).select_related(
        "product", "lot", "location"
    )
    if dosing_room_only:
        rows = rows.filter(location__kind=LocationKind.DOSING_ROOM)
    return rows.order_by("location__code", "product__code", "lot__expires_on", "lot__lot_number")


@dataclass(frozen=True)
class ProductStock:
    product: Product
    balance_mg: Decimal
    below_reorder_level: bool

    @property
    def is_empty(self) -> bool:
        """Nothing at all in stock: never "enough", whatever the reorder level."""
        return self.balance_mg <= 0


def product_totals(clinic: Clinic) -> list[ProductStock]:
    totals = dict(
        StockBalance.objects.filter(clinic=clinic)
        .values_list("product_id")
        .annotate(total=Sum("balance_mg"))
        .values_list("product_id", "total")
    )
    return [
        ProductStock(
            product,
            totals.get(product.pk) or ZERO,
            (totals.get(product.pk) or ZERO) < product.reorder_level_mg,
        )
        for product in Product.objects.filter(clinic=clinic, is_active=True).order_by("code")
    ]


@dataclass(frozen=True)
class Alert:
    kind: str  # lot_expiring, solution_expired, lot_expired, low_stock, open_discrepancy
    severity: str  # "block" (stock may not be issued) or "warn"
    message: str
    link: str = ""


def alerts(
    clinic: Clinic, *, now: datetime | None = None, dosing_room_only: bool = False
) -> list[Alert]:
    moment = now or clock.now()
    today = clinic_today(clinic, moment)
    horizon = today + timedelta(days=expiry_warning_days())
    found: list[Alert] = []
    for row in balances(clinic, dosing_room_only=dosing_room_only):
        lot = row.lot
        where = f"{row.product.name} lot {lot.lot_number} at {row.location.name}"
        if lot.in_use_expires_at is not None and lot.in_use_expires_at <= moment:
            local = timezone.localtime(lot.in_use_expires_at, clinic.zone)
            found.append(
                Alert(
                    "solution_expired",
                    "block",
                    f"{where}: in-use expiry passed at {local:%Y-%m-%d %H:%M}; blocked from issue.",
                )
            )
        elif lot.expires_on < today:
            found.append(
                Alert(
                    "lot_expired",
                    "block",
                    f"{where}: expired on {lot.expires_on:%Y-%m-%d}; blocked from issue.",
                )
            )
        elif (
            lot.in_use_expires_at is None  # a solution's own expiry alert is the in-use one
            and lot.expires_on <= horizon
            and row.location.kind != LocationKind.QUARANTINE
        ):
            days = (lot.expires_on - today).days
            found.append(
                Alert(
                    "lot_expiring",
                    "warn",
                    f"{where}: expires on {lot.expires_on:%Y-%m-%d} (in {days} day"
                    f"{'' if days == 1 else 's'}).",
                )
            )
    if not dosing_room_only:
        for stock in product_totals(clinic):
            if stock.below_reorder_level:
                found.append(
                    Alert(
                        "low_stock",
                        "warn",
                        f"{stock.product.name}: {stock.balance_mg.normalize():,f} mg in stock, "
                        f"below the reorder level of {stock.product.reorder_level_mg.normalize():,f} mg.",
                    )
                )
        for discrepancy in open_discrepancies(clinic):
            found.append(discrepancy_alert(discrepancy))
    return found


def discrepancy_alert(discrepancy: Discrepancy) -> Alert:
    sign = "more" if discrepancy.difference_mg > 0 else "less"
    return Alert(
        "open_discrepancy",
        "warn",
        f"Open discrepancy {discrepancy.pk}: {abs(discrepancy.difference_mg).normalize():f} mg {sign} "
        f"{discrepancy.product.name} lot {discrepancy.lot.lot_number} at {discrepancy.location.name} "
        "than the ledger expects.",
        f"/pharmacy/discrepancies/{discrepancy.pk}/",
    )


@dataclass(frozen=True)
class LedgerFilter:
    product_id: int | None = None
    lot_id: int | None = None
    location_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.kind and self.kind not in EntryKind.values:
            raise DomainError("unknown_entry_kind", f"No entry kind {self.kind!r}.", "kind")
        if self.since and self.until and self.until < self.since:
            raise DomainError("period_reversed", "The end date is before the start date.", "until")


def ledger(
    clinic: Clinic, chosen: LedgerFilter, *, dosing_room_only: bool = False
) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.filter(clinic=clinic).select_related(
        "product", "lot", "location", "patient"
    )
    if dosing_room_only:
        entries = entries.filter(location__kind=LocationKind.DOSING_ROOM)
    if chosen.product_id:
        entries = entries.filter(product_id=chosen.product_id)
    if chosen.lot_id:
        entries = entries.filter(lot_id=chosen.lot_id)
    if chosen.location_id:
        entries = entries.filter(location_id=chosen.location_id)
    if chosen.kind:
        entries = entries.filter(kind=chosen.kind)
    zone = clinic.zone
    if chosen.since:
        entries = entries.filter(at__gte=datetime.combine(chosen.since, datetime.min.time(), zone))
    if chosen.until:
        end = datetime.combine(chosen.until + timedelta(days=1), datetime.min.time(), zone)
        entries = entries.filter(at__lt=end)
    return entries.order_by("-chain_seq")
