"""Role x route cases for the pharmacy's pages (format: tests/access/cases.py; placeholders of the
pharmacy in tests/pharmacy/world.py).

Who: VIEW_STOCK (pharmacist, physician, pharmacy technician, manager, auditor) read everything;
nurses read the dosing room only (the board, the ledger, a dose's entry); MOVE_STOCK (pharmacist,
physician) record movements and counts; ISSUE_DOSE (nurse, pharmacist, physician) return a dose.
The outsider, manager of clinic OUT, sees OUT's own empty pharmacy on the list pages; a ZRH record
is not found for them, and a write their role may not make is refused before any record is read.
"""

from __future__ import annotations

from tests.access.cases import RouteCase

STOCK_READERS = frozenset({"pharmacist", "physician", "pharmacy_technician", "manager", "auditor"})
DOSING_ROOM_READERS = STOCK_READERS | {"nurse"}
STOCK_MOVERS = frozenset({"pharmacist", "physician"})
DOSE_ISSUERS = frozenset({"nurse", "pharmacist", "physician"})

OK = frozenset({200})
REDIRECT = frozenset({302})
FORBIDDEN = frozenset({403})
# What ZRH's pharmacy holds; none of it may reach the outsider's pages.
ZRH_STOCK = ("{code}", "V-100", "M-200", "Matrix supplier", "pharmacist_zrh")
WITNESS = {"witness_username": "{witness}", "witness_password": "{witness_password}"}


def _writer(
    route: str, path: str, data: dict[str, str], allowed: frozenset[str] = STOCK_MOVERS
) -> list[RouteCase]:
    """The form (GET) and its submission (POST) of a page that records a movement."""
    return [
        RouteCase(route, "GET", path, allowed, outsider_status=FORBIDDEN),
        RouteCase(
            route,
            "POST",
            path,
            allowed,
            ok_status=REDIRECT,
            outsider_status=FORBIDDEN,
            data={"idempotency_key": f"matrix-{route.split(':')[1]}-0001", **data},
        ),
    ]


