"""The pharmacy's services: the only writers of stock, each one transaction with its audit event."""

from openhat.pharmacy.services.counts import (
    CountedLot,
    ReconciliationRow,
    close_discrepancy,
    open_discrepancies,
    reconciliation,
    record_count,
)
from openhat.pharmacy.services.movements import (
    Movement,
    adjust_stock,
    destroy_stock,
    issue_dose,
    receive_stock,
    reconstitute,
    record_waste,
    remove_expired,
    return_dose,
    reverse_movement,
    transfer_stock,
)
from openhat.pharmacy.services.queries import (
    Alert,
    LedgerFilter,
    alerts,
    balances,
    ledger,
    product_totals,
)

__all__ = [
    "Alert",
    "CountedLot",
    "LedgerFilter",
    "Movement",
    "ReconciliationRow",
    "adjust_stock",
    "alerts",
    "balances",
    "close_discrepancy",
    "destroy_stock",
    "issue_dose",
    "ledger",
    "open_discrepancies",
    "product_totals",
    "receive_stock",
    "reconciliation",
    "reconstitute",
    "record_count",
    "record_waste",
    "remove_expired",
    "return_dose",
    "reverse_movement",
    "transfer_stock",
]
