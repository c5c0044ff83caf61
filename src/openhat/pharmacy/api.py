"""The pharmacy over JSON: stock, movements, counts, discrepancies and the ledger (issue 5, item 7).

Every path is under /api/clinics/{clinic}/pharmacy/, {clinic} being the clinic's code; a clinic
the caller does not work in is "not found". Every handler validates with a schema, checks the role
through clinic_for_request, calls one pharmacy service and returns. Nurses see only the dosing
room: its balances, its lots and its ledger entries. Witnessed writes carry the witness's own
username and password in the body, checked on the same request (clinics.second_person: wrong
passwords count against the caller, never against the witness named).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.pharmacy import services
from openhat.pharmacy.api_common import ERRORS, PHARMACY, caller_in, idempotency_key, page
from openhat.pharmacy.models import Location, LocationKind, Lot, Product, StockBalance
from openhat.pharmacy.schemas import (
    AlertOut,
    BalanceOut,
    LedgerPageOut,
    LedgerQuery,
    LocationIn,
    LocationOut,
    LotPageOut,
    LotQuery,
    ProductIn,
    ProductOut,
    ReorderLevelIn,
)
from openhat.pharmacy.services.catalogue import create_location, create_product, set_reorder_level

# The catalogue, stock and the ledger are here; movements in api_movements, counts and
# discrepancies in api_counts, reports in api_reports.
router = Router(tags=["pharmacy"])


# --- the catalogue -----------------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/products",
    response={200: list[ProductOut], **ERRORS},
    summary="The clinic's products, with their units and conversions",
)
def list_products(request: HttpRequest, clinic: str) -> Any:
    found = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK).clinic
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
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Product]:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
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
        idempotency_key=idempotency_key(idempotency_key_header),
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
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Product:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
    return idempotency.once(
        who.user,
        idempotency_key(idempotency_key_header),
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
    found = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK).clinic
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
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Location]:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
    location = create_location(
        actor=who.user,
        clinic=who.clinic,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        idempotency_key=idempotency_key(idempotency_key_header),
    )
    return Status(201, location)


# --- stock -------------------------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/lots",
    response={200: LotPageOut, **ERRORS},
    summary="Lots with their balance at each location (nurses: the dosing room's only)",
)
def list_lots(request: HttpRequest, clinic: str, filters: Query[LotQuery]) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    held = StockBalance.objects.filter(balance_mg__gt=0)
    if who.dosing_room_only:
        held = held.filter(location__kind=LocationKind.DOSING_ROOM)
    lots = Lot.objects.filter(clinic=who.clinic).select_related("product", "clinic")
    if who.dosing_room_only or not filters.include_empty:
        lots = lots.filter(Exists(held.filter(lot=OuterRef("pk"))))
    if filters.product is not None:
        lots = lots.filter(product_id=filters.product)
    lots = lots.order_by("product__code", "expires_on", "lot_number", "pk")
    shown = lots.prefetch_related(
        Prefetch(
            "balances",
            queryset=held.select_related("location").order_by("location__code"),
            to_attr="held",
        )
    )[filters.offset : filters.offset + filters.limit]
    return page(lots.count(), filters, list(shown))


@router.get(
    f"{PHARMACY}/balances",
    response={200: list[BalanceOut], **ERRORS},
    summary="Every lot held, per location (nurses: the dosing room's only)",
)
def list_balances(request: HttpRequest, clinic: str) -> Any:
    who = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
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
    who = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    return services.alerts(who.clinic, dosing_room_only=who.dosing_room_only)


@router.get(
    f"{PHARMACY}/ledger",
    response={200: LedgerPageOut, **ERRORS},
    summary="Ledger entries, newest first, with filters (nurses: the dosing room's only)",
)
def list_ledger(request: HttpRequest, clinic: str, filters: Query[LedgerQuery]) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING_ROOM_STOCK)
    chosen = services.LedgerFilter(
        product_id=filters.product,
        lot_id=filters.lot,
        location_id=filters.location,
        kind=filters.kind,
        since=filters.since,
        until=filters.until,
    )
    entries = services.ledger(who.clinic, chosen, dosing_room_only=who.dosing_room_only)
    shown = entries[filters.offset : filters.offset + filters.limit]
    return page(entries.count(), filters, list(shown))