PHARMACY_PAGE_CASES: list[RouteCase] = [
    RouteCase(
        "pharmacy:board",
        "GET",
        "/pharmacy/",
        DOSING_ROOM_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_STOCK,
    ),
    *_writer(
        "pharmacy:receive",
        "/pharmacy/receive/",
        {
            "product": "{product_id}",
            "location": "{safe_id}",
            "lot_number": "V-MATRIX",
            "supplier": "Matrix supplier",
            "expires_on": "2099-12-31",
            "receipt_document": "DN-MATRIX",
            "amount": "2",
            "unit": "vial",
        },
    ),
    *_writer(
        "pharmacy:transfer",
        "/pharmacy/transfer/",
        {
            "stock": "{methadone_lot_id}:{safe_id}",
            "to_location": "{dosing_room_id}",
            "amount": "10",
            "unit": "ml",
        },
    ),
    *_writer(
        "pharmacy:reconstitute",
        "/pharmacy/reconstitute/",
        {"stock": "{vial_lot_id}:{safe_id}", "vials": "1"},
    ),
    *_writer(
        "pharmacy:waste",
        "/pharmacy/waste/",
        {
            "stock": "{methadone_lot_id}:{safe_id}",
            "amount": "1",
            "unit": "ml",
            "reason": "bottle neck chipped",
            **WITNESS,
        },
    ),
    *_writer(
        "pharmacy:adjust",
        "/pharmacy/adjust/",
        {
            "stock": "{methadone_lot_id}:{safe_id}",
            "direction": "remove",
            "amount": "1",
            "unit": "ml",
            "reason": "measured short",
            **WITNESS,
        },
    ),
    *_writer(
        "pharmacy:destroy",
        "/pharmacy/destroy/",
        {
            "step": "confirm",
            "stock": "{methadone_lot_id}:{safe_id}",
            "amount": "1",
            "unit": "ml",
            "reason": "contaminated",
            **WITNESS,
        },
    ),
    RouteCase(
        "pharmacy:remove_expired",
        "GET",
        "/pharmacy/remove-expired/",
        STOCK_MOVERS,
        outsider_status=FORBIDDEN,
    ),
    # The world holds no expired lot: an allowed role reaches the service, which refuses to
    # quarantine a lot that has not expired (400 with its message); others are refused first.
    RouteCase(
        "pharmacy:remove_expired",
        "POST",
        "/pharmacy/remove-expired/",
        STOCK_MOVERS,
        ok_status=frozenset({400}),
        outsider_status=FORBIDDEN,
        data={
            "idempotency_key": "matrix-remove-expired-0001",
            "stock": "{methadone_lot_id}:{safe_id}",
            "quarantine": "{quarantine_id}",
        },
    ),
    RouteCase(
        "pharmacy:entry",
        "GET",
        "/pharmacy/entries/{issued_entry_id}/",
        DOSING_ROOM_READERS,
    ),
    *_writer(
        "pharmacy:reverse",
        "/pharmacy/entries/{entry_id}/reverse/",
        {"step": "confirm", "reason": "received into the wrong lot"},
    ),
    *_writer(
        "pharmacy:dose_return",
        "/pharmacy/entries/{issued_entry_id}/return/",
        {"amount": "10", "unit": "mg", "reason": "patient took 90 mg"},
        allowed=DOSE_ISSUERS,
    ),
    *_writer(
        "pharmacy:dose_waste",
        "/pharmacy/entries/{issued_entry_id}/waste/",
        {"amount": "10", "unit": "mg", "reason": "spilled while drawing up", **WITNESS},
        allowed=DOSE_ISSUERS,
    ),
    RouteCase(
        "pharmacy:counts",
        "GET",
        "/pharmacy/counts/",
        STOCK_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_STOCK,
    ),
    RouteCase(
        "pharmacy:new_count",
        "GET",
        "/pharmacy/counts/new/?location={dosing_room_id}",
        STOCK_MOVERS,
        outsider_status=FORBIDDEN,
    ),
    RouteCase(
        "pharmacy:new_count",
        "POST",
        "/pharmacy/counts/new/",
        STOCK_MOVERS,
        ok_status=REDIRECT,
        outsider_status=FORBIDDEN,
        data={
            "idempotency_key": "matrix-count-0001",
            "location": "{dosing_room_id}",
            "occasion": "day_end",
            "lot_0": "{solution_lot_id}",
            "amount_0": "98.5",
            "unit_0": "ml",
        },
    ),
    RouteCase("pharmacy:count", "GET", "/pharmacy/counts/{count_id}/", STOCK_READERS),
    RouteCase(
        "pharmacy:discrepancy", "GET", "/pharmacy/discrepancies/{discrepancy_id}/", STOCK_READERS
    ),
    RouteCase(
        "pharmacy:discrepancy",
        "POST",
        "/pharmacy/discrepancies/{discrepancy_id}/",
        STOCK_MOVERS,
        ok_status=REDIRECT,
        outsider_status=FORBIDDEN,
        data={
            "investigation_note": "Spilled while drawing up; seen by the nurse on shift.",
            "adjust": "on",
            **WITNESS,
        },
    ),
    RouteCase(
        "pharmacy:ledger",
        "GET",
        "/pharmacy/ledger/",
        DOSING_ROOM_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_STOCK,
    ),
    RouteCase(
        "pharmacy:products",
        "GET",
        "/pharmacy/products/",
        STOCK_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_STOCK,
    ),
    RouteCase(
        "pharmacy:reorder_level",
        "POST",
        "/pharmacy/products/{product_id}/reorder-level/",
        STOCK_MOVERS,
        ok_status=REDIRECT,
        outsider_status=FORBIDDEN,
        data={"reorder_level_mg": "50000"},
    ),
]
