"""Every stock movement of docs/domain.md §6, each one service, one transaction and one audit event.

Each takes the acting user, checks the role, validates everything before writing, posts its
ledger lines (posting.py locks and checks the balances) and records the audit event. An optional
idempotency key makes a retried request return the first movement instead of posting it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError
from openhat.patients.models import Patient
from openhat.pharmacy.models import (
    DOSE_KINDS,
    WITNESSED_KINDS,
    EntryKind,
    LedgerEntry,
    LocationKind,
    Lot,
    Product,
    ProductKind,
)
from openhat.pharmacy.services.guards import refuse_if_guarded
from openhat.pharmacy.services.lookup import (
    entry_of,
    location_of,
    lot_is_expired,
    lot_of,
    product_of,
    refuse_expired,
    solution_is_expired,
)
from openhat.pharmacy.services.posting import Line, Particulars, lock_balances, post_movement
from openhat.pharmacy.services.quantities import to_mg
from openhat.pharmacy.services.witness import check_witness

REASON_MAX = 500


@dataclass(frozen=True)
class Movement:
    """The entries one movement wrote, in ledger order."""

    entries: list[LedgerEntry]

    @property
    def movement_id(self) -> UUID:
        return self.entries[0].movement

    @property
    def first(self) -> LedgerEntry:
        return self.entries[0]


def _clean_text(value: str | None, field: str, *, required: bool, limit: int = REASON_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"{field}_required", f"Enter the {field.replace('_', ' ')}.", field)
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"At most {limit} characters.", field)
    return text


def _entries_of(movement_id: UUID | str) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(movement=movement_id)
        .select_related("lot__product", "location", "product")
        .order_by("chain_seq")
    )


def _once(
    actor: User,
    key: str | None,
    operation: str,
    work: Callable[[], list[LedgerEntry]],
) -> Movement:
    """Run `work` in one transaction, or return what the same idempotency key posted before."""
    with transaction.atomic():
        if key:
            found = idempotency.previous_result(actor, key, operation)
            if found is not None:
                first = LedgerEntry.objects.get(pk=int(found.result_id))
                return Movement(_entries_of(first.movement))
        entries = work()
        if key:
            idempotency.remember_result(actor, key, operation, entries[0])
        return Movement(entries)


def _audit(code: AuditCode, actor: User, clinic: Clinic, entries: list[LedgerEntry]) -> None:
    record_event(
        code,
        actor=actor,
        clinic=clinic,
        target=entries[0],
        data={
            "movement": str(entries[0].movement),
            "kind": entries[0].kind,
            "lines": [
                {
                    "entry": entry.pk,
                    "lot": entry.lot.lot_number,
                    "location": entry.location.code,
                    "quantity_mg": str(entry.quantity_mg),
                    "balance_mg": str(entry.balance_mg),
                }
                for entry in entries
            ],
            "witness": entries[0].witness_username or None,
            "reason": entries[0].reason,
        },
    )


def receive_stock(
    *,
    actor: User,
    clinic: Clinic,
    product_id: object,
    location_id: object,
    lot_number: str,
    supplier: str,
    expires_on: date,
    receipt_document: str,
    amount: object,
    unit: str,
    idempotency_key: str | None = None,
) -> Movement:
    """A delivery into stock: creates the lot (or adds to a lot already known with the same
    supplier and expiry) and posts one receipt entry."""
    require(actor, clinic, Capability.MOVE_STOCK)
    product = product_of(clinic, product_id)
    location = location_of(clinic, location_id)
    lot_number = _clean_text(lot_number, "lot_number", required=True, limit=60)
    supplier = _clean_text(supplier, "supplier", required=True, limit=120)
    document = _clean_text(receipt_document, "receipt_document", required=True, limit=80)
    if product.kind == ProductKind.DAM_SOLUTION:
        raise DomainError(
            "solution_not_received",
            "Diacetylmorphine solution is made here by reconstitution, not received.",
            "product",
        )
    if location.kind == LocationKind.QUARANTINE:
        raise DomainError(
            "receipt_into_quarantine", "Receive stock into the safe or the dosing room.", "location"
        )
    if not isinstance(expires_on, date):
        raise DomainError("expiry_required", "Enter the lot's expiry date.", "expires_on")
    if expires_on < clinic_today(clinic):
        raise DomainError(
            "lot_expired_on_receipt",
            f"This lot expired on {expires_on:%Y-%m-%d}; an expired delivery is not taken into stock.",
            "expires_on",
        )
    quantity_mg = to_mg(product, amount, unit)

    def work() -> list[LedgerEntry]:
        lot, created = Lot.objects.get_or_create(
            clinic=clinic,
            product=product,
            lot_number=lot_number,
            defaults={
                "supplier": supplier,
                "expires_on": expires_on,
                "receipt_document": document,
            },
        )
        if not created and (lot.expires_on != expires_on or lot.supplier != supplier):
            raise Conflict(
                "lot_details_differ",
                f"Lot {lot_number} is already recorded from {lot.supplier} expiring "
                f"{lot.expires_on:%Y-%m-%d}; check the delivery note.",
                "lot_number",
            )
        entries = post_movement(
            clinic,
            [Line(lot, location, quantity_mg)],
            Particulars(EntryKind.RECEIPT, actor, document_number=document, reason=supplier),
        )
        _audit(AuditCode.STOCK_RECEIVED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.receive", work)


def transfer_stock(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    from_location_id: object,
    to_location_id: object,
    amount: object,
    unit: str,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Movement:
    require(actor, clinic, Capability.MOVE_STOCK)
    lot = lot_of(clinic, lot_id)
    source = location_of(clinic, from_location_id, "from_location")
    destination = location_of(clinic, to_location_id, "to_location")
    if source.pk == destination.pk:
        raise DomainError(
            "transfer_same_location", "Choose a different destination.", "to_location"
        )
    quantity_mg = to_mg(lot.product, amount, unit)
    note = _clean_text(reason, "reason", required=False)

    def work() -> list[LedgerEntry]:
        # Checked after the idempotency key: a retry of a transfer made before expiry returns it.
        if destination.kind != LocationKind.QUARANTINE:
            refuse_expired(lot, clinic)
        entries = post_movement(
            clinic,
            [Line(lot, source, -quantity_mg), Line(lot, destination, quantity_mg)],
            Particulars(EntryKind.TRANSFER, actor, reason=note),
        )
        _audit(AuditCode.STOCK_TRANSFERRED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.transfer", work)


def reconstitute(
    *,
    actor: User,
    clinic: Clinic,
    vial_lot_id: object,
    location_id: object,
    vials: object,
    in_use_expires_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Vials out, solution in: a new solution lot with its in-use expiry."""
    require(actor, clinic, Capability.MOVE_STOCK)
    vial_lot = lot_of(clinic, vial_lot_id, "vial_lot")
    location = location_of(clinic, location_id)
    vial_product = vial_lot.product
    solution_product: Product | None = vial_product.reconstitutes_to
    if vial_product.kind != ProductKind.DAM_VIAL or solution_product is None:
        raise DomainError(
            "not_reconstitutable", f"{vial_product.name} is not reconstituted.", "vial_lot"
        )
    if location.kind == LocationKind.QUARANTINE:
        raise DomainError(
            "reconstitute_in_quarantine", "Quarantined stock is not reconstituted.", "location"
        )
    vials_mg = to_mg(vial_product, vials, vial_product.count_unit, "vials")
    now = clock.now()
    if in_use_expires_at is None:
        if not solution_product.in_use_hours:
            raise DomainError(
                "in_use_expiry_required", "Enter the solution's in-use expiry.", "in_use_expires_at"
            )
        in_use_expires_at = now + timedelta(hours=solution_product.in_use_hours)
    if timezone.is_naive(in_use_expires_at) or in_use_expires_at <= now:
        raise DomainError(
            "in_use_expiry_in_past",
            "The solution's in-use expiry must be later than now.",
            "in_use_expires_at",
        )
    last_day = min(vial_lot.expires_on, timezone.localtime(in_use_expires_at, clinic.zone).date())

    def work() -> list[LedgerEntry]:
        # Two reconstitutions of one lot at once would number their solutions alike; the lock
        # on the vial lot's balance makes the second wait and count the first. The checks run
        # here, after the idempotency key, so a retry of a reconstitution that used the last
        # vial returns it instead of being refused for want of vials.
        refuse_expired(vial_lot, clinic, "vial_lot")
        balance = lock_balances(clinic, [(vial_lot, location)])[(vial_lot.pk, location.pk)]
        held = balance.balance_mg
        if vials_mg > held:
            assert vial_product.mg_per_unit is not None
            raise DomainError(
                "reconstitute_exceeds_stock",
                f"{location.name} holds {held / vial_product.mg_per_unit:.0f} vial(s) of lot "
                f"{vial_lot.lot_number}; {vials_mg / vial_product.mg_per_unit:.0f} cannot be "
                "reconstituted.",
                "vials",
            )
        made = Lot.objects.filter(source_lot=vial_lot).count() + 1
        solution = Lot.objects.create(
            clinic=clinic,
            product=solution_product,
            lot_number=f"{vial_lot.lot_number}-R{made}",
            supplier=vial_lot.supplier,
            expires_on=last_day,
            receipt_document=vial_lot.receipt_document,
            source_lot=vial_lot,
            in_use_expires_at=in_use_expires_at,
        )
        entries = post_movement(
            clinic,
            [Line(vial_lot, location, -vials_mg), Line(solution, location, vials_mg)],
            Particulars(EntryKind.RECONSTITUTION, actor),
        )
        _audit(AuditCode.STOCK_RECONSTITUTED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.reconstitute", work)


def issue_dose(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    amount: object,
    unit: str,
    patient: Patient | None = None,
    dose_reference: str = "",
    idempotency_key: str | None = None,
) -> Movement:
    """A dose drawn from the dosing room's stock for one patient's session."""
    require(actor, clinic, Capability.ISSUE_DOSE)
    lot = lot_of(clinic, lot_id)
    location = location_of(clinic, location_id)
    if location.kind != LocationKind.DOSING_ROOM:
        raise DomainError(
            "dose_not_from_dosing_room",
            "Doses are issued from the dosing room's stock.",
            "location",
        )
    if lot.product.kind not in DOSE_KINDS:
        raise DomainError(
            "not_a_dose_product",
            f"{lot.product.name} is reconstituted before a dose is drawn from it.",
            "lot",
        )
    if patient is not None and patient.clinic_id != clinic.pk:
        raise DomainError("patient_not_found", "No such patient in this clinic.", "patient")
    quantity_mg = to_mg(lot.product, amount, unit)
    reference = _clean_text(dose_reference, "dose_reference", required=False, limit=80)

    def work() -> list[LedgerEntry]:
        refuse_expired(lot, clinic)
        entries = post_movement(
            clinic,
            [Line(lot, location, -quantity_mg)],
            Particulars(EntryKind.DOSE_ISSUED, actor, patient=patient, dose_reference=reference),
        )
        _audit(AuditCode.DOSE_ISSUED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.issue_dose", work)


def returned_so_far(issued: LedgerEntry) -> Decimal:
    total = LedgerEntry.objects.filter(
        returns_entry=issued, kind=EntryKind.DOSE_RETURNED
    ).aggregate(total=Sum("quantity_mg"))["total"]
    return total or Decimal("0")


def _refuse_beyond_outstanding(issued: LedgerEntry, quantity_mg: Decimal, code: str) -> None:
    """Called under the lock on the issue's balance row."""
    refuse_if_guarded([issued])
    if LedgerEntry.objects.filter(reverses=issued).exists():
        raise DomainError(
            "dose_issue_reversed",
            "That dose issue was reversed; nothing of it can be returned or wasted.",
            "issued_entry",
        )
    outstanding = -issued.quantity_mg - returned_so_far(issued)
    if quantity_mg > outstanding:
        raise DomainError(
            code,
            f"Only {outstanding.normalize():f} mg of that dose is left to "
            f"{'return' if code == 'return_exceeds_issue' else 'record as waste'}.",
            "quantity",
        )


def return_dose(
    *,
    actor: User,
    clinic: Clinic,
    issued_entry_id: object,
    amount: object,
    unit: str,
    reason: str,
    idempotency_key: str | None = None,
) -> Movement:
    """What was drawn for a dose and not given goes back to the lot it came from."""
    require(actor, clinic, Capability.ISSUE_DOSE)
    issued = entry_of(clinic, issued_entry_id, "issued_entry")
    if issued.kind != EntryKind.DOSE_ISSUED:
        raise DomainError(
            "not_a_dose_issue", "Only a dose that was issued can be returned.", "issued_entry"
        )
    quantity_mg = to_mg(issued.product, amount, unit)
    note = _clean_text(reason, "reason", required=True)

    def work() -> list[LedgerEntry]:
        # Two returns of the same dose lock the same balance row, so the second one sees the
        # first and cannot return more than was issued.
        lock_balances(clinic, [(issued.lot, issued.location)])
        _refuse_beyond_outstanding(issued, quantity_mg, "return_exceeds_issue")
        entries = post_movement(
            clinic,
            [Line(issued.lot, issued.location, quantity_mg)],
            Particulars(
                EntryKind.DOSE_RETURNED,
                actor,
                reason=note,
                patient=issued.patient,
                dose_reference=issued.dose_reference,
                returns_entry=issued,
            ),
        )
        _audit(AuditCode.DOSE_RETURNED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.return_dose", work)


def _witnessed_removal(
    *,
    kind: EntryKind,
    code: AuditCode,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    amount: object,
    unit: str,
    reason: str,
    witness: User | None,
    sign: int,
    idempotency_key: str | None,
    issued_entry_id: object | None = None,
) -> Movement:
    require(
        actor, clinic, Capability.MOVE_STOCK if issued_entry_id is None else Capability.ISSUE_DOSE
    )
    lot = lot_of(clinic, lot_id)
    location = location_of(clinic, location_id)
    quantity_mg = to_mg(lot.product, amount, unit)
    note = _clean_text(reason, "reason", required=True)
    check_witness(clinic, actor, witness, required=True)
    issued = entry_of(clinic, issued_entry_id, "issued_entry") if issued_entry_id else None
    if issued is not None:
        if kind != EntryKind.WASTE or issued.kind != EntryKind.DOSE_ISSUED:
            raise DomainError(
                "not_a_dose_issue",
                "Only waste can be recorded against a dose issued.",
                "issued_entry",
            )
        if (issued.lot_id, issued.location_id) != (lot.pk, location.pk):
            raise DomainError(
                "waste_not_from_dose_lot",
                "Waste of a dose is recorded against the lot and location it was drawn from.",
                "lot",
            )

    def work() -> list[LedgerEntry]:
        lines = [Line(lot, location, sign * quantity_mg)]
        if issued is not None:
            # The unused part of a drawn dose already left the balance when it was issued; it
            # is booked back (a return) and out again as witnessed waste, so the stock does not
            # fall twice and never by more than the dose left unaccounted for.
            lock_balances(clinic, [(lot, location)])
            _refuse_beyond_outstanding(issued, quantity_mg, "waste_exceeds_issue")
            lines = [Line(lot, location, quantity_mg, kind=EntryKind.DOSE_RETURNED), *lines]
        entries = post_movement(
            clinic,
            lines,
            Particulars(
                kind,
                actor,
                witness=witness,
                reason=note,
                patient=issued.patient if issued else None,
                dose_reference=issued.dose_reference if issued else "",
                returns_entry=issued,
            ),
        )
        _audit(code, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, f"pharmacy.{kind}", work)


def record_waste(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    amount: object,
    unit: str,
    reason: str,
    witness: User | None,
    issued_entry_id: object | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Stock spilled, drawn and not given, or otherwise lost to use, seen by a witness."""
    return _witnessed_removal(
        kind=EntryKind.WASTE,
        code=AuditCode.STOCK_WASTED,
        actor=actor,
        clinic=clinic,
        lot_id=lot_id,
        location_id=location_id,
        amount=amount,
        unit=unit,
        reason=reason,
        witness=witness,
        sign=-1,
        idempotency_key=idempotency_key,
        issued_entry_id=issued_entry_id,
    )


def destroy_stock(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    amount: object,
    unit: str,
    reason: str,
    witness: User | None,
    idempotency_key: str | None = None,
) -> Movement:
    return _witnessed_removal(
        kind=EntryKind.DESTRUCTION,
        code=AuditCode.STOCK_DESTROYED,
        actor=actor,
        clinic=clinic,
        lot_id=lot_id,
        location_id=location_id,
        amount=amount,
        unit=unit,
        reason=reason,
        witness=witness,
        sign=-1,
        idempotency_key=idempotency_key,
    )


def adjust_stock(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    direction: str,
    amount: object,
    unit: str,
    reason: str,
    witness: User | None,
    idempotency_key: str | None = None,
) -> Movement:
    """A witnessed count adjustment, up ("add") or down ("remove")."""
    if direction not in ("add", "remove"):
        raise DomainError(
            "adjustment_direction", "Say whether the adjustment adds or removes stock.", "direction"
        )
    return _witnessed_removal(
        kind=EntryKind.ADJUSTMENT,
        code=AuditCode.STOCK_ADJUSTED,
        actor=actor,
        clinic=clinic,
        lot_id=lot_id,
        location_id=location_id,
        amount=amount,
        unit=unit,
        reason=reason,
        witness=witness,
        sign=1 if direction == "add" else -1,
        idempotency_key=idempotency_key,
    )


def remove_expired(
    *,
    actor: User,
    clinic: Clinic,
    lot_id: object,
    location_id: object,
    quarantine_id: object,
    idempotency_key: str | None = None,
) -> Movement:
    """Everything of an expired lot (or expired solution) at a location goes to quarantine."""
    require(actor, clinic, Capability.MOVE_STOCK)
    lot = lot_of(clinic, lot_id)
    location = location_of(clinic, location_id)
    quarantine = location_of(clinic, quarantine_id, "quarantine")
    if quarantine.kind != LocationKind.QUARANTINE:
        raise DomainError(
            "not_quarantine", "Expired stock goes to a quarantine location.", "quarantine"
        )
    if location.pk == quarantine.pk:
        raise DomainError(
            "already_in_quarantine", "That stock is already in quarantine.", "location"
        )
    if not (lot_is_expired(lot, clinic) or solution_is_expired(lot)):
        raise DomainError(
            "lot_not_expired",
            f"Lot {lot.lot_number} has not expired; move it with a transfer instead.",
            "lot",
        )

    def work() -> list[LedgerEntry]:
        held = lock_balances(clinic, [(lot, location)])[(lot.pk, location.pk)].balance_mg
        if not held:
            raise DomainError(
                "nothing_to_remove", f"{location.name} holds none of lot {lot.lot_number}.", "lot"
            )
        entries = post_movement(
            clinic,
            [Line(lot, location, -held), Line(lot, quarantine, held)],
            Particulars(EntryKind.EXPIRY_REMOVAL, actor, reason="expired"),
        )
        _audit(AuditCode.EXPIRED_STOCK_REMOVED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.remove_expired", work)


def reverse_movement(
    *,
    actor: User,
    clinic: Clinic,
    entry_id: object,
    reason: str,
    witness: User | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Undo a mistaken movement with new entries that point at the ones they undo."""
    require(actor, clinic, Capability.MOVE_STOCK)
    original = entry_of(clinic, entry_id)
    note = _clean_text(reason, "reason", required=True)
    lines_of_movement = _entries_of(original.movement)
    if any(entry.kind == EntryKind.REVERSAL for entry in lines_of_movement):
        raise DomainError(
            "reversal_of_reversal",
            "A reversal cannot itself be reversed; record the movement again instead.",
            "entry",
        )
    check_witness(
        clinic,
        actor,
        witness,
        required=any(entry.kind in WITNESSED_KINDS for entry in lines_of_movement),
    )

    def work() -> list[LedgerEntry]:
        # Two people reversing the same movement lock the same balances; the second then sees
        # the first reversal and is refused instead of undoing the movement twice.
        lock_balances(clinic, [(entry.lot, entry.location) for entry in lines_of_movement])
        refuse_if_guarded(lines_of_movement)
        if LedgerEntry.objects.filter(
            returns_entry__movement=original.movement, reversed_by__isnull=True
        ).exists():
            raise DomainError(
                "dose_has_returns",
                "Part of this dose was returned or wasted; reverse that first.",
                "entry",
            )
        if LedgerEntry.objects.filter(reverses__movement=original.movement).exists():
            raise Conflict("already_reversed", "That movement was already reversed.", "entry")
        lines = [
            Line(entry.lot, entry.location, -entry.quantity_mg, reverses=entry)
            for entry in lines_of_movement
        ]
        entries = post_movement(
            clinic, lines, Particulars(EntryKind.REVERSAL, actor, witness=witness, reason=note)
        )
        _audit(AuditCode.LEDGER_MOVEMENT_REVERSED, actor, clinic, entries)
        return entries

    return _once(actor, idempotency_key, "pharmacy.reverse", work)


def movement_summary(movement: Movement) -> dict[str, Any]:
    return {"movement": str(movement.movement_id), "entries": [e.pk for e in movement.entries]}
