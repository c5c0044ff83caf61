"""Counts and discrepancies over JSON: record a count, read its reconciliation, close a
discrepancy with what the investigation found."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.errors import NotFound
from openhat.pharmacy import services
from openhat.pharmacy.api_common import (
    ERRORS,
    IDEMPOTENCY_HELP,
    PHARMACY,
    WITNESS_HELP,
    caller_in,
    idempotency_key,
    page,
    witness_of,
)
from openhat.pharmacy.models import CountLine, Discrepancy, LedgerEntry, StockCount
from openhat.pharmacy.schemas import (
    ClosureIn,
    CountDetailOut,
    CountIn,
    CountOut,
    DiscrepancyOut,
    DiscrepancyPageOut,
    DiscrepancyQuery,
    PageQuery,
)

# Operation ids keep the names these routes had when they lived in pharmacy.api.
router = Router(tags=["pharmacy"])


def _count_row(count: StockCount) -> dict[str, Any]:
    return {
        "id": count.pk,
        "location_id": count.location_id,
        "location_code": count.location.code,
        "occasion": count.occasion,
        "counted_at": count.counted_at,
        "counted_by": count.counted_by_username,
        "note": count.note,
        "last_ledger_entry": _last_entry_number(count),
    }


def _last_entry_number(count: StockCount) -> int | None:
    """The ledger number (the entry's id, as on every page) of the last entry the count saw;
    the chain position it is stored by is internal to the chain."""
    return (
        LedgerEntry.objects.filter(chain_key=count.clinic_id, chain_seq=count.ledger_position)
        .values_list("pk", flat=True)
        .first()
    )


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


# --- counts and discrepancies ------------------------------------------------------------------


@router.get(
    f"{PHARMACY}/counts",
    response={200: list[CountOut], **ERRORS},
    summary="Counts, newest first",
    operation_id="openhat_pharmacy_api_list_counts",
)
def list_counts(request: HttpRequest, clinic: str, filters: Query[PageQuery]) -> Any:
    who = caller_in(request, clinic, Capability.VIEW_STOCK)
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
        "counted is 400 `count_incomplete`; a lot not of this clinic is 404 `unknown_lot`. Lines "
        "that cannot be read (`count_negative`: 0 is an empty shelf, never below; a wrong unit, "
        "part of a vial) are all refused at once: 400 with `errors`, one per lot, each with its "
        "`lot`, `lot_number`, `code`, `message` and `field` (`lines.N.counted`). The "
        f"answer is the count with its reconciliation. {IDEMPOTENCY_HELP}"
    ),
    operation_id="openhat_pharmacy_api_add_count",
)
def add_count(
    request: HttpRequest,
    clinic: str,
    payload: CountIn,
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
    count = services.record_count(
        actor=who.user,
        clinic=who.clinic,
        location_id=payload.location,
        occasion=payload.occasion,
        lines=[services.CountedLot(line.lot, line.counted, line.unit) for line in payload.lines],
        note=payload.note,
        idempotency_key=idempotency_key(idempotency_key_header),
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
    operation_id="openhat_pharmacy_api_show_count",
)
def show_count(request: HttpRequest, clinic: str, count_id: int) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_STOCK)
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
    operation_id="openhat_pharmacy_api_list_discrepancies",
)
def list_discrepancies(
    request: HttpRequest, clinic: str, filters: Query[DiscrepancyQuery]
) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_STOCK)
    found = Discrepancy.objects.filter(clinic=who.clinic).select_related(*DISCREPANCY_RELATIONS)
    if filters.status:
        found = found.filter(closure__isnull=filters.status == "open")
    found = found.order_by("-opened_at", "-pk")
    shown = found[filters.offset : filters.offset + filters.limit]
    return page(found.count(), filters, [_discrepancy_row(item) for item in shown])


@router.get(
    f"{PHARMACY}/discrepancies/{{int:discrepancy_id}}",
    response={200: DiscrepancyOut, **ERRORS},
    summary="One discrepancy, with its closure if closed",
    operation_id="openhat_pharmacy_api_show_discrepancy",
)
def show_discrepancy(request: HttpRequest, clinic: str, discrepancy_id: int) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_STOCK)
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
    operation_id="openhat_pharmacy_api_close_discrepancy",
)
def close_discrepancy(
    request: HttpRequest,
    clinic: str,
    discrepancy_id: int,
    payload: ClosureIn,
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
    services.close_discrepancy(
        actor=who.user,
        clinic=who.clinic,
        discrepancy_id=discrepancy_id,
        investigation_note=payload.investigation_note,
        adjust=payload.adjust,
        witness=witness_of(request, payload),
        idempotency_key=idempotency_key(idempotency_key_header),
    )
    return Status(201, _discrepancy_row(_discrepancy_of(who.clinic, discrepancy_id)))
