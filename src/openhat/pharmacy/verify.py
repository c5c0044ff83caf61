"""`openhat ledger verify`: the chain, the running balances and the balance table, entry by entry.

For each clinic's chain the shared walk (`audit.walk`) checks that no position is missing, each
entry points at the hash of the one before, its content still gives its keyed hash, it fits every
signed checkpoint, and no checkpoint signed a position past the chain's end. On top of that each
entry's lot-and-location balance and product balance must follow from the entries before it, and
at the end the StockBalance table must equal the sums: every balance row that exists, and a row
for every lot and location whose entries sum to more than zero (a deleted balance row is a
break too). A clinic's chain stops at the first entry that does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openhat.audit.checkpoints import Anchors, load_anchors
from openhat.audit.keys import chain_keys
from openhat.audit.walk import ChainWalk
from openhat.pharmacy.models import LedgerEntry, StockBalance

ZERO = Decimal("0")
LEDGER_TABLE = "ledger_entry"


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
    checkpoint_problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.checkpoint_problems


def _balance_problem(entry: LedgerEntry, lot_after: Decimal, product_after: Decimal) -> str | None:
    if entry.balance_mg != lot_after:
        return (
            f"its running balance {entry.balance_mg} mg should be {lot_after} mg "
            "from the entries before it"
        )
    if entry.product_balance_mg != product_after:
        return f"its product balance {entry.product_balance_mg} mg should be {product_after} mg"
    if lot_after < 0:
        return "it takes the balance below zero"
    return None


def verify_ledger(
    on_entry: Callable[[], None] | None = None, anchors: Anchors | None = None
) -> LedgerReport:
    anchors = anchors if anchors is not None else load_anchors()
    walk = ChainWalk(LEDGER_TABLE, chain_keys(), anchors)
    checked = 0
    breaks: list[LedgerBreak] = []
    # (clinic, lot, location) -> the sum of its entries
    sums: dict[tuple[int, int, int], Decimal] = {}
    clinic: int | None = None
    product_balances: dict[int, Decimal] = {}
    for entry in LedgerEntry.objects.order_by("chain_key", "chain_seq").iterator(chunk_size=2000):
        if on_entry is not None:
            on_entry()
        if entry.chain_key != clinic:
            clinic, product_balances = entry.chain_key, {}
        if walk.is_broken(entry.chain_key):
            continue
        checked += 1
        key = (entry.chain_key, entry.lot_id, entry.location_id)
        lot_after = sums.get(key, ZERO) + entry.quantity_mg
        product_after = product_balances.get(entry.product_id, ZERO) + entry.quantity_mg
        broken = walk.check(entry)
        problem = broken.problem if broken else _balance_problem(entry, lot_after, product_after)
        if problem:
            breaks.append(LedgerBreak(entry.chain_key, entry.pk, entry.chain_seq, problem))
            walk.broken.add(entry.chain_key)
            continue
        sums[key] = lot_after
        product_balances[entry.product_id] = product_after
    for broken in walk.finish():
        breaks.append(LedgerBreak(broken.chain_key, None, broken.chain_seq, broken.problem))

    balances_checked = 0
    seen: set[tuple[int, int, int]] = set()
    for row in StockBalance.objects.order_by("clinic_id", "lot_id", "location_id"):
        if walk.is_broken(row.clinic_id):
            continue
        balances_checked += 1
        key = (row.clinic_id, row.lot_id, row.location_id)
        seen.add(key)
        expected = sums.get(key, ZERO)
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
            walk.broken.add(row.clinic_id)
    for (clinic_id, lot_id, location_id), total in sorted(sums.items()):
        if total != 0 and (clinic_id, lot_id, location_id) not in seen:
            if walk.is_broken(clinic_id):
                continue
            breaks.append(
                LedgerBreak(
                    clinic_id,
                    None,
                    None,
                    f"lot id {lot_id} at location id {location_id} has no balance row, but its "
                    f"entries sum to {total} mg (the balance row was deleted)",
                )
            )
            walk.broken.add(clinic_id)
    return LedgerReport(checked, balances_checked, breaks, anchors.problems)
