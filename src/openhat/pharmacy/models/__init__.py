"""Controlled-substance pharmacy records (issue 5; docs/domain.md §6 and §7 invariants 5 and 6)."""

from openhat.pharmacy.models.catalogue import (
    DOSE_KINDS,
    LIQUID_KINDS,
    CountUnit,
    Location,
    LocationKind,
    Lot,
    Product,
    ProductKind,
    StockBalance,
)
from openhat.pharmacy.models.counts import (
    CountLine,
    CountOccasion,
    Discrepancy,
    DiscrepancyClosure,
    StockCount,
)
from openhat.pharmacy.models.ledger import WITNESSED_KINDS, EntryKind, LedgerEntry

__all__ = [
    "DOSE_KINDS",
    "LIQUID_KINDS",
    "WITNESSED_KINDS",
    "CountLine",
    "CountOccasion",
    "CountUnit",
    "Discrepancy",
    "DiscrepancyClosure",
    "EntryKind",
    "LedgerEntry",
    "Location",
    "LocationKind",
    "Lot",
    "Product",
    "ProductKind",
    "StockBalance",
    "StockCount",
]
