"""Counts, reconciliation and discrepancies (docs/domain.md §6).

A count records what was physically there, per lot, at one location. It is compared with the
ledger's balance at the moment of the count, read under the same locks a movement takes, so a
dose issued during the count either is in the expected figure or waits until the count is saved.
Each lot that differs opens a discrepancy, which stays open until someone closes it with an
investigation note and, when stock really is missing or extra, a witnessed adjustment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from openhat.audit.chain import lock_chain
from openhat.audit.checkpoints import make_checkpoint
from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.pharmacy.models import (
    CountLine,
    CountOccasion,
    Discrepancy,
    DiscrepancyClosure,
    EntryKind,
    LedgerEntry,
    Location,
    Lot,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.services.lookup import location_of, lot_of
from openhat.pharmacy.services.movements import adjust_stock
from openhat.pharmacy.services.posting import LEDGER_TABLE, lock_balances
from openhat.pharmacy.services.quantities import as_decimal, to_mg

ZERO = Decimal("0")


@dataclass(frozen=True)
class CountedLot:
    lot_id: object
    amount: object
    unit: str


def _counted_mg(lot: Lot, amount: object, unit: str) -> Decimal:
    """Counted quantities may be zero (an empty shelf), unlike movements; never below zero."""
    quantity = as_decimal(amount, "counted")
    if quantity < 0:
        raise DomainError(
            "count_negative",
            "A count cannot be below zero; enter 0 for an empty shelf.",
            "counted",
        )
    if quantity == 0:
        return ZERO
    return to_mg(lot.product, amount, unit, "counted")


@dataclass(frozen=True)
class LineProblem:
    """What is wrong with one counted lot, by its place on the sheet as sent."""

    index: int
    lot: Lot
    code: str
    message: str


class CountLinesRefused(DomainError):
    """Every counted lot that needs correcting, at once, each tied to its lot. One problem keeps
    its own code (`count_negative`, `quantity_wrong_unit`, ...); several are
    `count_lines_invalid`."""

    def __init__(self, problems: list[LineProblem]) -> None:
        code = problems[0].code if len(problems) == 1 else "count_lines_invalid"
        text = "; ".join(f"lot {problem.lot.lot_number}: {problem.message}" for problem in problems)
        field = f"lines.{problems[0].index}.counted" if len(problems) == 1 else "lines"
        super().__init__(code, f"Correct the count of {text}", field)
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "errors": [
                {
                    "code": problem.code,
                    "message": problem.message,
                    "field": f"lines.{problem.index}.counted",
                    "lot": problem.lot.pk,
                    "lot_number": problem.lot.lot_number,
                }
                for problem in self.problems
            ],
        }


def record_count(
    *,
    actor: User,
    clinic: Clinic,
    location_id: object,
    occasion: str,
    lines: Iterable[CountedLot],
    note: str = "",
    idempotency_key: str | None = None,
) -> StockCount:
    require(actor, clinic, Capability.MOVE_STOCK)
    location = location_of(clinic, location_id)
    if occasion not in CountOccasion.values:
        raise DomainError(
            "count_occasion", "Choose shift change, end of day or spot check.", "occasion"
        )
    counted: dict[int, tuple[Lot, Decimal]] = {}
    problems: list[LineProblem] = []
    for index, line in enumerate(lines):
        lot = lot_of(clinic, line.lot_id, "lot")
        if lot.pk in counted:
            raise DomainError("count_lot_twice", f"Lot {lot.lot_number} is counted twice.", "lot")
        try:
            counted[lot.pk] = (lot, _counted_mg(lot, line.amount, line.unit))
        except DomainError as error:
            counted[lot.pk] = (lot, ZERO)
            problems.append(LineProblem(index, lot, error.code, error.message))
    if problems:
        raise CountLinesRefused(problems)
    if len(note) > 500:
        raise DomainError("note_too_long", "At most 500 characters.", "note")

    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(actor, idempotency_key, "pharmacy.count")
            if found is not None:
                return StockCount.objects.get(pk=int(found.result_id))
        balances = lock_balances(clinic, [(lot, location) for lot, _ in counted.values()])
        # The chain lock pins the ledger position the expected figures are read at; with it held
        # no movement can add a lot to the location, so the completeness check below is final.
        lock_chain(LEDGER_TABLE, clinic.pk)
        held = StockBalance.objects.filter(location=location, balance_mg__gt=0).select_related(
            "lot"
        )
        missing = [row.lot.lot_number for row in held if row.lot_id not in counted]
        if missing:
            raise DomainError(
                "count_incomplete",
                f"Count every lot held at {location.name}; missing: {', '.join(sorted(missing))}.",
                "lines",
            )
        position = (
            LedgerEntry.objects.filter(chain_key=clinic.pk)
            .order_by("-chain_seq")
            .values_list("chain_seq", flat=True)
            .first()
        ) or 0
        count = StockCount.objects.create(
            clinic=clinic,
            location=location,
            occasion=occasion,
            counted_at=clock.now(),
            counted_by=actor,
            counted_by_username=actor.get_username(),
            note=note.strip(),
            ledger_position=position,
        )
        opened = []
        for lot, counted_mg in sorted(counted.values(), key=lambda item: item[0].pk):
            expected = balances[(lot.pk, location.pk)]
            count_line = CountLine.objects.create(
                count=count,
                product=lot.product,
                lot=lot,
                counted_mg=counted_mg,
                counted_ml=lot.product.ml_for(counted_mg),
                expected_mg=expected.balance_mg,
                expected_ml=expected.balance_ml,
                difference_mg=counted_mg - expected.balance_mg,
            )
            if count_line.difference_mg != 0:
                opened.append(
                    Discrepancy.objects.create(
                        clinic=clinic,
                        count_line=count_line,
                        product=lot.product,
                        lot=lot,
                        location=location,
                        difference_mg=count_line.difference_mg,
                        opened_at=count.counted_at,
                    )
                )
        record_event(
            AuditCode.STOCK_COUNTED,
            actor=actor,
            clinic=clinic,
            target=count,
            data={"location": location.code, "lots": len(counted), "discrepancies": len(opened)},
        )
        for discrepancy in opened:
            record_event(
                AuditCode.DISCREPANCY_OPENED,
                actor=actor,
                clinic=clinic,
                target=discrepancy,
                data={
                    "lot": discrepancy.lot.lot_number,
                    "location": location.code,
                    "difference_mg": str(discrepancy.difference_mg),
                },
            )
        if idempotency_key:
            idempotency.remember_result(actor, idempotency_key, "pharmacy.count", count)
        # Every count (the end-of-day count closes the day) signs the chains' heads once it has
        # committed; the count sheet prints them (audit.checkpoints).
        reason = f"count {count.pk}"
        transaction.on_commit(lambda: make_checkpoint(reason), robust=True)
        return count


def close_discrepancy(
    *,
    actor: User,
    clinic: Clinic,
    discrepancy_id: object,
    investigation_note: str,
    adjust: bool,
    witness: User | None = None,
    idempotency_key: str | None = None,
) -> DiscrepancyClosure:
    """Close with what the investigation found; `adjust` books the difference as a witnessed
    count adjustment so the ledger matches what is on the shelf."""
    require(actor, clinic, Capability.MOVE_STOCK)
    try:
        pk = int(str(discrepancy_id))
    except ValueError:
        raise DomainError(
            "invalid_id", "That is not a discrepancy number.", "discrepancy"
        ) from None
    discrepancy = (
        Discrepancy.objects.select_related("lot__product", "location")
        .filter(clinic=clinic, pk=pk)
        .first()
    )
    if discrepancy is None:
        raise NotFound("unknown_discrepancy", "No such discrepancy in this clinic.", "discrepancy")
    note = (investigation_note or "").strip()
    if len(note) < 10:
        raise DomainError(
            "investigation_note_required",
            "Write what the investigation found (at least 10 characters).",
            "investigation_note",
        )
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(
                actor, idempotency_key, "pharmacy.close_discrepancy"
            )
            if found is not None:
                return DiscrepancyClosure.objects.get(pk=int(found.result_id))
        # The discrepancy row lock stops two people closing it at once.
        Discrepancy.objects.select_for_update(no_key=True).filter(pk=discrepancy.pk).first()
        if DiscrepancyClosure.objects.filter(discrepancy=discrepancy).exists():
            raise Conflict(
                "discrepancy_closed", "This discrepancy is already closed.", "discrepancy"
            )
        adjustment = None
        if adjust:
            difference = discrepancy.difference_mg
            adjustment = adjust_stock(
                actor=actor,
                clinic=clinic,
                lot_id=discrepancy.lot_id,
                location_id=discrepancy.location_id,
                direction="add" if difference > 0 else "remove",
                amount=abs(difference),
                unit="mg",
                reason=f"Discrepancy {discrepancy.pk}: {note}"[:500],
                witness=witness,
            ).first
        closure = DiscrepancyClosure.objects.create(
            discrepancy=discrepancy,
            closed_at=clock.now(),
            closed_by=actor,
            closed_by_username=actor.get_username(),
            investigation_note=note,
            adjustment=adjustment,
        )
        record_event(
            AuditCode.DISCREPANCY_CLOSED,
            actor=actor,
            clinic=clinic,
            target=discrepancy,
            data={"adjusted": adjustment is not None, "note": note[:200]},
        )
        if idempotency_key:
            idempotency.remember_result(
                actor, idempotency_key, "pharmacy.close_discrepancy", closure
            )
        return closure


@dataclass
class ReconciliationRow:
    """start + received - issued + returned - wasted ± adjusted = expected, against counted.

    `received` holds receipts, transfers in and solution made; `issued` doses, transfers out and
    vials reconstituted; `wasted` waste, destruction and expiry removal; `adjusted` adjustments
    and reversals (signed).
    """

    lot: Lot
    start_mg: Decimal = ZERO
    received_mg: Decimal = ZERO
    issued_mg: Decimal = ZERO
    returned_mg: Decimal = ZERO
    wasted_mg: Decimal = ZERO
    adjusted_mg: Decimal = ZERO
    expected_mg: Decimal = ZERO
    counted_mg: Decimal = ZERO
    difference_mg: Decimal = ZERO
    discrepancy: Discrepancy | None = None
    closed: bool = False
    kinds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def formula_mg(self) -> Decimal:
        return (
            self.start_mg
            + self.received_mg
            - self.issued_mg
            + self.returned_mg
            - self.wasted_mg
            + self.adjusted_mg
        )


def _column(kind: str, quantity: Decimal) -> str:
    if kind in (EntryKind.ADJUSTMENT, EntryKind.REVERSAL):
        return "adjusted"
    if kind == EntryKind.DOSE_RETURNED:
        return "returned"
    if kind in (EntryKind.WASTE, EntryKind.DESTRUCTION) or (
        kind == EntryKind.EXPIRY_REMOVAL and quantity < 0
    ):
        return "wasted"
    return "received" if quantity > 0 else "issued"


def _balance_at(lot_id: int, location: Location, position: int) -> Decimal:
    value = (
        LedgerEntry.objects.filter(lot_id=lot_id, location=location, chain_seq__lte=position)
        .order_by("-chain_seq")
        .values_list("balance_mg", flat=True)
        .first()
    )
    return value if value is not None else ZERO


def previous_count(count: StockCount) -> StockCount | None:
    return (
        StockCount.objects.filter(location=count.location, counted_at__lt=count.counted_at)
        .order_by("-counted_at")
        .first()
    )


def reconciliation(count: StockCount) -> tuple[StockCount | None, list[ReconciliationRow]]:
    """The count's lines, each with the movements since the location's previous count."""
    before = previous_count(count)
    start_position = before.ledger_position if before else 0
    rows = []
    lines = count.lines.select_related("lot__product").order_by("product__code", "lot__lot_number")
    for line in lines:
        row = ReconciliationRow(lot=line.lot)
        row.start_mg = _balance_at(line.lot_id, count.location, start_position)
        sums = LedgerEntry.objects.filter(
            lot_id=line.lot_id,
            location=count.location,
            chain_seq__gt=start_position,
            chain_seq__lte=count.ledger_position,
        ).values("kind", "quantity_mg")
        for item in sums:
            column = _column(item["kind"], item["quantity_mg"])
            quantity = item["quantity_mg"]
            if column == "adjusted":
                row.adjusted_mg += quantity
            else:
                attribute = f"{column}_mg"
                setattr(row, attribute, getattr(row, attribute) + abs(quantity))
        row.expected_mg = line.expected_mg
        row.counted_mg = line.counted_mg
        row.difference_mg = line.difference_mg
        row.discrepancy = Discrepancy.objects.filter(count_line=line).first()
        row.closed = bool(
            row.discrepancy
            and DiscrepancyClosure.objects.filter(discrepancy=row.discrepancy).exists()
        )
        rows.append(row)
    return before, rows


def open_discrepancies(clinic: Clinic) -> list[Discrepancy]:
    return list(
        Discrepancy.objects.filter(clinic=clinic, closure__isnull=True)
        .select_related("lot__product", "location", "count_line__count")
        .order_by("opened_at")
    )


def counted_total(count: StockCount) -> Decimal:
    return count.lines.aggregate(total=Sum("counted_mg"))["total"] or ZERO


def counts_for(clinic: Clinic, since: datetime | None = None) -> list[StockCount]:
    counts = StockCount.objects.filter(clinic=clinic).select_related("location")
    if since is not None:
        counts = counts.filter(counted_at__gte=since)
    return list(counts.order_by("-counted_at")[:200])
