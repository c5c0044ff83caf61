"""The reports as CSV, safe to open in a spreadsheet (no cell starts a formula)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from openhat.pharmacy.reports.consumption import Consumption
from openhat.pharmacy.reports.inventory import Inventory
from openhat.pharmacy.reports.losses import LossReport
from openhat.pharmacy.reports.register import Register, strength_text

# --- CSV ----------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet cannot run: text starting like a formula gets a leading quote.

    Numbers, dates and times are written by this module, never by a person, and stay as they are
    (a negative adjustment is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, int)):
        return value.isoformat() if isinstance(value, date) else str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


REGISTER_CSV_HEADER = (
    "entry",
    "at",
    "kind",
    "lot",
    "location",
    "in_mg",
    "in_ml",
    "out_mg",
    "out_ml",
    "balance_mg",
    "balance_ml",
    "lot_balance_mg",
    "lot_balance_ml",
    "supplier",
    "document",
    "patient",
    "dose_reference",
    "actor",
    "witness",
    "reason",
    "note",
)


def register_csv(register: Register) -> str:
    """One row per ledger entry, between an opening-balance and a closing-balance row."""
    start = register.period.start(register.clinic)
    end = register.period.end(register.clinic)
    opening = ["", start, "opening_balance", "", "", "", "", "", ""]
    closing = ["", end, "closing_balance", "", "", "", "", "", ""]
    rows: list[list[object]] = [
        [*opening, register.opening_mg, register.opening_ml, *[""] * 10],
    ]
    for line in register.lines:
        rows.append(
            [
                line.entry,
                line.at,
                line.kind,
                line.lot_number,
                line.location,
                line.in_mg,
                line.in_ml,
                line.out_mg,
                line.out_ml,
                line.balance_mg,
                line.balance_ml,
                line.lot_balance_mg,
                line.lot_balance_ml,
                line.supplier,
                line.document_number,
                line.patient,
                line.dose_reference,
                line.actor,
                line.witness,
                line.reason,
                line.note,
            ]
        )
    rows.append([*closing, register.closing_mg, register.closing_ml, *[""] * 10])
    return to_csv(REGISTER_CSV_HEADER, rows)


CONSUMPTION_CSV_HEADER = (
    "product",
    "product_name",
    "month",
    "received_mg",
    "issued_mg",
    "returned_mg",
    "dispensed_mg",
    "wasted_mg",
    "destroyed_mg",
    "adjusted_mg",
    "reconstituted_mg",
)


def consumption_csv(consumption: Consumption) -> str:
    rows = [
        [
            row.product.code,
            row.product.name,
            cell.month.strftime("%Y-%m"),
            cell.received_mg,
            cell.issued_mg,
            cell.returned_mg,
            cell.dispensed_mg,
            cell.wasted_mg,
            cell.destroyed_mg,
            cell.adjusted_mg,
            cell.reconstituted_mg,
        ]
        for row in consumption.rows
        for cell in row.cells
    ]
    return to_csv(CONSUMPTION_CSV_HEADER, rows)


INVENTORY_CSV_HEADER = (
    "product",
    "product_name",
    "form",
    "strength",
    "lot",
    "supplier",
    "expires_on",
    "location",
    "units",
    "unit",
    "balance_mg",
    "balance_ml",
    "last_movement_at",
    "inventory_as_of",
    "taken_by",
)


def inventory_csv(inventory: Inventory) -> str:
    rows = [
        [
            line.product.code,
            line.product.name,
            line.product.get_kind_display(),
            strength_text(line.product),
            line.lot_number,
            line.supplier,
            line.expires_on,
            line.location,
            line.units,
            line.product.get_count_unit_display(),
            line.balance_mg,
            line.balance_ml,
            line.last_movement_at,
            timezone.localtime(inventory.as_of, inventory.clinic.zone),
            inventory.generated_by,
        ]
        for line in inventory.lines
    ]
    return to_csv(INVENTORY_CSV_HEADER, rows)


LOSS_CSV_HEADER = (
    "type",
    "reference",
    "at",
    "product",
    "product_name",
    "lot",
    "location",
    "quantity_mg",
    "quantity_ml",
    "recorded_by",
    "witness",
    "reason",
    "status",
    "closed_at",
    "closed_by",
    "investigation",
    "link",
)


def losses_csv(report: LossReport) -> str:
    rows = [
        [
            record.kind,
            record.reference,
            record.at,
            record.product_code,
            record.product,
            record.lot_number,
            record.location,
            record.quantity_mg,
            record.quantity_ml,
            record.recorded_by,
            record.witness,
            record.reason,
            record.status,
            record.closed_at,
            record.closed_by,
            record.investigation_note,
            record.adjustment_reference,
        ]
        for record in report.records
    ]
    return to_csv(LOSS_CSV_HEADER, rows)
