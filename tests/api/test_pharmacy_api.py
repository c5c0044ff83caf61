"""The pharmacy through the JSON API on PostgreSQL: every endpoint, each bad input of issue 5 (a 4xx
with a stable code and the ledger unchanged), idempotent retries, a bearer-token client, the nurse's
dosing-room-only view, and doses issued from one lot by several clients at the same moment."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from openhat.core import clock
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.models import (
    Discrepancy,
    DiscrepancyClosure,
    EntryKind,
    LedgerEntry,
    Lot,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.services import receive_stock
from openhat.pharmacy.verify import verify_ledger
from tests.audit.concurrent import run_together
from tests.conftest import PASSWORD, Personas
from tests.pharmacy.world import PharmacyWorld, build_pharmacy

from .conftest import send_json

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "field"}
WITNESS = {"witness_username": "pharmacy_technician_zrh", "witness_password": PASSWORD}


@pytest.fixture
def stock(personas: Personas) -> PharmacyWorld:
    """ZRH's stock (tests/pharmacy/world.py): 4 DAM vials, 500 mL methadone, both in the safe;
    9,900 mg of DAM solution in the dosing room after a 100 mg dose; a count that found 50 mg
    less (one open discrepancy)."""
    return build_pharmacy(personas)


def url(rest: str, clinic: str = "ZRH") -> str:
    return f"/api/clinics/{clinic}/pharmacy/{rest}"


def fill(value: Any, stock: PharmacyWorld) -> Any:
    if isinstance(value, str):
        for placeholder, text in stock.placeholders().items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, dict):
        return {key: fill(item, stock) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, stock) for item in value]
    return value


def ledger_state() -> tuple[int, list[tuple[int, int, Decimal]], int, int]:
    """Everything a refused request must leave as it was."""
    return (
        LedgerEntry.objects.count(),
        sorted(StockBalance.objects.values_list("lot_id", "location_id", "balance_mg")),
        Lot.objects.count(),
        StockCount.objects.count() + DiscrepancyClosure.objects.count(),
    )


def held_mg(lot_id: int, location_id: int) -> Decimal:
    row = StockBalance.objects.filter(lot_id=lot_id, location_id=location_id).first()
    return row.balance_mg if row else Decimal("0")


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    # A count's refused lines also come as a list, one per lot ("errors").
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}, body
    assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body


def later(days: int) -> Any:
    """The services' clock moved forward: the test client runs the view in this thread, so the
    API call sees the same moment."""
    return clock.backdated(clock.now() + timedelta(days=days))


# --- reading -----------------------------------------------------------------------------------


def test_a_pharmacist_reads_products_locations_lots_balances_and_alerts(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")
    f = stock.formulary

    products = client.get(url("products"))
    locations = client.get(url("locations"))
    lots = client.get(url("lots"))
    balances = client.get(url("balances"))
    alerts = client.get(url("alerts"))

    assert products.status_code == 200
    vial = next(p for p in products.json() if p["id"] == f.dam_vial.pk)
    assert (vial["count_unit"], vial["units"], vial["mg_per_unit"]) == (
        "vial",
        ["mg", "vial"],
        "10000.000",
    )
    assert vial["reconstitutes_to_id"] == f.dam_solution.pk
    assert {row["kind"] for row in locations.json()} == {"safe", "dosing_room", "quarantine"}

    assert lots.status_code == 200
    page = lots.json()
    assert page["count"] == 3 and len(page["items"]) == 3
    solution = next(lot for lot in page["items"] if lot["id"] == stock.solution_lot_id)
    assert solution["balance_mg"] == "9900.000" and solution["blocked"] is False
    assert [b["location_code"] for b in solution["balances"]] == ["dosing-room"]
    assert solution["in_use_expires_at"] is not None

    rows = {(row["lot_id"], row["location_kind"]): row for row in balances.json()}
    vials = rows[(stock.vial_lot_id, "safe")]
    assert (vials["balance_mg"], vials["balance_in_count_unit"], vials["count_unit"]) == (
        "40000.000",
        "4",
        "vial",
    )
    in_room = rows[(stock.solution_lot_id, "dosing_room")]
    assert (in_room["balance_mg"], in_room["balance_ml"]) == ("9900.000", "99.000")
    assert {alert["kind"] for alert in alerts.json()} >= {"open_discrepancy"}


def test_the_ledger_has_every_column_with_filters_and_pages(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("auditor")

    everything = client.get(url("ledger"))
    receipts = client.get(url("ledger"), {"kind": "receipt"})
    of_solution = client.get(url("ledger"), {"lot": stock.solution_lot_id, "limit": 2})
    second_page = client.get(url("ledger"), {"lot": stock.solution_lot_id, "offset": 2})
    today = clinic_today(stock.formulary.safe.clinic).isoformat()
    today_only = client.get(url("ledger"), {"since": today, "until": today})
    tomorrow = (clinic_today(stock.formulary.safe.clinic) + timedelta(days=1)).isoformat()
    none_yet = client.get(url("ledger"), {"since": tomorrow})

    assert everything.status_code == 200
    page = everything.json()
    # two receipts, a reconstitution (2 lines), a transfer (2 lines) and a dose
    assert page["count"] == 7
    newest = page["items"][0]
    assert newest["kind"] == "dose_issued" and newest["id"] == stock.issued_entry_id
    assert newest["quantity_mg"] == "-100.000" and newest["volume_ml"] == "-1.000"
    assert newest["balance_mg"] == "9900.000" and newest["product_balance_mg"] == "9900.000"
    assert newest["actor_username"] == "nurse_zrh" and newest["witness_username"] == ""
    assert len(newest["row_sha256"]) == 64 and len(newest["prev_sha256"]) == 64
    assert [item["chain_seq"] for item in page["items"]] == list(range(7, 0, -1))
    assert [item["kind"] for item in receipts.json()["items"]] == ["receipt", "receipt"]
    solution_page = of_solution.json()
    assert (solution_page["count"], len(solution_page["items"])) == (4, 2)
    assert [item["id"] for item in second_page.json()["items"]] == [
        entry.pk
        for entry in LedgerEntry.objects.filter(lot_id=stock.solution_lot_id).order_by(
            "-chain_seq"
        )[2:]
    ]
    assert today_only.json()["count"] == 7
    assert none_yet.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"kind": "theft"}, 400, "unknown_entry_kind"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, 400, "period_reversed"),
        ({"since": "yesterday"}, 422, "invalid_input"),
        ({"lot": "abc"}, 422, "invalid_input"),
        ({"lot": str(2**64)}, 422, "invalid_input"),
        ({"limit": "0"}, 422, "invalid_input"),
        # A control character in a query string is refused before any view (the bounds middleware).
        ({"kind": "a\x00"}, 400, "control_character"),
    ],
)
def test_bad_ledger_filters_are_refused(
    client_for: Any, stock: PharmacyWorld, params: dict[str, str], status: int, code: str
) -> None:
    assert_error(client_for("pharmacist").get(url("ledger"), params), status, code)


def test_counts_show_the_reconciliation_and_discrepancies_open_and_closed(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")

    counts = client.get(url("counts"))
    detail = client.get(url(f"counts/{stock.count_id}"))
    open_ones = client.get(url("discrepancies"), {"status": "open"})
    closed_ones = client.get(url("discrepancies"), {"status": "closed"})
    one = client.get(url(f"discrepancies/{stock.discrepancy_id}"))

    assert [(c["id"], c["lots"], c["discrepancies"]) for c in counts.json()] == [
        (stock.count_id, 1, 1)
    ]
    body = detail.json()
    assert body["occasion"] == "shift_change" and body["previous_count_id"] is None
    # One number per ledger entry: the count names the last entry it saw by its ledger number.
    count = StockCount.objects.get(pk=stock.count_id)
    last_entry = LedgerEntry.objects.filter(
        clinic_id=count.clinic_id, at__lte=count.counted_at
    ).latest("pk")
    assert body["last_ledger_entry"] == counts.json()[0]["last_ledger_entry"] == last_entry.pk
    assert "ledger_position" not in body
    (row,) = body["rows"]
    assert {key: row[key] for key in row if key.endswith("_mg")} == {
        "start_mg": "0.000",
        "received_mg": "10000.000",
        "issued_mg": "100.000",
        "returned_mg": "0.000",
        "wasted_mg": "0.000",
        "adjusted_mg": "0.000",
        "expected_mg": "9900.000",
        "counted_mg": "9850.000",
        "difference_mg": "-50.000",
    }
    assert (row["expected_ml"], row["counted_ml"]) == ("99.000", "98.500")
    assert row["discrepancy_id"] == stock.discrepancy_id and row["discrepancy_closed"] is False
    assert [d["id"] for d in open_ones.json()["items"]] == [stock.discrepancy_id]
    assert closed_ones.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
    assert one.json()["status"] == "open" and one.json()["closure"] is None
    assert one.json()["difference_mg"] == "-50.000"
    assert_error(client.get(url("counts/999999")), 404, "unknown_count")
    assert_error(client.get(url("discrepancies/999999")), 404, "unknown_discrepancy")


# --- the catalogue -----------------------------------------------------------------------------


def test_products_locations_and_reorder_levels(client_for: Any, stock: PharmacyWorld) -> None:
    client = client_for("physician")
    body = {"kind": "srom_capsule", "name": "SROM 100 mg capsule", "strength": "100"}

    product = send_json(client, "post", url("products"), body)
    again = send_json(client, "post", url("products"), body)
    location = send_json(client, "post", url("locations"), {"name": "Night safe", "kind": "safe"})
    level = send_json(
        client,
        "post",
        url(f"products/{stock.formulary.dam_vial.pk}/reorder-level"),
        {"reorder_level_mg": "70000"},
    )

    assert product.status_code == 201, product.json()
    assert (product.json()["code"], product.json()["units"]) == (
        "srom-100-mg-capsule",
        ["mg", "capsule"],
    )
    assert_error(again, 409, "product_code_taken")
    assert location.status_code == 201 and location.json()["code"] == "night-safe"
    assert level.status_code == 200 and level.json()["reorder_level_mg"] == "70000.000"
    assert_error(
        send_json(client, "post", url("products"), {**body, "code": "x", "kind": "dam_vial"}),
        400,
        "reconstitutes_to_required",
        "reconstitutes_to",
    )


# --- movements ---------------------------------------------------------------------------------


def post(
    client: Client, rest: str, body: dict[str, Any], stock: PharmacyWorld, **headers: Any
) -> Any:
    return send_json(client, "post", url(fill(rest, stock)), fill(body, stock), **headers)


def test_receive_transfer_reconstitute_and_reverse(client_for: Any, stock: PharmacyWorld) -> None:
    client = client_for("pharmacist")
    f = stock.formulary

    receipt = post(
        client,
        "receipts",
        {
            "product": "{product_id}",
            "location": "{safe_id}",
            "lot_number": "V-900",
            "supplier": "Diaphin supplier",
            "expires_on": "2099-06-30",
            "receipt_document": "DN-900",
            "quantity": "2",
            "unit": "vial",
        },
        stock,
    )
    transfer = post(
        client,
        "transfers",
        {
            "lot": "{methadone_lot_id}",
            "from_location": "{safe_id}",
            "to_location": "{dosing_room_id}",
            "quantity": "50",
            "unit": "ml",
        },
        stock,
    )
    made = post(
        client,
        "reconstitutions",
        {"vial_lot": "{vial_lot_id}", "location": "{safe_id}", "vials": 2},
        stock,
    )

    assert receipt.status_code == 201, receipt.json()
    (entry,) = receipt.json()["entries"]
    assert receipt.json()["kind"] == "receipt" and entry["movement"] == receipt.json()["movement"]
    assert (entry["lot_number"], entry["quantity_mg"], entry["document_number"]) == (
        "V-900",
        "20000.000",
        "DN-900",
    )
    assert transfer.status_code == 201
    out, into = transfer.json()["entries"]
    assert (out["location_id"], out["quantity_mg"], out["volume_ml"]) == (
        f.safe.pk,
        "-500.000",
        "-50.000",
    )
    assert (into["location_id"], into["balance_ml"]) == (f.dosing_room.pk, "50.000")
    assert made.status_code == 201, made.json()
    vials, solution = made.json()["entries"]
    assert (vials["quantity_mg"], solution["quantity_mg"], solution["volume_ml"]) == (
        "-20000.000",
        "20000.000",
        "200.000",
    )
    assert solution["lot_number"] == "V-100-R2"
    assert held_mg(stock.vial_lot_id, f.safe.pk) == Decimal("20000")

    reversal = post(client, f"entries/{entry['id']}/reversal", {"reason": "entered twice"}, stock)

    assert reversal.status_code == 201, reversal.json()
    (undo,) = reversal.json()["entries"]
    assert (undo["kind"], undo["reverses_id"], undo["quantity_mg"]) == (
        "reversal",
        entry["id"],
        "-20000.000",
    )
    assert_error(
        post(client, f"entries/{entry['id']}/reversal", {"reason": "again"}, stock),
        409,
        "already_reversed",
    )
    assert verify_ledger().intact


def test_a_nurse_issues_and_returns_a_dose_and_wastes_it_with_a_witness(
    client_for: Any, stock: PharmacyWorld, patient: Patient
) -> None:
    nurse = client_for("nurse")
    f = stock.formulary

    issued = post(
        nurse,
        "dose-issues",
        {
            "lot": "{solution_lot_id}",
            "location": "{dosing_room_id}",
            "quantity": "2",
            "unit": "ml",
            "patient": patient.client_code.lower(),
            "dose_reference": "morning session",
        },
        stock,
    )
    entry = issued.json()["entries"][0]
    returned = post(
        nurse,
        "dose-returns",
        {"issued_entry": entry["id"], "quantity": "50", "unit": "mg", "reason": "took 150 mg"},
        stock,
    )
    wasted = post(
        nurse,
        "waste",
        {
            "lot": "{solution_lot_id}",
            "location": "{dosing_room_id}",
            "quantity": "50",
            "unit": "mg",
            "reason": "drawn and not given",
            "issued_entry": entry["id"],
            **WITNESS,
        },
        stock,
    )

    assert issued.status_code == 201, issued.json()
    assert (entry["kind"], entry["quantity_mg"], entry["patient_client_code"]) == (
        "dose_issued",
        "-200.000",
        patient.client_code,
    )
    assert entry["dose_reference"] == "morning session"
    assert returned.status_code == 201, returned.json()
    back = returned.json()["entries"][0]
    assert (back["kind"], back["returns_entry_id"], back["quantity_mg"]) == (
        "dose_returned",
        entry["id"],
        "50.000",
    )
    assert wasted.status_code == 201, wasted.json()
    # The unused 50 mg already left with the issue: it is booked back, then out as waste.
    back_in, waste = wasted.json()["entries"]
    assert (back_in["kind"], back_in["quantity_mg"]) == ("dose_returned", "50.000")
    assert (waste["kind"], waste["witness_username"], waste["returns_entry_id"]) == (
        "waste",
        "pharmacy_technician_zrh",
        entry["id"],
    )
    assert held_mg(stock.solution_lot_id, f.dosing_room.pk) == Decimal("9750")


def test_witnessed_adjustments_and_destructions(client_for: Any, stock: PharmacyWorld) -> None:
    client = client_for("pharmacist")
    removal = {"lot": "{methadone_lot_id}", "location": "{safe_id}", "unit": "ml", **WITNESS}

    added = post(
        client,
        "adjustments",
        {**removal, "direction": "add", "quantity": "3", "reason": "found on recount"},
        stock,
    )
    destroyed = post(
        client, "destructions", {**removal, "quantity": "13", "reason": "broken bottle"}, stock
    )

    assert added.status_code == 201, added.json()
    assert added.json()["entries"][0]["quantity_mg"] == "30.000"
    assert destroyed.status_code == 201, destroyed.json()
    entry = destroyed.json()["entries"][0]
    assert (entry["kind"], entry["witness_username"], entry["balance_ml"]) == (
        "destruction",
        "pharmacy_technician_zrh",
        "490.000",
    )


def test_expired_stock_is_blocked_from_issue_and_removed_to_quarantine(
    client_for: Any, stock: PharmacyWorld, personas: Personas
) -> None:
    f = stock.formulary
    short = receive_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=f.methadone.pk,
        location_id=f.dosing_room.pk,
        lot_number="M-SHORT",
        supplier="Test supplier",
        expires_on=clinic_today(personas.clinic),
        receipt_document="DN-SHORT",
        amount=20,
        unit="ml",
    ).first.lot
    dose = {"location": "{dosing_room_id}", "quantity": "10", "unit": "mg"}
    before = ledger_state()

    with later(days=2):
        expired_lot = post(client_for("nurse"), "dose-issues", {**dose, "lot": short.pk}, stock)
        expired_solution = post(
            client_for("nurse"), "dose-issues", {**dose, "lot": "{solution_lot_id}"}, stock
        )
        assert ledger_state() == before
        removed = post(
            client_for("pharmacist"),
            "expiry-removals",
            {"lot": short.pk, "location": "{dosing_room_id}", "quarantine": "{quarantine_id}"},
            stock,
        )
        alerts = client_for("nurse").get(url("alerts")).json()

    assert_error(expired_lot, 400, "lot_expired", "lot")
    assert_error(expired_solution, 400, "solution_expired", "lot")
    assert {alert["kind"] for alert in alerts} == {"solution_expired"}
    assert removed.status_code == 201, removed.json()
    out, into = removed.json()["entries"]
    assert (out["quantity_mg"], into["location_id"]) == ("-200.000", f.quarantine.pk)
    assert held_mg(short.pk, f.quarantine.pk) == Decimal("200")
    assert_error(
        post(
            client_for("pharmacist"),
            "expiry-removals",
            {"lot": "{methadone_lot_id}", "location": "{safe_id}", "quarantine": "{quarantine_id}"},
            stock,
        ),
        400,
        "lot_not_expired",
    )


def test_a_count_opens_a_discrepancy_closed_with_a_witnessed_adjustment(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")
    f = stock.formulary

    counted = post(
        client,
        "counts",
        {
            "location": "{safe_id}",
            "occasion": "day_end",
            "lines": [
                {"lot": "{vial_lot_id}", "counted": "4", "unit": "vial"},
                {"lot": "{methadone_lot_id}", "counted": "495", "unit": "ml"},
            ],
            "note": "end of day",
        },
        stock,
    )
    assert counted.status_code == 201, counted.json()
    body = counted.json()
    assert (body["lots"], body["discrepancies"]) == (2, 1)
    methadone = next(row for row in body["rows"] if row["lot_id"] == stock.methadone_lot_id)
    assert (methadone["expected_mg"], methadone["counted_mg"], methadone["difference_mg"]) == (
        "5000.000",
        "4950.000",
        "-50.000",
    )
    opened = methadone["discrepancy_id"]

    closed = post(
        client,
        f"discrepancies/{opened}/closure",
        {"investigation_note": "Bottle leaked in the safe; confirmed.", "adjust": True, **WITNESS},
        stock,
    )

    assert closed.status_code == 201, closed.json()
    closure = closed.json()["closure"]
    assert closed.json()["status"] == "closed"
    assert closure["closed_by"] == "pharmacist_zrh"
    adjustment = closure["adjustment"]
    assert (adjustment["kind"], adjustment["quantity_mg"], adjustment["witness_username"]) == (
        "adjustment",
        "-50.000",
        "pharmacy_technician_zrh",
    )
    assert held_mg(stock.methadone_lot_id, f.safe.pk) == Decimal("4950")
    assert_error(
        post(
            client,
            f"discrepancies/{opened}/closure",
            {"investigation_note": "Closed twice by mistake."},
            stock,
        ),
        409,
        "discrepancy_closed",
    )
    listed = client.get(url("discrepancies"), {"status": "closed"}).json()
    assert [item["id"] for item in listed["items"]] == [opened]


# --- bad input: a stable code, and the ledger unchanged ----------------------------------------

DOSE = {"lot": "{solution_lot_id}", "location": "{dosing_room_id}", "quantity": "10", "unit": "mg"}
RECEIPT = {
    "product": "{product_id}",
    "location": "{safe_id}",
    "lot_number": "V-BAD",
    "supplier": "Supplier",
    "expires_on": "2099-01-01",
    "receipt_document": "DN-BAD",
    "quantity": "1",
    "unit": "vial",
}
WASTE = {**DOSE, "reason": "spilled", **WITNESS}
CLOSE = "discrepancies/{discrepancy_id}/closure"

BAD_INPUT = [
    pytest.param("nurse", "dose-issues", {**DOSE, "quantity": "-10"}, 400,
                 "quantity_not_positive", id="negative quantity"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "quantity": "0"}, 400,
                 "quantity_not_positive", id="zero quantity"),
    pytest.param("nurse", "dose-issues", {**DOSE, "unit": "vial"}, 400,
                 "quantity_wrong_unit", id="wrong unit"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "unit": "ml"}, 400,
                 "quantity_wrong_unit", id="a vial in mL"),
    pytest.param("pharmacist", "reconstitutions",
                 {"vial_lot": "{vial_lot_id}", "location": "{safe_id}", "vials": "1.5"}, 400,
                 "quantity_not_whole", id="half a vial"),
    pytest.param("pharmacist", "reconstitutions",
                 {"vial_lot": "{vial_lot_id}", "location": "{safe_id}", "vials": "5"}, 400,
                 "reconstitute_exceeds_stock", id="more vials than held"),
    pytest.param("nurse", "dose-issues", {**DOSE, "quantity": "99.5", "unit": "ml"}, 400,
                 "insufficient_stock", id="more than the lot holds"),
    pytest.param("pharmacist", "waste",
                 {**WASTE, "witness_username": "pharmacist_zrh"}, 400,
                 "witness_is_actor", id="witness is the actor"),
    pytest.param("pharmacist", "waste", {**WASTE, "witness_password": "wrong password"}, 400,
                 "witness_sign_in_failed", id="wrong witness password"),
    pytest.param("pharmacist", "waste", {**DOSE, "reason": "spilled"}, 400,
                 "witness_required", id="no witness"),
    pytest.param("pharmacist", "destructions",
                 {**WASTE, "witness_username": "counsellor_zrh"}, 400,
                 "witness_not_allowed", id="a witness who may not witness"),
    pytest.param("pharmacist", "waste", {**WASTE, "witness_password": ""}, 400,
                 "witness_sign_in_incomplete", id="witness without password"),
    pytest.param("pharmacist", "counts",
                 {"location": "{dosing_room_id}", "occasion": "spot_check",
                  "lines": [{"lot": "{solution_lot_id}", "counted": "99", "unit": "ml"},
                            {"lot": 999999, "counted": "1", "unit": "mg"}]}, 404,
                 "unknown_lot", id="count of an unknown lot"),
    pytest.param("pharmacist", "counts",
                 {"location": "{dosing_room_id}", "occasion": "spot_check", "lines": []}, 400,
                 "count_incomplete", id="count missing a lot held"),
    pytest.param("pharmacist", "counts",
                 {"location": "{dosing_room_id}", "occasion": "spot_check",
                  "lines": [{"lot": "{solution_lot_id}", "counted": "-1", "unit": "ml"}]}, 400,
                 "count_negative", id="negative count"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "expires_on": "2020-01-01"}, 400,
                 "lot_expired_on_receipt", id="expired delivery"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "product": "{solution_product_id}",
                                            "unit": "ml"}, 400,
                 "solution_not_received", id="receiving solution"),
    pytest.param("pharmacist", "transfers",
                 {"lot": "{methadone_lot_id}", "from_location": "{safe_id}",
                  "to_location": "{safe_id}", "quantity": "1", "unit": "ml"}, 400,
                 "transfer_same_location", id="transfer to the same place"),
    pytest.param("nurse", "dose-issues", {**DOSE, "location": "{safe_id}"}, 400,
                 "dose_not_from_dosing_room", id="dose from the safe"),
    pytest.param("nurse", "dose-issues", {**DOSE, "patient": "ZRH-9999"}, 404,
                 "patient_not_found", id="dose for an unknown patient"),
    pytest.param("nurse", "dose-returns",
                 {"issued_entry": "{issued_entry_id}", "quantity": "101", "unit": "mg",
                  "reason": "more than given"}, 400,
                 "return_exceeds_issue", id="returning more than issued"),
    pytest.param("nurse", "dose-returns",
                 {"issued_entry": "{entry_id}", "quantity": "1", "unit": "mg",
                  "reason": "not a dose"}, 400,
                 "not_a_dose_issue", id="returning a receipt"),
    pytest.param("pharmacist", "entries/999999/reversal", {"reason": "gone"}, 404,
                 "unknown_ledger_entry", id="reversing an unknown entry"),
    pytest.param("pharmacist", "entries/{entry_id}/reversal", {"reason": "  "}, 400,
                 "reason_required", id="reversal without a reason"),
    pytest.param("pharmacist", "adjustments", {**WASTE, "direction": "sideways"}, 400,
                 "adjustment_direction", id="adjustment direction"),
    pytest.param("pharmacist", CLOSE, {"investigation_note": "short"}, 400,
                 "investigation_note_required", id="closure without an investigation"),
    pytest.param("pharmacist", CLOSE,
                 {"investigation_note": "Spilled, adjust the ledger.", "adjust": True}, 400,
                 "witness_required", id="closure adjusting without a witness"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "quantity": "ten"}, 422,
                 "invalid_input", id="quantity not a number"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "quantity": "1e400"}, 422,
                 "number_not_plain", id="absurd quantity"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "colour": "blue"}, 422,
                 "invalid_input", id="unknown field"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "expires_on": 20990101}, 422,
                 "invalid_input", id="expiry not a date"),
    pytest.param("pharmacist", "receipts", {**RECEIPT, "lot_number": "V\x00"}, 422,
                 "invalid_input", id="NUL in text"),
    pytest.param("nurse", "dose-issues", {**DOSE, "lot": str(2**63)}, 422,
                 "invalid_input", id="record number out of range"),
    pytest.param("nurse", "receipts", RECEIPT, 403, "role_not_allowed", id="nurse receiving"),
    pytest.param("pharmacy_technician", "waste", WASTE, 403, "role_not_allowed",
                 id="technician wasting"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "rest", "body", "status", "code"), BAD_INPUT)
def test_bad_input_gets_a_stable_code_and_leaves_the_ledger_unchanged(
    client_for: Any,
    stock: PharmacyWorld,
    role: str,
    rest: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = ledger_state()

    response = post(client_for(role), rest, body, stock)

    assert_error(response, status, code)
    assert ledger_state() == before


def test_a_reversal_cannot_be_reversed(client_for: Any, stock: PharmacyWorld) -> None:
    client = client_for("physician")
    reversal = post(client, "entries/{entry_id}/reversal", {"reason": "wrong lot"}, stock)
    assert reversal.status_code == 201, reversal.json()
    before = ledger_state()

    again = post(
        client,
        f"entries/{reversal.json()['entries'][0]['id']}/reversal",
        {"reason": "undo the undo"},
        stock,
    )

    assert_error(again, 400, "reversal_of_reversal", "entry")
    assert ledger_state() == before


@pytest.mark.parametrize("raw", ["{", '{"lot": 1,}', "not json", '{"lot": }'])
def test_malformed_json_is_a_400_and_writes_nothing(
    client_for: Any, stock: PharmacyWorld, raw: str
) -> None:
    before = ledger_state()

    response = client_for("nurse").post(
        url("dose-issues"), data=raw, content_type="application/json"
    )

    assert_error(response, 400, "malformed_json")
    assert ledger_state() == before


# --- idempotency -------------------------------------------------------------------------------


def test_a_retried_receipt_returns_the_first_movement(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")
    before = LedgerEntry.objects.count()

    first = post(client, "receipts", RECEIPT, stock, HTTP_IDEMPOTENCY_KEY="delivery-0001")
    second = post(client, "receipts", RECEIPT, stock, HTTP_IDEMPOTENCY_KEY="delivery-0001")
    other = post(client, "receipts", RECEIPT, stock, HTTP_IDEMPOTENCY_KEY="delivery-0002")

    assert first.status_code == second.status_code == other.status_code == 201
    assert second.json() == first.json()
    assert other.json()["movement"] != first.json()["movement"]
    assert LedgerEntry.objects.count() == before + 2


def test_retried_witnessed_waste_and_count_return_the_first_record(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")
    count = {
        "location": "{dosing_room_id}",
        "occasion": "spot_check",
        "lines": [{"lot": "{solution_lot_id}", "counted": "9890", "unit": "mg"}],
    }

    wastes = [post(client, "waste", WASTE, stock, HTTP_IDEMPOTENCY_KEY="waste-key-1") for _ in "ab"]
    counts = [
        post(client, "counts", count, stock, HTTP_IDEMPOTENCY_KEY="count-key-1") for _ in "ab"
    ]
    reused = post(client, "receipts", RECEIPT, stock, HTTP_IDEMPOTENCY_KEY="waste-key-1")
    bad_key = post(client, "receipts", RECEIPT, stock, HTTP_IDEMPOTENCY_KEY="short")

    assert [w.status_code for w in wastes] == [201, 201]
    assert wastes[0].json()["entries"] == wastes[1].json()["entries"]
    assert LedgerEntry.objects.filter(kind=EntryKind.WASTE).count() == 1
    assert [c.status_code for c in counts] == [201, 201]
    assert counts[0].json()["id"] == counts[1].json()["id"]
    assert StockCount.objects.count() == 2
    assert Discrepancy.objects.count() == 1  # 9,890 counted after 10 mg wasted: no difference
    assert_error(reused, 409, "idempotency_key_reused")
    assert_error(bad_key, 400, "invalid_idempotency_key")


# --- who sees what ------------------------------------------------------------------------------


def test_a_bearer_token_client_reads_and_issues(stock: PharmacyWorld, bearer_client: Any) -> None:
    nurse = bearer_client("nurse")

    balances = nurse.get(url("balances"))
    issued = post(nurse, "dose-issues", DOSE, stock, HTTP_IDEMPOTENCY_KEY="tablet-dose-1")
    retried = post(nurse, "dose-issues", DOSE, stock, HTTP_IDEMPOTENCY_KEY="tablet-dose-1")
    anonymous = Client().get(url("balances"))

    assert balances.status_code == 200
    assert [row["lot_id"] for row in balances.json()] == [stock.solution_lot_id]
    assert issued.status_code == retried.status_code == 201, issued.json()
    assert issued.json()["entries"][0]["actor_username"] == "nurse_zrh"
    assert retried.json()["movement"] == issued.json()["movement"]
    assert held_mg(stock.solution_lot_id, stock.formulary.dosing_room.pk) == Decimal("9890")
    assert_error(anonymous, 401, "not_authenticated")


def test_a_nurse_sees_only_the_dosing_room(client_for: Any, stock: PharmacyWorld) -> None:
    nurse = client_for("nurse")
    safe = stock.formulary.safe.pk

    balances = nurse.get(url("balances")).json()
    lots = nurse.get(url("lots"), {"include_empty": "true"}).json()
    ledger = nurse.get(url("ledger")).json()
    ledger_of_safe = nurse.get(url("ledger"), {"location": safe}).json()
    alerts = nurse.get(url("alerts")).json()

    assert {row["location_kind"] for row in balances} == {"dosing_room"}
    assert [lot["id"] for lot in lots["items"]] == [stock.solution_lot_id]
    assert [b["location_kind"] for b in lots["items"][0]["balances"]] == ["dosing_room"]
    assert ledger["count"] == 2  # the transfer in and the dose
    assert {entry["location_code"] for entry in ledger["items"]} == {"dosing-room"}
    assert ledger_of_safe["count"] == 0
    assert not {alert["kind"] for alert in alerts} & {"open_discrepancy", "low_stock"}
    for rest in ("counts", f"counts/{stock.count_id}", "discrepancies"):
        assert_error(nurse.get(url(rest)), 403, "role_not_allowed")
    # the same ledger, read by a pharmacist, has the safe too
    pharmacist = client_for("pharmacist")
    assert pharmacist.get(url("ledger"), {"location": safe}).json()["count"] == 5


def test_another_clinic_is_not_found(client_for: Any, stock: PharmacyWorld) -> None:
    outsider = client_for("outsider")
    pharmacist = client_for("pharmacist")
    before = ledger_state()

    assert_error(outsider.get(url("balances")), 404, "clinic_not_found")
    assert_error(post(outsider, "dose-issues", DOSE, stock), 404, "clinic_not_found")
    assert_error(pharmacist.get(url("ledger", clinic="OUT")), 404, "clinic_not_found")
    assert_error(pharmacist.get(url("ledger", clinic="NOPE")), 404, "clinic_not_found")
    assert ledger_state() == before


# --- several clients at once --------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_dose_issues_never_overdraw_the_lot(
    personas: Personas, bearer_client: Any
) -> None:
    """Eight nurses' tablets each draw 40 mg from one lot of 250 mg at the same moment: the row
    lock on the balance lets exactly six through, the others get insufficient_stock."""
    f = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    lot = receive_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=f.methadone.pk,
        location_id=f.dosing_room.pk,
        lot_number="M-RACE",
        supplier="Test supplier",
        expires_on=clinic_today(personas.clinic) + timedelta(days=90),
        receipt_document="DN-RACE",
        amount=25,
        unit="ml",
    ).first.lot
    attempts, dose_mg, stock_mg = 8, Decimal("40"), Decimal("250")
    clients = [bearer_client(role) for role in ["nurse", "pharmacist", "physician", "nurse"] * 2]
    body = {"lot": lot.pk, "location": f.dosing_room.pk, "quantity": str(dose_mg), "unit": "mg"}

    def issue(index: int) -> tuple[int, str]:
        response = send_json(clients[index], "post", url("dose-issues"), body)
        answer = response.json()
        return response.status_code, answer.get("code", answer.get("kind", ""))

    results, errors = run_together(attempts, issue)

    assert not errors, errors
    allowed = int(stock_mg // dose_mg)
    assert Counter(results) == {
        (201, "dose_issued"): allowed,
        (400, "insufficient_stock"): attempts - allowed,
    }
    balance = held_mg(lot.pk, f.dosing_room.pk)
    ledger_sum = LedgerEntry.objects.filter(lot=lot, location=f.dosing_room).aggregate(
        total=Sum("quantity_mg")
    )["total"]
    assert balance == ledger_sum == stock_mg - allowed * dose_mg >= 0
    assert LedgerEntry.objects.filter(lot=lot, kind=EntryKind.DOSE_ISSUED).count() == allowed
    assert verify_ledger().intact


def test_decimals_are_strings_never_floats(client_for: Any, stock: PharmacyWorld) -> None:
    raw = client_for("pharmacist").get(url("ledger")).content.decode()
    parsed = json.loads(raw, parse_float=lambda text: pytest.fail(f"a float in the answer: {text}"))

    assert parsed["items"][0]["quantity_mg"] == "-100.000"


def test_retried_closure_product_and_location_return_the_first_record(
    client_for: Any, stock: PharmacyWorld
) -> None:
    client = client_for("pharmacist")
    closure = {
        "investigation_note": "Drawn-up dose not logged; confirmed on review.",
        "adjust": False,
    }
    product = {"kind": "srom_capsule", "name": "SROM 100 mg capsule", "strength": "100"}
    location = {"code": "second-safe", "name": "Second safe", "kind": "safe"}

    closures = [
        post(
            client,
            "discrepancies/{discrepancy_id}/closure",
            closure,
            stock,
            HTTP_IDEMPOTENCY_KEY="closure-key-1",
        )
        for _ in "ab"
    ]
    products = [
        post(client, "products", product, stock, HTTP_IDEMPOTENCY_KEY="product-key-1") for _ in "ab"
    ]
    locations = [
        post(client, "locations", location, stock, HTTP_IDEMPOTENCY_KEY="location-key-1")
        for _ in "ab"
    ]
    without_key = post(client, "discrepancies/{discrepancy_id}/closure", closure, stock)

    assert [r.status_code for r in closures + products + locations] == [201] * 6
    assert closures[0].json() == closures[1].json()
    assert products[0].json()["id"] == products[1].json()["id"]
    assert locations[0].json()["id"] == locations[1].json()["id"]
    assert_error(without_key, 409, "discrepancy_closed")
