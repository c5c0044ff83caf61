"""Movement pages on PostgreSQL: each form writes the ledger through its one service; each bad
input of issue 5 gets a clear message on the form and leaves the ledger as it was; a double
submit with the form's one-time key posts once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from openhat.core import clock
from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import Formulary
from openhat.pharmacy.models import EntryKind, LedgerEntry, Lot
from openhat.pharmacy.services import issue_dose, record_waste
from tests.conftest import Personas
from tests.pharmacy.conftest import held, receive
from tests.pharmacy.pages import (
    WITNESS,
    entries,
    expired_lot,
    expired_solution,
    key_on,
    solution_in_dosing_room,
    stock,
    text,
    vials_in_safe,
    witnessed_by,
)

pytestmark = pytest.mark.django_db


def receipt(f: Formulary, personas: Personas, **changes: Any) -> dict[str, Any]:
    data = {
        "product": f.dam_vial.pk,
        "location": f.safe.pk,
        "lot_number": "V-77",
        "supplier": "Siegfried AG",
        "expires_on": (clinic_today(personas.clinic) + timedelta(days=300)).isoformat(),
        "receipt_document": "LS-2026-0042",
        "amount": "4",
        "unit": "vial",
        "idempotency_key": "test-receive-0001",
    }
    data.update(changes)
    return data


# --- receive --------------------------------------------------------------------------------


def test_receiving_writes_one_receipt_and_the_board_shows_the_lot(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    client = client_for("pharmacist")
    form = text(client.get("/pharmacy/receive/"))
    assert "Receive stock" in form and key_on(form).startswith("receive-")

    response = client.post("/pharmacy/receive/", receipt(formulary, personas))

    assert response.status_code == 302 and response["Location"] == "/pharmacy/"
    entry = LedgerEntry.objects.get()
    assert entry.kind == EntryKind.RECEIPT and entry.quantity_mg == Decimal("40000")
    assert entry.document_number == "LS-2026-0042" and entry.actor_username == "pharmacist_zrh"
    board = text(client.get("/pharmacy/"))
    assert "Receipt recorded" in board and "V-77" in board
    assert "40,000" in board and "4 vials" in board


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-4"}, "Enter a quantity above zero"),
        ({"amount": "0"}, "Enter a quantity above zero"),
        ({"amount": "four"}, "is not a number"),
        ({"unit": "ml"}, "is counted in mg, vial, not ml"),
        ({"amount": "1.5"}, "counted in whole vials"),
        ({"expires_on": "-1"}, "an expired delivery is not taken into stock"),
        ({"product": ""}, "Choose the product."),
        ({"product": "999999"}, "No such product in this clinic."),
        ({"location": "abc"}, "is not a record number"),
        ({"lot_number": ""}, "This field is required."),
    ],
)
def test_a_bad_receipt_gets_a_clear_message_and_the_ledger_is_unchanged(
    client_for: Any,
    personas: Personas,
    formulary: Formulary,
    changes: dict[str, str],
    message: str,
) -> None:
    if changes.get("expires_on") == "-1":
        yesterday = clinic_today(personas.clinic) - timedelta(days=1)
        changes = {"expires_on": yesterday.isoformat()}
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/receive/", receipt(formulary, personas, **changes)
    )

    assert response.status_code == 400
    assert message in text(response)
    assert entries() == before == 0


def test_a_double_submitted_receipt_is_posted_once(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    client = client_for("pharmacist")
    key = key_on(text(client.get("/pharmacy/receive/")))
    data = receipt(formulary, personas, idempotency_key=key)

    first = client.post("/pharmacy/receive/", data)
    second = client.post("/pharmacy/receive/", data)

    assert first.status_code == second.status_code == 302
    assert entries() == 1
    assert Lot.objects.get(lot_number="V-77").balances.get().balance_mg == Decimal("40000")


def test_a_nurse_may_not_receive(client_for: Any, personas: Personas, formulary: Formulary) -> None:
    client = client_for("nurse")
    assert client.get("/pharmacy/receive/").status_code == 403
    assert client.post("/pharmacy/receive/", receipt(formulary, personas)).status_code == 403
    assert entries() == 0


# --- transfer -------------------------------------------------------------------------------


def test_transfer_moves_stock_between_locations(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 500, "ml", lot_number="M-1")
    client = client_for("pharmacist")
    page = text(client.get(f"/pharmacy/transfer/?stock={stock(methadone, f.safe)}"))
    assert f'value="{stock(methadone, f.safe)}" selected' in page

    response = client.post(
        "/pharmacy/transfer/",
        {
            "stock": stock(methadone, f.safe),
            "to_location": f.dosing_room.pk,
            "amount": "100",
            "unit": "ml",
            "idempotency_key": key_on(page),
        },
    )

    assert response.status_code == 302
    assert held(methadone, f.safe) == Decimal("4000")
    assert held(methadone, f.dosing_room) == Decimal("1000")


@pytest.mark.parametrize("which", ["expired lot", "expired solution"])
def test_expired_stock_is_not_moved_towards_a_patient(
    client_for: Any, personas: Personas, formulary: Formulary, which: str
) -> None:
    f = formulary
    lot = expired_lot(personas, f) if which == "expired lot" else expired_solution(personas, f)
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/transfer/",
        {
            "stock": stock(lot, f.safe),
            "to_location": f.dosing_room.pk,
            "amount": "10",
            "unit": "mg",
        },
    )

    assert response.status_code == 400
    page = text(response)
    assert "may not be issued" in page and "Remove it to quarantine" in page
    assert entries() == before


def test_more_than_is_held_cannot_be_transferred(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 10, "ml", lot_number="M-1")
    before = entries()

    response = client_for("physician").post(
        "/pharmacy/transfer/",
        {
            "stock": stock(methadone, f.safe),
            "to_location": f.dosing_room.pk,
            "amount": "11",
            "unit": "ml",
        },
    )

    assert response.status_code == 400
    assert "Safe holds 100 mg of Methadone oral solution 10 mg/mL lot M-1" in text(response)
    assert entries() == before


# --- reconstitute ---------------------------------------------------------------------------


def test_reconstituting_makes_a_solution_lot_usable_for_the_products_in_use_time(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    client = client_for("pharmacist")
    page = text(client.get("/pharmacy/reconstitute/"))
    assert "24 hours after reconstitution" in page

    started = timezone.now()
    response = client.post(
        "/pharmacy/reconstitute/",
        {"stock": stock(vials, f.safe), "vials": "2", "idempotency_key": key_on(page)},
    )

    assert response.status_code == 302
    solution = Lot.objects.get(source_lot=vials)
    assert held(vials, f.safe) == Decimal("10000")
    assert held(solution, f.safe) == Decimal("20000")
    assert solution.in_use_expires_at is not None
    assert (
        timedelta(hours=23, minutes=59)
        < solution.in_use_expires_at - started
        < timedelta(hours=24, minutes=1)
    )


def test_reconstitution_takes_an_in_use_expiry_in_clinic_time(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    tomorrow = clinic_today(personas.clinic) + timedelta(days=1)

    response = client_for("pharmacist").post(
        "/pharmacy/reconstitute/",
        {"stock": stock(vials, f.safe), "vials": "1", "in_use_expires_at": f"{tomorrow}T06:30"},
    )

    assert response.status_code == 302
    solution = Lot.objects.get(source_lot=vials)
    local = timezone.localtime(solution.in_use_expires_at, personas.clinic.zone)
    assert (local.date(), local.hour, local.minute) == (tomorrow, 6, 30)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vials": "5"}, "Safe holds 3 vial(s) of lot V-1; 5 cannot be reconstituted."),
        ({"vials": "-1"}, "Enter a quantity above zero"),
        ({"vials": "1.5"}, "counted in whole vials"),
        ({"in_use_expires_at": "2020-01-01T10:00"}, "must be later than now"),
        ({"in_use_expires_at": "tomorrow"}, "Enter a valid date/time."),
        ({"stock": ""}, "Choose the stock (lot and location)."),
    ],
)
def test_a_bad_reconstitution_gets_a_clear_message_and_the_ledger_is_unchanged(
    client_for: Any,
    personas: Personas,
    formulary: Formulary,
    changes: dict[str, str],
    message: str,
) -> None:
    vials = vials_in_safe(personas, formulary)
    data = {"stock": stock(vials, formulary.safe), "vials": "1", **changes}
    before = entries()

    response = client_for("pharmacist").post("/pharmacy/reconstitute/", data)

    assert response.status_code == 400
    assert message in text(response)
    assert entries() == before
    assert not Lot.objects.filter(source_lot=vials).exists()


def test_an_expired_vial_lot_is_not_reconstituted(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    today = clinic_today(personas.clinic)
    with clock.backdated(timezone.now() - timedelta(days=3)):
        vials = receive(
            personas,
            f.dam_vial,
            f.safe,
            1,
            "vial",
            lot_number="V-X",
            expires_on=today - timedelta(days=1),
        )
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/reconstitute/", {"stock": stock(vials, f.safe), "vials": "1"}
    )

    assert response.status_code == 400
    assert "Lot V-X expired on" in text(response)
    assert entries() == before


# --- waste and adjustment: a witness signs on the same form ----------------------------------


def waste_form(lot: Lot, location: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "stock": stock(lot, location),
        "amount": "2",
        "unit": "ml",
        "reason": "syringe dropped",
        **witnessed_by(),
        "idempotency_key": "test-waste-0001",
    }
    data.update(changes)
    return data


def test_waste_is_recorded_with_the_witness(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")
    page = text(client.get("/pharmacy/waste/"))
    assert 'data-testid="witness"' in page and 'type="password"' in page

    response = client.post("/pharmacy/waste/", waste_form(solution, f.dosing_room))

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind=EntryKind.WASTE)
    assert entry.witness_username == WITNESS and entry.actor_username == "pharmacist_zrh"
    assert entry.quantity_mg == Decimal("-200") and entry.volume_ml == Decimal("-2")
    assert entry.reason == "syringe dropped"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (witnessed_by("pharmacist_zrh"), "The witness must be a different person"),
        (
            witnessed_by(WITNESS, "wrong password"),
            "The witness&#x27;s username or password is wrong.",
        ),
        (witnessed_by("", ""), "A second staff member must witness this"),
        (witnessed_by(WITNESS, ""), "The witness enters both their username and their password."),
        (witnessed_by("counsellor_zrh"), "The witness must be a nurse, pharmacist"),
        (witnessed_by("manager_out"), "The witness must be a nurse, pharmacist"),
        ({"amount": "-2"}, "Enter a quantity above zero"),
        ({"unit": "vial"}, "is counted in mg, ml, not vial"),
        ({"reason": ""}, "Enter the reason."),
        ({"amount": "51", "unit": "ml"}, "Dosing room holds 5000 mg"),
    ],
)
def test_bad_waste_gets_a_clear_message_and_the_ledger_is_unchanged(
    client_for: Any,
    personas: Personas,
    formulary: Formulary,
    changes: dict[str, str],
    message: str,
) -> None:
    solution = solution_in_dosing_room(personas, formulary)
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/waste/", waste_form(solution, formulary.dosing_room, **changes)
    )

    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert 'value="correct horse' not in page, "the witness's password is never sent back"
    assert entries() == before


def test_a_double_submitted_waste_is_posted_once(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    solution = solution_in_dosing_room(personas, formulary)
    client = client_for("pharmacist")
    data = waste_form(solution, formulary.dosing_room)
    before = entries()

    assert client.post("/pharmacy/waste/", data).status_code == 302
    assert client.post("/pharmacy/waste/", data).status_code == 302

    assert entries() == before + 1
    assert held(solution, formulary.dosing_room) == Decimal("4800")


def test_a_count_adjustment_adds_stock_with_a_witness(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")

    response = client_for("physician").post(
        "/pharmacy/adjust/",
        {
            "stock": stock(methadone, f.safe),
            "direction": "add",
            "amount": "5",
            "unit": "ml",
            "reason": "bottle overfilled",
            **witnessed_by("nurse_zrh"),
        },
    )

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert entry.quantity_mg == Decimal("50") and entry.witness_username == "nurse_zrh"
    assert held(methadone, f.safe) == Decimal("1050")


def test_an_adjustment_witnessed_by_its_actor_is_refused(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    before = entries()

    response = client_for("physician").post(
        "/pharmacy/adjust/",
        {
            "stock": stock(methadone, f.safe),
            "direction": "remove",
            "amount": "5",
            "unit": "ml",
            "reason": "short",
            **witnessed_by("physician_zrh"),
        },
    )

    assert response.status_code == 400
    assert "The witness must be a different person" in text(response)
    assert entries() == before


# --- destruction: details, then a confirmation the witness signs -----------------------------


def test_destruction_asks_for_a_confirmation_before_it_is_recorded(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    client = client_for("pharmacist")
    key = key_on(text(client.get("/pharmacy/destroy/")))
    details = {
        "stock": stock(methadone, f.safe),
        "amount": "20",
        "unit": "ml",
        "reason": "contaminated bottle",
        "idempotency_key": key,
    }
    before = entries()

    check = client.post("/pharmacy/destroy/", details)

    assert check.status_code == 200
    page = text(check)
    assert 'data-testid="destroy-confirmation"' in page and "cannot be undone" in page
    assert "200 mg (20 mL)" in page and 'name="step" value="confirm"' in page
    assert key_on(page) == key
    assert entries() == before

    refused = client.post(
        "/pharmacy/destroy/", {**details, "step": "confirm", **witnessed_by(WITNESS, "nope")}
    )
    assert refused.status_code == 400
    assert 'data-testid="destroy-confirmation"' in text(refused)
    assert "username or password is wrong" in text(refused)
    assert entries() == before

    done = client.post("/pharmacy/destroy/", {**details, "step": "confirm", **witnessed_by()})
    assert done.status_code == 302
    entry = LedgerEntry.objects.get(kind=EntryKind.DESTRUCTION)
    assert entry.quantity_mg == Decimal("-200") and entry.witness_username == WITNESS
    again = client.post("/pharmacy/destroy/", {**details, "step": "confirm", **witnessed_by()})
    assert again.status_code == 302 and entries() == before + 1


def test_destruction_of_more_than_is_held_goes_back_to_the_details(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 10, "ml", lot_number="M-1")
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/destroy/",
        {
            "stock": stock(methadone, f.safe),
            "amount": "20",
            "unit": "ml",
            "reason": "contaminated",
            "step": "confirm",
            **witnessed_by(),
        },
    )

    assert response.status_code == 400
    page = text(response)
    assert "Safe holds 100 mg" in page and 'data-testid="destroy-confirmation"' not in page
    assert entries() == before


def test_changing_the_details_returns_to_the_first_step(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 10, "ml", lot_number="M-1")

    response = client_for("pharmacist").post(
        "/pharmacy/destroy/",
        {
            "stock": stock(methadone, f.safe),
            "amount": "2",
            "unit": "ml",
            "reason": "x",
            "step": "details",
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="destroy-confirmation"' not in page and ">Check<" in page
    assert 'value="2"' in page


# --- expiry removal -------------------------------------------------------------------------


def test_expired_stock_is_removed_to_quarantine(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    old = expired_lot(personas, f)
    client = client_for("pharmacist")
    board = text(client.get("/pharmacy/"))
    assert "expired: blocked" in board and f"remove-expired/?stock={stock(old, f.safe)}" in board
    page = text(client.get(f"/pharmacy/remove-expired/?stock={stock(old, f.safe)}"))

    response = client.post(
        "/pharmacy/remove-expired/",
        {
            "stock": stock(old, f.safe),
            "quarantine": f.quarantine.pk,
            "idempotency_key": key_on(page),
        },
    )

    assert response.status_code == 302
    assert held(old, f.safe) == 0 and held(old, f.quarantine) == Decimal("1000")


def test_a_lot_that_has_not_expired_is_not_removed(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 10, "ml", lot_number="M-1")
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/remove-expired/",
        {"stock": stock(methadone, f.safe), "quarantine": f.quarantine.pk},
    )

    assert response.status_code == 400
    assert "Lot M-1 has not expired; move it with a transfer instead." in text(response)
    assert entries() == before


# --- reversal -------------------------------------------------------------------------------


def test_a_movement_is_reversed_after_a_confirmation(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    receipt_entry = LedgerEntry.objects.get(lot=methadone)
    client = client_for("pharmacist")
    path = f"/pharmacy/entries/{receipt_entry.pk}/reverse/"
    page = text(client.get(path))
    assert 'data-testid="reversal-preview"' in page and "\N{MINUS SIGN}1,000" in page

    check = client.post(path, {"reason": "wrong product", "idempotency_key": key_on(page)})
    assert check.status_code == 200 and 'data-testid="reverse-confirmation"' in text(check)
    assert entries() == 1

    done = client.post(
        path, {"reason": "wrong product", "step": "confirm", "idempotency_key": key_on(page)}
    )

    assert done.status_code == 302 and done["Location"] == f"/pharmacy/entries/{receipt_entry.pk}/"
    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses == receipt_entry and reversal.quantity_mg == Decimal("-1000")
    entry_page = text(client.get(done["Location"]))
    assert 'data-testid="reversed-by"' in entry_page and "Reverse this movement" not in entry_page
    blocked = text(client.get(path))
    assert 'data-testid="reversal-blocked"' in blocked and "already reversed" in blocked


def test_a_reversal_of_a_reversal_is_refused(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    client = client_for("pharmacist")
    original = LedgerEntry.objects.get(lot=methadone)
    client.post(
        f"/pharmacy/entries/{original.pk}/reverse/", {"reason": "wrong product", "step": "confirm"}
    )
    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    path = f"/pharmacy/entries/{reversal.pk}/reverse/"
    assert "a reversal cannot be reversed" in text(client.get(path))
    before = entries()

    response = client.post(path, {"reason": "undo the undo", "step": "confirm"})

    assert response.status_code == 400
    assert "A reversal cannot itself be reversed; record the movement again instead." in text(
        response
    )
    assert entries() == before


def test_reversing_witnessed_waste_needs_a_witness(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    wasted = record_waste(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=f.dosing_room.pk,
        amount=1,
        unit="ml",
        reason="spilled",
        witness=personas["nurse"],
    ).first
    client = client_for("physician")
    path = f"/pharmacy/entries/{wasted.pk}/reverse/"
    check = text(client.post(path, {"reason": "it was not spilled"}))
    assert 'data-testid="witness"' in check
    before = entries()

    unwitnessed = client.post(path, {"reason": "it was not spilled", "step": "confirm"})
    assert unwitnessed.status_code == 400
    assert "A second staff member must witness this" in text(unwitnessed)
    assert entries() == before

    witnessed = client.post(
        path, {"reason": "it was not spilled", "step": "confirm", **witnessed_by("nurse_zrh")}
    )
    assert witnessed.status_code == 302
    assert LedgerEntry.objects.get(kind=EntryKind.REVERSAL).witness_username == "nurse_zrh"


def test_an_entry_of_another_clinic_is_not_found(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    entry = LedgerEntry.objects.get(lot=methadone)
    outsider = client_for("outsider")
    assert outsider.get(f"/pharmacy/entries/{entry.pk}/").status_code == 404
    # A nurse sees dosing-room entries only; the safe's receipt is not found for them.
    assert client_for("nurse").get(f"/pharmacy/entries/{entry.pk}/").status_code == 404


# --- dose return ----------------------------------------------------------------------------


def test_a_nurse_returns_part_of_a_dose(
    client_for: Any, personas: Personas, formulary: Formulary, patient: Any
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=f.dosing_room.pk,
        amount=150,
        unit="mg",
        patient=patient,
    ).first
    client = client_for("nurse")
    entry_page = text(client.get(f"/pharmacy/entries/{issued.pk}/"))
    assert "Return part of this dose" in entry_page and patient.client_code in entry_page
    assert "Reverse this movement" not in entry_page
    path = f"/pharmacy/entries/{issued.pk}/return/"
    page = text(client.get(path))

    response = client.post(
        path,
        {
            "amount": "30",
            "unit": "mg",
            "reason": "patient asked for 120 mg",
            "idempotency_key": key_on(page),
        },
    )

    assert response.status_code == 302
    returned = LedgerEntry.objects.get(kind=EntryKind.DOSE_RETURNED)
    assert returned.returns_entry == issued and returned.quantity_mg == Decimal("30")
    assert held(solution, f.dosing_room) == Decimal("4880")
    before = entries()
    too_much = client.post(path, {"amount": "121", "unit": "mg", "reason": "again"})
    assert too_much.status_code == 400
    assert "Only 120 mg of that dose is left to return." in text(too_much)
    negative = client.post(path, {"amount": "-5", "unit": "mg", "reason": "again"})
    assert negative.status_code == 400 and "Enter a quantity above zero" in text(negative)
    assert entries() == before


def test_a_nurse_wastes_part_of_a_dose_with_a_witness_and_stock_falls_once(
    client_for: Any, personas: Personas, formulary: Formulary, patient: Any
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=f.dosing_room.pk,
        amount=150,
        unit="mg",
        patient=patient,
    ).first
    client = client_for("nurse")
    path = f"/pharmacy/entries/{issued.pk}/waste/"
    page = text(client.get(path))
    assert 'data-testid="witness"' in page and "150 mg" in page
    before = entries()
    for changes, message in (
        (witnessed_by("nurse_zrh"), "The witness must be a different person"),
        (witnessed_by(WITNESS, "wrong"), "username or password is wrong"),
        ({"amount": "151"}, "Only 150 mg of that dose is left to record as waste."),
        ({"unit": "vial"}, "is counted in mg, ml, not vial"),
    ):
        data = {"amount": "20", "unit": "mg", "reason": "spilled", **witnessed_by(), **changes}
        refused = client.post(path, data)
        assert refused.status_code == 400, changes
        assert message in text(refused), changes
    assert entries() == before

    response = client.post(
        path,
        {
            "amount": "0.2",
            "unit": "ml",
            "reason": "spilled",
            "idempotency_key": key_on(page),
            **witnessed_by(),
        },
    )

    assert response.status_code == 302
    waste = LedgerEntry.objects.get(kind=EntryKind.WASTE)
    assert waste.returns_entry == issued and waste.witness_username == WITNESS
    # Issued 150 mg (4,850 left); 20 mg of it wasted: the stock does not fall a second time.
    assert held(solution, f.dosing_room) == Decimal("4850")
    entry_page = text(client.get(f"/pharmacy/entries/{issued.pk}/"))
    assert "Returned or wasted from this dose" in entry_page
    assert "Reverse this movement" not in text(
        client_for("pharmacist").get(f"/pharmacy/entries/{issued.pk}/")
    )
    blocked = text(client_for("pharmacist").get(f"/pharmacy/entries/{issued.pk}/reverse/"))
    assert "Part of this dose was returned or wasted; reverse that first." in blocked


def test_only_an_issued_dose_can_be_returned(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    solution = solution_in_dosing_room(personas, formulary)
    transfer = LedgerEntry.objects.filter(lot=solution, location=formulary.dosing_room).get()
    path = f"/pharmacy/entries/{transfer.pk}/return/"
    client = client_for("pharmacist")
    assert "Only a dose that was issued can be returned" in text(client.get(path))
    before = entries()

    response = client.post(path, {"amount": "1", "unit": "mg", "reason": "x"})

    assert response.status_code == 400
    assert "Only a dose that was issued can be returned." in text(response)
    assert entries() == before


def test_every_writing_form_carries_a_fresh_one_time_key(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    methadone = receive(personas, formulary.methadone, formulary.safe, 100, "ml", lot_number="M-1")
    entry = LedgerEntry.objects.get(lot=methadone)
    client = client_for("pharmacist")
    paths = [
        "/pharmacy/receive/",
        "/pharmacy/transfer/",
        "/pharmacy/reconstitute/",
        "/pharmacy/waste/",
        "/pharmacy/adjust/",
        "/pharmacy/destroy/",
        "/pharmacy/remove-expired/",
        f"/pharmacy/entries/{entry.pk}/reverse/",
        f"/pharmacy/counts/new/?location={formulary.safe.pk}",
    ]
    for path in paths:
        first, second = key_on(text(client.get(path))), key_on(text(client.get(path)))
        assert first != second, path


def test_paused_witness_checks_do_not_cost_the_pharmacist_their_form(
    client_for: Any, personas: Personas, formulary: Formulary, settings: Any
) -> None:
    """After too many wrong witness passwords the pharmacist's witness checks pause (the witness
    is not locked: clinics.second_person); the page keeps its form with a clear message."""
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")
    wrong = waste_form(solution, f.dosing_room) | witnessed_by(WITNESS, "wrong password")
    for _ in range(settings.OPENHAT_WITNESS_FAILURE_LIMIT):
        client.post("/pharmacy/waste/", wrong)

    response = client.post("/pharmacy/waste/", waste_form(solution, f.dosing_room))

    assert response.status_code == 400
    page = text(response)
    assert "these checks are paused" in page and 'name="witness_username"' in page
    assert not LedgerEntry.objects.filter(kind=EntryKind.WASTE).exists()
    assert client.get("/pharmacy/").status_code == 200  # the pharmacist is still signed in
