"""The pharmacy over JSON: stock, movements, counts, discrepancies and the ledger (issue 5, item 7).

Every path is under /api/clinics/{clinic}/pharmacy/, {clinic} being the clinic's code; a clinic
the caller does not work in is "not found". Every handler validates with a schema, checks the role
through clinic_for_request, calls one pharmacy service and returns. Nurses see only the dosing
room: its balances, its lots and its ledger entries. Witnessed writes carry the witness's own
username and password in the body, checked on the same request (clinics.second_person: wrong
passwords count against the caller, never against the witness named).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability, role_can
from openhat.core import idempotency
from openhat.core.errors import NotFound
from openhat.patients.models import Patient
from openhat.patients.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, ErrorOut
from openhat.pharmacy import services
from openhat.pharmacy.models import (
    CountLine,
    Discrepancy,
    Location,
    LocationKind,
    Lot,
    Product,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.schemas import (
    AdjustmentIn,
    AlertOut,
    BalanceOut,
    ClosureIn,
    CountDetailOut,
    CountIn,
    CountOut,
    DiscrepancyOut,
    DiscrepancyPageOut,
    DiscrepancyQuery,
    DoseIssueIn,
    DoseReturnIn,
    ExpiryRemovalIn,
    LedgerPageOut,
    LedgerQuery,
    LocationIn,
    LocationOut,
    LotPageOut,
    LotQuery,
    MovementOut,
    PageQuery,
    ProductIn,
    ProductOut,
    ReceiptIn,
    ReconstitutionIn,
    RemovalIn,
    ReorderLevelIn,
    ReversalIn,
    TransferIn,
    WasteIn,
    WitnessIn,
)
from openhat.pharmacy.services.catalogue import create_location, create_product, set_reorder_level
from openhat.pharmacy.services.witness import authenticate_witness

router = Router(tags=["pharmacy"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PHARMACY = "/clinics/{slug:clinic}/pharmacy"
IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key answers "
    "201 with what was written the first time and writes nothing more. Reusing a key for a "
    "different action is 409 `idempotency_key_reused`."
)
WITNESS_HELP = (
    "A second staff member of the clinic (nurse, pharmacist, pharmacy technician or physician, "
    "never the person recording) witnesses it: send their `witness_username` and "
    "`witness_password`."
)
MOVEMENT_HELP = (
    "Quantities are a decimal with a `unit`. The answer is the movement with all its ledger "
    "entries; a refusal (`insufficient_stock`, `lot_expired`, `quantity_wrong_unit`, ...) "
    "writes nothing."
)


def _key(header: str | None) -> str | None:
    # One character over the limit is enough for the service to refuse it as too long.
    return (header or "")[: IDEMPOTENCY_KEY_MAX_LENGTH + 1] or None


@dataclass(frozen=True)
class Caller:
    user: User
    clinic: Clinic
    # Nurses hold the dosing room's stock only: everything they read is limited to it.
    dosing_room_only: bool


def _caller(request: HttpRequest, clinic: str, capability: Capability) -> Caller:
    user = caller(request)
    found, membership = clinic_for_request(user, clinic, capability)
    return Caller(user, found, not role_can(membership.role, Capability.VIEW_STOCK))


def _witness(request: HttpRequest, payload: WitnessIn) -> User | None:
    """Called after the role check, so a caller who may not write cannot probe passwords."""
    return authenticate_witness(request, payload.witness_username, payload.witness_password)


# --- rows --------------------------------------------------------------------------------------


def _moved(movement: services.Movement) -> Status[dict[str, Any]]:
    return Status(
        201,
        {
            "movement": movement.movement_id,
            "kind": movement.first.kind,
            "entries": movement.entries,
        },
    )


def _count_row(count: StockCount) -> dict[str, Any]:
    return {
        "id": count.pk,
        "location_id": count.location_id,
        "location_code": count.location.code,
        "occasion": count.occasion,
        "counted_at": count.counted_at,
        "counted_by": count.counted_by_username,
        "note": count.note,
        "ledger_position": count.ledger_position,
    }


def _count_detail(count: StockCount) -> dict[str, Any]:
    before, rows = services.reconciliation(count)
    lines: dict[int, CountLine] = {line.lot_id: line for line in count.lines.all()}
    return {
        **_count_row(count),
        "lots": len(rows),
        "discrepancies": sum(1 for row in rows if row.discrepancy is not None),
        "previous_count_id": before.pk if before else None,
        "rows": [
            {
                "product_id": row.lot.product_id,
                "product_code": row.lot.product.code,
                "lot_id": row.lot.pk,
                "lot_number": row.lot.lot_number,
                "start_mg": row.start_mg,
                "received_mg": row.received_mg,
                "issued_mg": row.issued_mg,
                "returned_mg": row.returned_mg,
                "wasted_mg": row.wasted_mg,
                "adjusted_mg": row.adjusted_mg,
                "expected_mg": row.expected_mg,
                "expected_ml": lines[row.lot.pk].expected_ml,
                "counted_mg": row.counted_mg,
                "counted_ml": lines[row.lot.pk].counted_ml,
                "difference_mg": row.difference_mg,
                "discrepancy_id": row.discrepancy.pk if row.discrepancy else None,
                "discrepancy_closed": row.closed,
            }
            for row in rows
        ],
    }


DISCREPANCY_RELATIONS = (
    "product",
    "lot",
    "location",
    "count_line",
    "closure__adjustment__product",
    "closure__adjustment__lot",
    "closure__adjustment__location",
    "closure__adjustment__patient",
)


def _discrepancy_row(discrepancy: Discrepancy) -> dict[str, Any]:
    closure = discrepancy.closure if hasattr(discrepancy, "closure") else None
    return {
        "id": discrepancy.pk,
        "count_id": discrepancy.count_line.count_id,
        "product_id": discrepancy.product_id,
        "product_code": discrepancy.product.code,
        "lot_id": discrepancy.lot_id,
        "lot_number": discrepancy.lot.lot_number,
        "location_id": discrepancy.location_id,
        "location_code": discrepancy.location.code,
        "expected_mg": discrepancy.count_line.expected_mg,
        "counted_mg": discrepancy.count_line.counted_mg,
        "difference_mg": discrepancy.difference_mg,
        "opened_at": discrepancy.opened_at,
        "status": "open" if closure is None else "closed",
        "closure": None
        if closure is None
        else {
            "closed_at": closure.closed_at,
            "closed_by": closure.closed_by_username,
            "investigation_note": closure.investigation_note,
            "adjustment": closure.adjustment,
        },
    }


def _discrepancy_of(clinic: Clinic, discrepancy_id: int) -> Discrepancy:
    found = (
        Discrepancy.objects.select_related(*DISCREPANCY_RELATIONS)
        .filter(clinic=clinic, pk=discrepancy_id)
        .first()
    )
    if found is None:
        raise NotFound("unknown_discrepancy", "No such discrepancy in this clinic.", "discrepancy")
    return found


def _patient_of(clinic: Clinic, client_code: str) -> Patient | None:
    code = client_code.strip().upper()
    if not code:
        return None
    found = Patient.objects.filter(clinic=clinic, client_code=code).first()
    if found is None:
        raise NotFound("patient_not_found", "No such patient in this clinic.", "patient")
    return found


def _page(count: int, query: PageQuery, items: list[Any]) -> dict[str, Any]:
    return {"count": count, "limit": query.limit, "offset": query.offset, "items": items}


# --- the catalogue -----------------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/products",
    response={200: list[ProductOut], **ERRORS},
    summary="The clinic's products, with their units and conversions",
)
def list_products(request: HttpRequest, clinic: str) -> Any:
    found = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK).clinic
    return Product.objects.filter(clinic=found).order_by("code")


@router.post(
    f"{PHARMACY}/products",
    response={201: ProductOut, **ERRORS},
    summary="Add a product (pharmacists and physicians)",
    description="A second product with the same code is 409 `product_code_taken`.",
)
def add_product(
    request: HttpRequest,
    clinic: str,
    payload: ProductIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Product]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    product = create_product(
        actor=who.user,
        clinic=who.clinic,
        kind=payload.kind,
        name=payload.name,
        strength=payload.strength,
        code=payload.code,
        reconstitutes_to_id=payload.reconstitutes_to,
        in_use_hours=payload.in_use_hours,
        reorder_level_mg=payload.reorder_level_mg,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, product)


@router.post(
    f"{PHARMACY}/products/{{int:product_id}}/reorder-level",
    response={200: ProductOut, **ERRORS},
    summary="Set a product's reorder level in mg (a low-stock alert below it)",
    description=idempotency.IDEMPOTENCY_HELP,
)
def change_reorder_level(
    request: HttpRequest,
    clinic: str,
    product_id: int,
    payload: ReorderLevelIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Product:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return idempotency.once(
        who.user,
        _key(idempotency_key),
        f"pharmacy.reorder_level:{product_id}",
        Product,
        lambda: set_reorder_level(
            actor=who.user,
            clinic=who.clinic,
            product_id=product_id,
            reorder_level_mg=payload.reorder_level_mg,
        ),
    )


@router.get(
    f"{PHARMACY}/locations",
    response={200: list[LocationOut], **ERRORS},
    summary="The clinic's stock locations: safe, dosing room, quarantine",
)
def list_locations(request: HttpRequest, clinic: str) -> Any:
    found = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK).clinic
    return Location.objects.filter(clinic=found).order_by("code")


@router.post(
    f"{PHARMACY}/locations",
    response={201: LocationOut, **ERRORS},
    summary="Add a stock location (pharmacists and physicians)",
    description="A second location with the same code is 409 `location_code_taken`.",
)
def add_location(
    request: HttpRequest,
    clinic: str,
    payload: LocationIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Location]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    location = create_location(
        actor=who.user,
        clinic=who.clinic,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, location)


# --- stock -------------------------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/lots",
    response={200: LotPageOut, **ERRORS},
    summary="Lots with their balance at each location (nurses: the dosing room's only)",
)
def list_lots(request: HttpRequest, clinic: str, filters: Query[LotQuery]) -> dict[str, Any]:
    who = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    held = StockBalance.objects.filter(balance_mg__gt=0)
    if who.dosing_room_only:
        held = held.filter(location__kind=LocationKind.DOSING_ROOM)
    lots = Lot.objects.filter(clinic=who.clinic).select_related("product", "clinic")
    if who.dosing_room_only or not filters.include_empty:
        lots = lots.filter(Exists(held.filter(lot=OuterRef("pk"))))
    if filters.product is not None:
        lots = lots.filter(product_id=filters.product)
    lots = lots.order_by("product__code", "expires_on", "lot_number", "pk")
    page = lots.prefetch_related(
        Prefetch(
            "balances",
            queryset=held.select_related("location").order_by("location__code"),
            to_attr="held",
        )
    )[filters.offset : filters.offset + filters.limit]
    return _page(lots.count(), filters, list(page))


@router.get(
    f"{PHARMACY}/balances",
    response={200: list[BalanceOut], **ERRORS},
    summary="Every lot held, per location (nurses: the dosing room's only)",
)
def list_balances(request: HttpRequest, clinic: str) -> Any:
    who = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    return services.balances(who.clinic, dosing_room_only=who.dosing_room_only).select_related(
        "lot__clinic"
    )


@router.get(
    f"{PHARMACY}/alerts",
    response={200: list[AlertOut], **ERRORS},
    summary="Lots expiring soon, expired solution, low stock, open discrepancies",
    description="Nurses get the dosing room's expiry alerts only.",
)
def list_alerts(request: HttpRequest, clinic: str) -> Any:
    who = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    return services.alerts(who.clinic, dosing_room_only=who.dosing_room_only)


@router.get(
    f"{PHARMACY}/ledger",
    response={200: LedgerPageOut, **ERRORS},
    summary="Ledger entries, newest first, with filters (nurses: the dosing room's only)",
)
def list_ledger(request: HttpRequest, clinic: str, filters: Query[LedgerQuery]) -> dict[str, Any]:
    who = _caller(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    chosen = services.LedgerFilter(
        product_id=filters.product,
        lot_id=filters.lot,
        location_id=filters.location,
        kind=filters.kind,
        since=filters.since,
        until=filters.until,
    )
    entries = services.ledger(who.clinic, chosen, dosing_room_only=who.dosing_room_only)
    page = entries[filters.offset : filters.offset + filters.limit]
    return _page(entries.count(), filters, list(page))


# --- movements ---------------------------------------------------------------------------------


@router.post(
    f"{PHARMACY}/receipts",
    response={201: MovementOut, **ERRORS},
    summary="Receive a delivery into the safe or the dosing room",
    description=(
        "Creates the lot (or adds to the same lot from the same supplier with the same expiry). "
        f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}"
    ),
)
def receive(
    request: HttpRequest,
    clinic: str,
    payload: ReceiptIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.receive_stock(
            actor=who.user,
            clinic=who.clinic,
            product_id=payload.product,
            location_id=payload.location,
            lot_number=payload.lot_number,
            supplier=payload.supplier,
            expires_on=payload.expires_on,
            receipt_document=payload.receipt_document,
            amount=payload.quantity,
            unit=payload.unit,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/transfers",
    response={201: MovementOut, **ERRORS},
    summary="Move stock of one lot from one location to another",
    description=f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
)
def transfer(
    request: HttpRequest,
    clinic: str,
    payload: TransferIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.transfer_stock(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            from_location_id=payload.from_location,
            to_location_id=payload.to_location,
            amount=payload.quantity,
            unit=payload.unit,
            reason=payload.reason,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/reconstitutions",
    response={201: MovementOut, **ERRORS},
    summary="Reconstitute whole vials: vials out, a new solution lot in",
    description=(
        "More vials than the location holds is 400 `reconstitute_exceeds_stock`. "
        f"{IDEMPOTENCY_HELP}"
    ),
)
def reconstitute(
    request: HttpRequest,
    clinic: str,
    payload: ReconstitutionIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.reconstitute(
            actor=who.user,
            clinic=who.clinic,
            vial_lot_id=payload.vial_lot,
            location_id=payload.location,
            vials=payload.vials,
            in_use_expires_at=payload.in_use_expires_at,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/dose-issues",
    response={201: MovementOut, **ERRORS},
    summary="Draw a dose from the dosing room's stock (nurses, pharmacists, physicians)",
    description=(
        "An expired lot or a solution past its in-use expiry is refused (`lot_expired`, "
        f"`solution_expired`). {MOVEMENT_HELP} {IDEMPOTENCY_HELP}"
    ),
)
def issue_dose(
    request: HttpRequest,
    clinic: str,
    payload: DoseIssueIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.ISSUE_DOSE)
    return _moved(
        services.issue_dose(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            location_id=payload.location,
            amount=payload.quantity,
            unit=payload.unit,
            patient=_patient_of(who.clinic, payload.patient),
            dose_reference=payload.dose_reference,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/dose-returns",
    response={201: MovementOut, **ERRORS},
    summary="Return what was drawn for a dose and not given to the lot it came from",
    description=f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
)
def return_dose(
    request: HttpRequest,
    clinic: str,
    payload: DoseReturnIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.ISSUE_DOSE)
    return _moved(
        services.return_dose(
            actor=who.user,
            clinic=who.clinic,
            issued_entry_id=payload.issued_entry,
            amount=payload.quantity,
            unit=payload.unit,
            reason=payload.reason,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/waste",
    response={201: MovementOut, **ERRORS},
    summary="Record waste, with a witness",
    description=(
        "Pharmacists and physicians; nurses too when the waste belongs to a dose they issued "
        f"(`issued_entry`). {WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}"
    ),
)
def waste(
    request: HttpRequest,
    clinic: str,
    payload: WasteIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    needed = Capability.MOVE_STOCK if payload.issued_entry is None else Capability.ISSUE_DOSE
    who = _caller(request, clinic, needed)
    return _moved(
        services.record_waste(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            location_id=payload.location,
            amount=payload.quantity,
            unit=payload.unit,
            reason=payload.reason,
            witness=_witness(request, payload),
            issued_entry_id=payload.issued_entry,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/adjustments",
    response={201: MovementOut, **ERRORS},
    summary="A count adjustment up (`add`) or down (`remove`), with a witness",
    description=f"{WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
)
def adjust(
    request: HttpRequest,
    clinic: str,
    payload: AdjustmentIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.adjust_stock(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            location_id=payload.location,
            direction=payload.direction,
            amount=payload.quantity,
            unit=payload.unit,
            reason=payload.reason,
            witness=_witness(request, payload),
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/destructions",
    response={201: MovementOut, **ERRORS},
    summary="Destroy stock, with a witness",
    description=f"{WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
)
def destroy(
    request: HttpRequest,
    clinic: str,
    payload: RemovalIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.destroy_stock(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            location_id=payload.location,
            amount=payload.quantity,
            unit=payload.unit,
            reason=payload.reason,
            witness=_witness(request, payload),
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/expiry-removals",
    response={201: MovementOut, **ERRORS},
    summary="Move all of an expired lot (or expired solution) at a location to quarantine",
    description=(
        "A lot that has not expired is 400 `lot_not_expired`: move it with a transfer. "
        f"{IDEMPOTENCY_HELP}"
    ),
)
def remove_expired(
    request: HttpRequest,
    clinic: str,
    payload: ExpiryRemovalIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.remove_expired(
            actor=who.user,
            clinic=who.clinic,
            lot_id=payload.lot,
            location_id=payload.location,
            quarantine_id=payload.quarantine,
            idempotency_key=_key(idempotency_key),
        )
    )


@router.post(
    f"{PHARMACY}/entries/{{int:entry_id}}/reversal",
    response={201: MovementOut, **ERRORS},
    summary="Reverse the movement a ledger entry belongs to, with a reason",
    description=(
        "New entries undo every line of the movement and point at the ones they undo; nothing is "
        "edited. Reversing a witnessed movement needs a witness too. A reversal cannot be "
        "reversed (400 `reversal_of_reversal`), nor a movement twice (409 `already_reversed`). "
        f"{IDEMPOTENCY_HELP}"
    ),
)
def reverse(
    request: HttpRequest,
    clinic: str,
    entry_id: int,
    payload: ReversalIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    return _moved(
        services.reverse_movement(
            actor=who.user,
            clinic=who.clinic,
            entry_id=entry_id,
            reason=payload.reason,
            witness=_witness(request, payload),
            idempotency_key=_key(idempotency_key),
        )
    )


# --- counts and discrepancies ------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/counts",
    response={200: list[CountOut], **ERRORS},
    summary="Counts, newest first",
)
def list_counts(request: HttpRequest, clinic: str, filters: Query[PageQuery]) -> Any:
    who = _caller(request, clinic, Capability.VIEW_STOCK)
    counts = (
        StockCount.objects.filter(clinic=who.clinic)
        .select_related("location")
        .annotate(
            lot_total=Count("lines", distinct=True),
            discrepancy_total=Count("lines__discrepancy", distinct=True),
        )
        .order_by("-counted_at", "-pk")[filters.offset : filters.offset + filters.limit]
    )
    return [
        {
            **_count_row(count),
            "lots": count.lot_total,  # annotated above
            "discrepancies": count.discrepancy_total,
        }
        for count in counts
    ]


@router.post(
    f"{PHARMACY}/counts",
    response={201: CountDetailOut, **ERRORS},
    summary="Record a count of one location: every lot held there, as physically counted",
    description=(
        "Each lot that differs from the ledger opens a discrepancy. A lot held there and not "
        "counted is 400 `count_incomplete`; a lot not of this clinic is 404 `unknown_lot`. The "
        f"answer is the count with its reconciliation. {IDEMPOTENCY_HELP}"
    ),
)
def add_count(
    request: HttpRequest,
    clinic: str,
    payload: CountIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    count = services.record_count(
        actor=who.user,
        clinic=who.clinic,
        location_id=payload.location,
        occasion=payload.occasion,
        lines=[services.CountedLot(line.lot, line.counted, line.unit) for line in payload.lines],
        note=payload.note,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, _count_detail(count))


@router.get(
    f"{PHARMACY}/counts/{{int:count_id}}",
    response={200: CountDetailOut, **ERRORS},
    summary="One count with its reconciliation per lot",
    description=(
        "Each row: start (at the location's previous count) + received - issued + returned - "
        "wasted ± adjusted = expected, against counted."
    ),
)
def show_count(request: HttpRequest, clinic: str, count_id: int) -> dict[str, Any]:
    who = _caller(request, clinic, Capability.VIEW_STOCK)
    count = (
        StockCount.objects.filter(clinic=who.clinic, pk=count_id).select_related("location").first()
    )
    if count is None:
        raise NotFound("unknown_count", "No such count in this clinic.", "count_id")
    return _count_detail(count)


@router.get(
    f"{PHARMACY}/discrepancies",
    response={200: DiscrepancyPageOut, **ERRORS},
    summary="Discrepancies, open and closed, newest first",
)
def list_discrepancies(
    request: HttpRequest, clinic: str, filters: Query[DiscrepancyQuery]
) -> dict[str, Any]:
    who = _caller(request, clinic, Capability.VIEW_STOCK)
    found = Discrepancy.objects.filter(clinic=who.clinic).select_related(*DISCREPANCY_RELATIONS)
    if filters.status:
        found = found.filter(closure__isnull=filters.status == "open")
    found = found.order_by("-opened_at", "-pk")
    page = found[filters.offset : filters.offset + filters.limit]
    return _page(found.count(), filters, [_discrepancy_row(item) for item in page])


@router.get(
    f"{PHARMACY}/discrepancies/{{int:discrepancy_id}}",
    response={200: DiscrepancyOut, **ERRORS},
    summary="One discrepancy, with its closure if closed",
)
def show_discrepancy(request: HttpRequest, clinic: str, discrepancy_id: int) -> dict[str, Any]:
    who = _caller(request, clinic, Capability.VIEW_STOCK)
    return _discrepancy_row(_discrepancy_of(who.clinic, discrepancy_id))


@router.post(
    f"{PHARMACY}/discrepancies/{{int:discrepancy_id}}/closure",
    response={201: DiscrepancyOut, **ERRORS},
    summary="Close a discrepancy with what the investigation found",
    description=(
        "`adjust: true` books the difference as a count adjustment, which needs a witness. "
        f"{WITNESS_HELP} A retry with the same `Idempotency-Key` answers with the first closure; a second closure "
        "without it is 409 `discrepancy_closed`."
    ),
)
def close_discrepancy(
    request: HttpRequest,
    clinic: str,
    discrepancy_id: int,
    payload: ClosureIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = _caller(request, clinic, Capability.MOVE_STOCK)
    services.close_discrepancy(
        actor=who.user,
        clinic=who.clinic,
        discrepancy_id=discrepancy_id,
        investigation_note=payload.investigation_note,
        adjust=payload.adjust,
        witness=_witness(request, payload),
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, _discrepancy_row(_discrepancy_of(who.clinic, discrepancy_id)))
