"""`openhat ledger verify`: the chain, the running balances and the balance table, entry by entry.

For each clinic's chain it checks, in order: no position is missing, each entry points at the hash
of the one before, its content still gives its hash, its lot-and-location balance and its product
balance follow from the entries before it, and at the end the StockBalance rows equal the sums.
It stops a clinic's chain at the first entry that does not fit and names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openhat.audit.chain import GENESIS_HASH, row_hash
from openhat.pharmacy.models import LedgerEntry, StockBalance

ZERO = Decimal("0")


@dataclass(frozen=True)
class LedgerBreak:
    clinic_id: int
    entry_id: int | None
    chain_seq: int | None
    problem: str


@dataclass(frozen=True)
class LedgerReport:
    entries_checked: int
    balances_checked: int
    breaks: list[LedgerBreak]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_ledger(on_entry: Callable[[], None] | None = None) -> LedgerReport:
    checked = 0
    breaks: list[LedgerBreak] = []
    sums: dict[tuple[int, int], Decimal] = {}
    broken_clinics: set[int] = set()
    clinic: int | None = None
    previous_hash, expected_seq = GENESIS_HASH, 1
    lot_balances: dict[tuple[int, int], Decimal] = {}
    product_balances: dict[int, Decimal] = {}
    for entry in LedgerEntry.objects.order_by("chain_key", "chain_seq").iterator(chunk_size=2000):
        if on_entry is not None:
            on_entry()
        if entry.chain_key != clinic:
            clinic, previous_hash, expected_seq = entry.chain_key, GENESIS_HASH, 1
            lot_balances, product_balances = {}, {}
        if entry.chain_key in broken_clinics:
            continue
        checked += 1
        key = (entry.lot_id, entry.location_id)
        lot_after = lot_balances.get(key, ZERO) + entry.quantity_mg
        product_after = product_balances.get(entry.product_id, ZERO) + entry.quantity_mg
        problem = None
        if entry.chain_seq != expected_seq:
            problem = f"position {expected_seq} is missing (next found: {entry.chain_seq}); an entry was deleted"
        elif entry.prev_sha256 != previous_hash:
            problem = "its previous-hash does not match the entry before it"
        elif row_hash(entry.prev_sha256, entry.hash_content()) != entry.row_sha256:
            problem = "its content does not match its stored hash (the entry was altered)"
        elif entry.balance_mg != lot_after:
            problem = (
                f"its running balance {entry.balance_mg} mg should be {lot_after} mg "
                "from the entries before it"
            )
        elif entry.product_balance_mg != product_after:
            problem = (
                f"its product balance {entry.product_balance_mg} mg should be {product_after} mg"
            )
        elif lot_after < 0:
            problem = "it takes the balance below zero"
        if problem:
            breaks.append(LedgerBreak(entry.chain_key, entry.pk, entry.chain_seq, problem))
            broken_clinics.add(entry.chain_key)
            continue
        lot_balances[key] = lot_after
        product_balances[entry.product_id] = product_after
        sums[key] = lot_after
        previous_hash = entry.row_sha256
        expected_seq += 1

    balances_checked = 0
    for row in StockBalance.objects.order_by("clinic_id", "lot_id", "location_id"):
        if row.clinic_id in broken_clinics:
            continue
        balances_checked += 1
        expected = sums.get((row.lot_id, row.location_id), ZERO)
        if row.balance_mg != expected:
            breaks.append(
                LedgerBreak(
                    row.clinic_id,
                    None,
                    None,
                    f"the balance of lot id {row.lot_id} at location id {row.location_id} is "
                    f"{row.balance_mg} mg but its entries sum to {expected} mg",
                )
            )
            broken_clinics.add(row.clinic_id)
    return LedgerReport(checked, balances_checked, breaks)
