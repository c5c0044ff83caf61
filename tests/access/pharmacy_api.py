"""Role x route cases for the pharmacy's JSON API (format: tests/access/cases.py; placeholders of the
pharmacy in tests/pharmacy/world.py).

Only pharmacists and physicians move stock; nurses, pharmacists and physicians issue doses; the
stock readers (pharmacists, physicians, technicians, managers, auditors) read everything, and
nurses read the dosing room only (products, locations, lots, balances, alerts, ledger) but no
counts or discrepancies. Every path names clinic ZRH, so each case is also sent by every ZRH role
for clinic OUT, which must be "not found".
"""

from __future__ import annotations

from tests.access.cases import RouteCase

STOCK_READERS = frozenset({"pharmacist", "physician", "pharmacy_technician", "manager", "auditor"})
DOSING_ROOM_READERS = STOCK_READERS | {"nurse"}
STOCK_MOVERS = frozenset({"pharmacist", "physician"})
DOSE_ISSUERS = frozenset({"nurse", "pharmacist", "physician"})

OK = frozenset({200})
CREATED = frozenset({201})
PHARMACY = "/api/clinics/{clinic}/pharmacy"
ROUTE = "api:{method} /api/clinics/{{clinic}}/pharmacy/{rest}"
WITNESS = {"witness_username": "{witness}", "witness_password": "{witness_password}"}


def _read(rest: str, allowed: frozenset[str], query: str = "") -> RouteCase:
    return RouteCase(
        ROUTE.format(method="GET", rest=rest),
        "GET",
        f"{PHARMACY}/{rest}{query}",
        allowed,
        OK,
    )


def _write(
    rest: str,
    data: dict[str, object],
    allowed: frozenset[str] = STOCK_MOVERS,
    ok: frozenset[int] = CREATED,
) -> RouteCase:
    return RouteCase(
        ROUTE.format(method="POST", rest=rest),
        "POST",
        f"{PHARMACY}/{rest}",
        allowed,
        ok,
        data=data,
        json=True,
    )


PHARMACY_API_CASES: list[RouteCase] = [
    # --- reads ----------------------------------------------------------------------------------
    _read("products", DOSING_ROOM_READERS),
    _read("locations", DOSING_ROOM_READERS),
    _read("lots", DOSING_ROOM_READERS, "?include_empty=true"),
    _read("balances", DOSING_ROOM_READERS),
    _read("alerts", DOSING_ROOM_READERS),
    _read("ledger", DOSING_ROOM_READERS, "?lot={solution_lot_id}&limit=5"),
    _read("counts", STOCK_READERS),
    RouteCase(
        ROUTE.format(method="GET", rest="counts/{count_id}"),
        "GET",
        f"{PHARMACY}/counts/{{count_id}}",
        STOCK_READERS,
        OK,
    ),
    _read("discrepancies", STOCK_READERS, "?status=open"),
    RouteCase(
        ROUTE.format(method="GET", rest="discrepancies/{discrepancy_id}"),
        "GET",
        f"{PHARMACY}/discrepancies/{{discrepancy_id}}",
        STOCK_READERS,
        OK,
    ),
    # --- the catalogue --------------------------------------------------------------------------
    _write(
        "products",
        {
            "kind": "methadone_solution",
            "name": "Matrix methadone 5 mg/mL",
            "strength": "5",
            "code": "matrix-methadone-5",
        },
    ),
    RouteCase(
        ROUTE.format(method="POST", rest="products/{product_id}/reorder-level"),
        "POST",
        f"{PHARMACY}/products/{{product_id}}/reorder-level",
        STOCK_MOVERS,
        OK,
        data={"reorder_level_mg": "50000"},
        json=True,
    ),
    _write("locations", {"code": "matrix-safe-2", "name": "Second safe", "kind": "safe"}),
    # --- movements ------------------------------------------------------------------------------
    _write(
        "receipts",
        {
            "product": "{product_id}",
            "location": "{safe_id}",
            "lot_number": "MATRIX-V-1",
            "supplier": "Matrix supplier",
            "expires_on": "2099-12-31",
            "receipt_document": "DN-MATRIX-1",
            "quantity": "2",
            "unit": "vial",
        },
    ),
    _write(
        "transfers",
        {
            "lot": "{methadone_lot_id}",
            "from_location": "{safe_id}",
            "to_location": "{dosing_room_id}",
            "quantity": "10",
            "unit": "ml",
            "reason": "matrix: the dosing room's day supply",
        },
    ),
    _write(
        "reconstitutions",
        {"vial_lot": "{vial_lot_id}", "location": "{safe_id}", "vials": "1"},
    ),
    _write(
        "dose-issues",
        {
            "lot": "{solution_lot_id}",
            "location": "{dosing_room_id}",
            "quantity": "50",
            "unit": "mg",
            "patient": "{code}",
        },
        DOSE_ISSUERS,
    ),
    _write(
        "dose-returns",
        {
            "issued_entry": "{issued_entry_id}",
            "quantity": "20",
            "unit": "mg",
            "reason": "matrix: patient took less",
        },
        DOSE_ISSUERS,
    ),
    _write(
        "waste",
        {
            "lot": "{solution_lot_id}",
            "location": "{dosing_room_id}",
            "quantity": "10",
            "unit": "mg",
            "reason": "matrix: spilled while drawing up",
            **WITNESS,
        },
    ),
    _write(
        "adjustments",
        {
            "lot": "{methadone_lot_id}",
            "location": "{safe_id}",
            "direction": "add",
            "quantity": "1",
            "unit": "ml",
            "reason": "matrix: found on recount",
            **WITNESS,
        },
    ),
    _write(
        "destructions",
        {
            "lot": "{methadone_lot_id}",
            "location": "{safe_id}",
            "quantity": "5",
            "unit": "ml",
            "reason": "matrix: damaged bottle",
            **WITNESS,
        },
    ),
    # The matrix world holds no expired lot, so the roles allowed through get the service's own
    # refusal (400 lot_not_expired); tests/api/test_pharmacy_api.py removes a really expired one.
    _write(
        "expiry-removals",
        {"lot": "{methadone_lot_id}", "location": "{safe_id}", "quarantine": "{quarantine_id}"},
        ok=frozenset({400}),
    ),
    RouteCase(
        ROUTE.format(method="POST", rest="entries/{entry_id}/reversal"),
        "POST",
        f"{PHARMACY}/entries/{{entry_id}}/reversal",
        STOCK_MOVERS,
        CREATED,
        data={"reason": "matrix: delivery entered twice"},
        json=True,
    ),
    # --- counts and discrepancies ---------------------------------------------------------------
    _write(
        "counts",
        {
            "location": "{dosing_room_id}",
            "occasion": "spot_check",
            "lines": [{"lot": "{solution_lot_id}", "counted": "99", "unit": "ml"}],
        },
    ),
    RouteCase(
        ROUTE.format(method="POST", rest="discrepancies/{discrepancy_id}/closure"),
        "POST",
        f"{PHARMACY}/discrepancies/{{discrepancy_id}}/closure",
        STOCK_MOVERS,
        CREATED,
        data={"investigation_note": "matrix: spilled at the shift change, seen by two"},
        json=True,
    ),
]
