"""Pharmacy registers and reports over JSON (read-only, VIEW_STOCK).

Every query value arrives as text and is parsed by `openhat.pharmacy.reports`, so the API refuses
exactly what the pages refuse, with the same codes: a bad date or month 400 (`invalid_date`,
`invalid_month`, `invalid_year`), a reversed period 400 `period_reversed`, a period too long 400
`period_too_long`, no product 400 `product_required`, another clinic's or an unknown product 404
`unknown_product`. Quantities are decimal strings in mg (and mL for liquids); times are ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from openhat.clinics.access import clinic_by_code
from openhat.clinics.api import caller
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.patients.schemas import ErrorOut
from openhat.pharmacy import reports

router = Router(tags=["pharmacy reports"])

ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
CLINIC = "/clinics/{clinic}/pharmacy"
MAX_QUERY_TEXT = 40


def _clinic(request: HttpRequest, code: str) -> Clinic:
    clinic, _ = clinic_by_code(caller(request), code[:MAX_QUERY_TEXT], Capability.VIEW_STOCK)
    return clinic


def _who(request: HttpRequest) -> str:
    return caller(request).get_username()


class PeriodOut(Schema):
    since: date
    until: date


class ReportProductOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    count_unit: str
    strength: str
    liquid: bool


def _product(product: Any) -> dict[str, Any]:
    return {
        "id": product.pk,
        "code": product.code,
        "name": product.name,
        "kind": product.kind,
        "count_unit": product.count_unit,
        "strength": reports.strength_text(product),
        "liquid": product.is_liquid,
    }


class RegisterLineOut(Schema):
    entry_id: int = Field(description="The ledger entry's number, as on every page and sheet")
    at: datetime
    kind: str
    lot: str
    location: str
    in_mg: Decimal | None
    in_ml: Decimal | None
    out_mg: Decimal | None
    out_ml: Decimal | None
    balance_mg: Decimal
    balance_ml: Decimal | None
    lot_balance_mg: Decimal
    lot_balance_ml: Decimal | None
    supplier: str
    document_number: str
    patient: str
    dose_reference: str
    actor: str
    witness: str
    reason: str
    reverses_entry_id: int | None
    reversed_by_entry_id: int | None
    note: str


class RegisterOut(Schema):
    clinic: str
    product: ReportProductOut
    period: PeriodOut
    opening_mg: Decimal
    opening_ml: Decimal | None
    closing_mg: Decimal
    closing_ml: Decimal | None
    total_in_mg: Decimal
    total_out_mg: Decimal
    lines: list[RegisterLineOut]
    generated_at: datetime
    generated_by: str


@router.get(
    f"{CLINIC}/register",
    response={200: RegisterOut, **ERRORS},
    summary="The narcotics register of one product over a period (in the terms of the clinic's jurisdiction)",
    description=(
        "`product` is the product's id; `since` and `until` are clinic-local dates (YYYY-MM-DD, "
        "both included, at most 366 days; by default this month up to today). The opening "
        "balance, every ledger entry in ledger order with the product's running balance as the "
        "ledger stored it, and the closing balance."
    ),
)
def register(
    request: HttpRequest,
    clinic: str,
    product: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    place = _clinic(request, clinic)
    chosen = reports.report_product(place, product)
    period = reports.parse_period(place, since, until)
    found = reports.narcotics_register(place, chosen, period, generated_by=_who(request))
    return {
        "clinic": place.code,
        "product": _product(chosen),
        "period": {"since": period.since, "until": period.until},
        "opening_mg": found.opening_mg,
        "opening_ml": found.opening_ml,
        "closing_mg": found.closing_mg,
        "closing_ml": found.closing_ml,
        "total_in_mg": found.total_in_mg,
        "total_out_mg": found.total_out_mg,
        "lines": [
            {
                "entry_id": line.entry,
                "at": line.at,
                "kind": line.kind,
                "lot": line.lot_number,
                "location": line.location,
                "in_mg": line.in_mg,
                "in_ml": line.in_ml,
                "out_mg": line.out_mg,
                "out_ml": line.out_ml,
                "balance_mg": line.balance_mg,
                "balance_ml": line.balance_ml,
                "lot_balance_mg": line.lot_balance_mg,
                "lot_balance_ml": line.lot_balance_ml,
                "supplier": line.supplier,
                "document_number": line.document_number,
                "patient": line.patient,
                "dose_reference": line.dose_reference,
                "actor": line.actor,
                "witness": line.witness,
                "reason": line.reason,
                "reverses_entry_id": line.reverses_entry,
                "reversed_by_entry_id": line.reversed_by_entry,
                "note": line.note,
            }
            for line in found.lines
        ],
        "generated_at": found.generated_at,
        "generated_by": found.generated_by,
    }


class ConsumptionMonthOut(Schema):
    month: str  # YYYY-MM
    received_mg: Decimal
    issued_mg: Decimal
    returned_mg: Decimal
    dispensed_mg: Decimal
    wasted_mg: Decimal
    destroyed_mg: Decimal
    adjusted_mg: Decimal
    reconstituted_mg: Decimal


class ConsumptionProductOut(Schema):
    product: ReportProductOut
    months: list[ConsumptionMonthOut]
    total: ConsumptionMonthOut


class ConsumptionOut(Schema):
    clinic: str
    first_month: str
    last_month: str
    products: list[ConsumptionProductOut]
    generated_at: datetime
    generated_by: str


def _cell(cell: reports.ConsumptionCell, label: str) -> dict[str, Any]:
    return {
        "month": label,
        "received_mg": cell.received_mg,
        "issued_mg": cell.issued_mg,
        "returned_mg": cell.returned_mg,
        "dispensed_mg": cell.dispensed_mg,
        "wasted_mg": cell.wasted_mg,
        "destroyed_mg": cell.destroyed_mg,
        "adjusted_mg": cell.adjusted_mg,
        "reconstituted_mg": cell.reconstituted_mg,
    }


@router.get(
    f"{CLINIC}/consumption",
    response={200: ConsumptionOut, **ERRORS},
    summary="Monthly consumption per product, in mg",
    description=(
        "Either `year` (YYYY) or `since`/`until` months (YYYY-MM, at most 60 months); by default "
        "the current year. `dispensed_mg` is issued for doses minus returned; `adjusted_mg` is "
        "signed (+ found, - missing); a reversal counts against its original's column in the "
        "month it was recorded."
    ),
)
def consumption(
    request: HttpRequest,
    clinic: str,
    year: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    place = _clinic(request, clinic)
    months = reports.parse_months(place, year, since, until)
    found = reports.monthly_consumption(place, months, generated_by=_who(request))
    span = f"{months.first:%Y-%m} to {months.last:%Y-%m}"
    return {
        "clinic": place.code,
        "first_month": f"{months.first:%Y-%m}",
        "last_month": f"{months.last:%Y-%m}",
        "products": [
            {
                "product": _product(row.product),
                "months": [_cell(cell, f"{cell.month:%Y-%m}") for cell in row.cells],
                "total": _cell(row.total, span),
            }
            for row in found.rows
        ],
        "generated_at": found.generated_at,
        "generated_by": found.generated_by,
    }


class InventoryLineOut(Schema):
    product: ReportProductOut
    lot: str
    supplier: str
    expires_on: date
    location: str
    units: Decimal
    balance_mg: Decimal
    balance_ml: Decimal | None
    last_entry_id: int
    last_movement_at: datetime


class InventoryOut(Schema):
    clinic: str
    on: date
    as_of: datetime
    last_entry_id: int
    taken_by: str
    taken_at: datetime
    lines: list[InventoryLineOut]


@router.get(
    f"{CLINIC}/inventory",
    response={200: InventoryOut, **ERRORS},
    summary="Stock on hand per product, lot and location at the close of a day (US pilot)",
    description=(
        "`on` is a clinic-local date (YYYY-MM-DD, not in the future; by default today). Each "
        "lot's running balance at each location after the last ledger entry of that day, with "
        "who took the inventory and when. A record for a research pilot, not an official DEA form."
    ),
)
def inventory(request: HttpRequest, clinic: str, on: str | None = None) -> dict[str, Any]:
    place = _clinic(request, clinic)
    day = reports.parse_on_date(place, on)
    found = reports.inventory_on(place, day, generated_by=_who(request))
    return {
        "clinic": place.code,
        "on": found.on,
        "as_of": found.as_of,
        "last_entry_id": found.last_entry,
        "taken_by": found.generated_by,
        "taken_at": found.generated_at,
        "lines": [
            {
                "product": _product(line.product),
                "lot": line.lot_number,
                "supplier": line.supplier,
                "expires_on": line.expires_on,
                "location": line.location,
                "units": line.units,
                "balance_mg": line.balance_mg,
                "balance_ml": line.balance_ml,
                "last_entry_id": line.last_entry,
                "last_movement_at": line.last_movement_at,
            }
            for line in found.lines
        ],
    }


class LossRecordOut(Schema):
    type: str
    reference: str
    at: datetime
    product: str
    product_name: str
    lot: str
    location: str
    quantity_mg: Decimal
    quantity_ml: Decimal | None
    recorded_by: str
    witness: str
    reason: str
    status: str
    closed_at: datetime | None
    closed_by: str
    investigation_note: str
    link: str


class LossAuthorityOut(Schema):
    country: str
    authority: str
    form: str
    deadline: str


class LossesOut(Schema):
    clinic: str
    reported_to: LossAuthorityOut
    period: PeriodOut | None
    open_investigations: int
    records: list[LossRecordOut]
    generated_at: datetime
    generated_by: str


@router.get(
    f"{CLINIC}/losses",
    response={200: LossesOut, **ERRORS},
    summary="Loss and theft records: negative adjustments, waste without a dose, shortfalls",
    description=(
        "Optional `since`/`until` clinic-local dates (YYYY-MM-DD); without them, every record. "
        "`type` is negative_adjustment, waste_without_dose or count_shortfall; a shortfall "
        "carries its status (open/closed) and investigation; an adjustment that closes a "
        "shortfall is that shortfall's `link`, not a second record. `reported_to` names the "
        "authority of the clinic's jurisdiction, its form and deadline. It files nothing."
    ),
)
def losses(
    request: HttpRequest, clinic: str, since: str | None = None, until: str | None = None
) -> dict[str, Any]:
    place = _clinic(request, clinic)
    period = reports.parse_open_period(place, since, until)
    found = reports.loss_records(place, period, generated_by=_who(request))
    return {
        "clinic": place.code,
        "reported_to": {
            "country": found.keeping.country,
            "authority": found.keeping.loss_authority,
            "form": found.keeping.loss_form,
            "deadline": found.keeping.loss_deadline,
        },
        "period": {"since": period.since, "until": period.until} if period else None,
        "open_investigations": found.open_count,
        "records": [
            {
                "type": record.kind,
                "reference": record.reference,
                "at": record.at,
                "product": record.product_code,
                "product_name": record.product,
                "lot": record.lot_number,
                "location": record.location,
                "quantity_mg": record.quantity_mg,
                "quantity_ml": record.quantity_ml,
                "recorded_by": record.recorded_by,
                "witness": record.witness,
                "reason": record.reason,
                "status": record.status,
                "closed_at": record.closed_at,
                "closed_by": record.closed_by,
                "investigation_note": record.investigation_note,
                "link": record.adjustment_reference,
            }
            for record in found.records
        ],
        "generated_at": found.generated_at,
        "generated_by": found.generated_by,
    }
