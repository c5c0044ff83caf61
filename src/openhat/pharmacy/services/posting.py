"""Appending one movement to the ledger: balances locked, checked, chained, in one transaction.

Lock order, the same for every movement so two of them never deadlock:
  1. the StockBalance rows the movement touches, in (lot, location) order (SELECT ... FOR NO KEY UPDATE);
  2. the clinic's ledger chain (an advisory lock, so the chain does not fork);
  3. the clinic's record chain (audit events and dosing records), when the caller records its
     audit event (audit.chain explains the order).
The row lock is what stops two pharmacists issuing from one lot at the same moment from both
seeing the same balance and overdrawing it; the CHECK constraints on the balance are the backstop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.chain import GENESIS_HASH, locked_chain_head, seal
from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.patients.models import Patient
from openhat.pharmacy.models import LedgerEntry, Location, Lot, StockBalance

LEDGER_TABLE = "ledger_entry"


@dataclass(frozen=True)
class Line:
    """One balance change: `quantity_mg` is signed (+ into the lot at the location, - out)."""

    lot: Lot
    location: Location
    quantity_mg: Decimal
    reverses: LedgerEntry | None = None
    kind: str | None = None  # when a line's kind differs from the movement's (waste of a dose)


@dataclass(frozen=True)
class Particulars:
    """What the whole movement shares."""

    kind: str
    actor: User
    witness: User | None = None
    reason: str = ""
    document_number: str = ""
    patient: Patient | None = None
    dose_reference: str = ""
    returns_entry: LedgerEntry | None = None


def _fmt(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def lock_balances(
    clinic: Clinic, pairs: list[tuple[Lot, Location]]
) -> dict[tuple[int, int], StockBalance]:
    """Lock (creating when missing) the balance rows of these lots at these locations.

    Services that must check something before posting (a return against its dose, a reversal
    against an earlier one) call this first, so the check and the posting see the same state.
    """
    lots = {(lot.pk, location.pk): lot for lot, location in pairs}
    keys = sorted(lots)
    StockBalance.objects.bulk_create(
        [
            StockBalance(
                clinic=clinic,
                product_id=lots[key].product_id,
                lot_id=key[0],
                location_id=key[1],
                balance_mg=Decimal("0"),
                balance_ml=Decimal("0") if lots[key].product.is_liquid else None,
            )
            for key in keys
        ],
        ignore_conflicts=True,
    )
    locked = (
        StockBalance.objects.select_for_update(no_key=True)
        .filter(lot_id__in=[key[0] for key in keys], location_id__in=[key[1] for key in keys])
        .order_by("lot_id", "location_id")
    )
    return {(row.lot_id, row.location_id): row for row in locked}


def post_movement(clinic: Clinic, lines: list[Line], particulars: Particulars) -> list[LedgerEntry]:
    """Write the movement's entries and new balances, or refuse before anything is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger movements are posted inside the caller's transaction")
    balances = lock_balances(clinic, [(line.lot, line.location) for line in lines])
    new_mg: dict[tuple[int, int], Decimal] = {}
    for line in lines:
        key = (line.lot.pk, line.location.pk)
        after = new_mg.get(key, balances[key].balance_mg) + line.quantity_mg
        if after < 0:
            held = balances[key].balance_mg
            product = line.lot.product
            raise DomainError(
                "insufficient_stock",
                f"{line.location.name} holds {_fmt(held)} mg of {product.name} lot "
                f"{line.lot.lot_number}; {_fmt(-line.quantity_mg)} mg cannot be taken from it.",
                "quantity",
            )
        new_mg[key] = after

    last = locked_chain_head(LEDGER_TABLE, LedgerEntry._meta.db_table, clinic.pk)
    seq, previous_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    product_balances: dict[int, Decimal] = {}
    movement = uuid.uuid4()
    now = clock.now()  # after the locks, so times follow the chain's order
    entries: list[LedgerEntry] = []
    for line in lines:
        key = (line.lot.pk, line.location.pk)
        balance = balances[key]
        product = line.lot.product
        if product.pk not in product_balances:
            product_balances[product.pk] = _product_balance(clinic, product.pk)
        product_balances[product.pk] += line.quantity_mg
        old_ml = balance.balance_ml
        balance.balance_mg += line.quantity_mg
        # mL follows mg exactly (the balance's mL is its mg converted), so rounding never drifts
        # and an empty lot holds exactly 0 mL.
        balance.balance_ml = product.ml_for(balance.balance_mg)
        volume_ml = None
        if balance.balance_ml is not None:
            volume_ml = balance.balance_ml - (old_ml or Decimal("0"))
        seq += 1
        entry = LedgerEntry(
            clinic=clinic,
            movement=movement,
            kind=line.kind or particulars.kind,
            product=product,
            lot=line.lot,
            location=line.location,
            quantity_mg=line.quantity_mg,
            volume_ml=volume_ml,
            balance_mg=balance.balance_mg,
            balance_ml=balance.balance_ml,
            product_balance_mg=product_balances[product.pk],
            actor=particulars.actor,
            actor_username=particulars.actor.get_username(),
            witness=particulars.witness,
            witness_username=particulars.witness.get_username() if particulars.witness else "",
            reason=particulars.reason,
            document_number=particulars.document_number,
            patient=particulars.patient,
            dose_reference=particulars.dose_reference,
            reverses=line.reverses,
            returns_entry=particulars.returns_entry,
            chain_key=clinic.pk,
            chain_seq=seq,
            at=now,
        )
        seal(entry, previous_hash)
        previous_hash = entry.row_sha256
        entry.save(force_insert=True)
        entries.append(entry)
    for balance in balances.values():
        balance.save(update_fields=["balance_mg", "balance_ml", "updated_at"])
    return entries


def _product_balance(clinic: Clinic, product_id: int) -> Decimal:
    """The product's clinic-wide balance after the last entry (read under the chain lock)."""
    last = (
        LedgerEntry.objects.filter(clinic=clinic, product_id=product_id)
        .order_by("-chain_seq")
        .values_list("product_balance_mg", flat=True)
        .first()
    )
    return last if last is not None else Decimal("0")
