"""Registers and reports read off the controlled-substance ledger (docs/domain.md §6). Nothing here writes.

- `narcotics_register`: one product over a period, worded for the clinic's jurisdiction
  (`openhat.pharmacy.jurisdictions`): the opening
  balance, every ledger entry in ledger order with its in and out quantities in mg
  (and mL for liquids) and the product's running balance as the ledger stored it, then the closing
  balance.
- `monthly_consumption`: per product and clinic-local month, mg received, issued for doses,
  returned, wasted, destroyed, adjusted, and moved by reconstitution.
- `inventory_on`: stock on hand per product, lot and location at the end of a clinic-local day,
  read from each lot's running balance in the ledger (the basis of a US Schedule I inventory record).
- `loss_records`: every negative count adjustment, every waste not linked to a dose, and every
  count that found less than the ledger expected, with its investigation and closure.

Periods are clinic-local calendar dates. The register cuts the ledger at chain positions: it starts
at the first entry written at or after local midnight of the first day and ends before the first
entry written from local midnight after the last day. Each entry's stored product balance is a
running sum in chain order, so opening + movements = closing holds exactly, and the balance column
is the ledger's own, never recomputed. No figure passes through a float.

Every input a person or an API client sends is parsed here, so pages and the API refuse the same
things with the same codes: `invalid_date`, `invalid_month`, `invalid_year`, `period_reversed`,
`period_too_long`, `date_in_future`, `product_required`, `invalid_id` (400) and `unknown_product`
(404).
"""

from openhat.core.clock import clinic_today
from openhat.pharmacy.reports.consumption import (
    Consumption,
    ConsumptionCell,
    ConsumptionRow,
    monthly_consumption,
)
from openhat.pharmacy.reports.exports import (
    consumption_csv,
    csv_cell,
    inventory_csv,
    losses_csv,
    register_csv,
    to_csv,
)
from openhat.pharmacy.reports.inventory import Inventory, InventoryLine, inventory_on
from openhat.pharmacy.reports.losses import LossKind, LossRecord, LossReport, loss_records
from openhat.pharmacy.reports.periods import (
    MAX_CONSUMPTION_MONTHS,
    MAX_REGISTER_DAYS,
    ZERO,
    MonthRange,
    Period,
    add_months,
    local_midnight,
    parse_date,
    parse_month,
    parse_months,
    parse_on_date,
    parse_open_period,
    parse_period,
    report_product,
)
from openhat.pharmacy.reports.register import (
    Register,
    RegisterLine,
    narcotics_register,
    strength_text,
)

__all__ = [
    "MAX_CONSUMPTION_MONTHS",
    "MAX_REGISTER_DAYS",
    "ZERO",
    "Consumption",
    "ConsumptionCell",
    "ConsumptionRow",
    "Inventory",
    "InventoryLine",
    "LossKind",
    "LossRecord",
    "LossReport",
    "MonthRange",
    "Period",
    "Register",
    "RegisterLine",
    "add_months",
    "clinic_today",
    "consumption_csv",
    "csv_cell",
    "inventory_csv",
    "inventory_on",
    "local_midnight",
    "loss_records",
    "losses_csv",
    "monthly_consumption",
    "narcotics_register",
    "parse_date",
    "parse_month",
    "parse_months",
    "parse_on_date",
    "parse_open_period",
    "parse_period",
    "register_csv",
    "report_product",
    "strength_text",
    "to_csv",
]
