"""The pharmacy board, the ledger viewer, the products page, the nav link and what each role
sees: nurses only the dosing room, other clinics nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import Formulary
from openhat.pharmacy.models import LedgerEntry, Product
from openhat.pharmacy.services import issue_dose, reverse_movement, transfer_stock
from tests.conftest import Personas
from tests.pharmacy.conftest import receive
from tests.pharmacy.pages import (
    expired_solution,
    solution_in_dosing_room,
    text,
    vials_in_safe,
)

pytestmark = pytest.mark.django_db


def test_an_empty_pharmacy_has_sensible_empty_states(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    client = client_for("pharmacist")
    board = text(client.get("/pharmacy/"))
    assert 'data-testid="empty-state"' in board and "Record the first delivery" in board
    assert 'data-testid="no-discrepancies"' in board
    ledger = text(client.get("/pharmacy/ledger/"))
    assert "The ledger is empty" in ledger
    assert "Nothing has expired" in text(client.get("/pharmacy/remove-expired/"))


def test_the_board_shows_balances_totals_and_alerts(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials_in_safe(personas, f, 3)
    soon = clinic_today(personas.clinic) + timedelta(days=10)
    receive(personas, f.methadone, f.safe, 250, "ml", lot_number="M-SOON", expires_on=soon)
    solution_in_dosing_room(personas, f)
    expired_solution(personas, f)

    page = text(client_for("pharmacist").get("/pharmacy/"))

    assert 'data-testid="balances-safe"' in page and 'data-testid="balances-dosing-room"' in page
    assert "3 vials" in page and "2,500" in page and "250" in page  # methadone in mg and mL
    assert 'data-testid="movement-actions"' in page
    assert "Expiring" in page and "M-SOON at Safe: expires on" in page and "(in 10 days)" in page
    assert "in-use expiry passed: blocked" in page and "blocked from issue" in page
    # 3 vials + 1 of V-SOL (the other made solution) = 40,000 mg < the 100,000 mg reorder level
    assert 'data-testid="product-totals"' in page
    assert "below the reorder level of 100,000 mg" in page and "below reorder level" in page


def test_a_nurse_sees_only_the_dosing_room(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials_in_safe(personas, f, 3, lot="V-SAFE")
    solution = solution_in_dosing_room(personas, f)
    client = client_for("nurse")

    board = text(client.get("/pharmacy/"))

    assert 'data-testid="dosing-room-only"' in board and solution.lot_number in board
    assert "V-SAFE" not in board and 'data-testid="balances-safe"' not in board
    assert 'data-testid="product-totals"' not in board
    assert 'data-testid="open-discrepancies"' not in board
    assert 'data-testid="movement-actions"' not in board
    assert "Counts</a>" not in board
    ledger = text(client.get("/pharmacy/ledger/"))
    rows = ledger.count('data-label="Location">')
    assert rows == LedgerEntry.objects.filter(location=f.dosing_room).count() == 1
    assert "V-SAFE" not in ledger
    assert client.get(f"/pharmacy/ledger/?location={f.safe.pk}").status_code == 400
    for path in ("/pharmacy/counts/", "/pharmacy/products/", "/pharmacy/receive/"):
        assert client.get(path).status_code == 403, path


def test_the_nav_links_to_the_pharmacy_for_roles_that_see_stock(
    client_for: Any, personas: Personas
) -> None:
    link = 'href="/pharmacy/"'
    assert link in text(client_for("nurse").get("/patients/"))
    assert link in text(client_for("auditor").get("/patients/"))
    assert link not in text(client_for("counsellor").get("/patients/"))
    assert client_for("counsellor").get("/pharmacy/").status_code == 403


def test_the_outsider_sees_their_own_empty_pharmacy(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    vials_in_safe(personas, formulary, 3, lot="V-ZRH")
    client = client_for("outsider")
    for path in ("/pharmacy/", "/pharmacy/ledger/", "/pharmacy/counts/", "/pharmacy/products/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "V-ZRH" not in text(response) and "Diacetylmorphine" not in text(response), path
    lot = LedgerEntry.objects.get().lot_id
    assert client.get(f"/pharmacy/ledger/?lot={lot}").status_code == 400


# --- the ledger -----------------------------------------------------------------------------


def test_the_ledger_shows_every_column_in_clinic_time(
    client_for: Any, personas: Personas, formulary: Formulary, patient: Any
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=f.dosing_room.pk,
        amount=120,
        unit="mg",
        patient=patient,
        dose_reference="S-2026-1",
    ).first
    receipt = LedgerEntry.objects.get(document_number="DN-1")
    reversal = reverse_movement(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=issued.pk,
        reason="issued to the wrong session",
    ).first

    page = text(client_for("auditor").get("/pharmacy/ledger/"))

    local = timezone.localtime(issued.at, personas.clinic.zone).strftime("%Y-%m-%d %H:%M")
    assert local in page and "Europe/Zurich" in page
    for shown in (
        "Dose issued",
        "Reversal",
        "\N{MINUS SIGN}120",
        "\N{MINUS SIGN}1.2",
        "4,880",
        "48.8",
        patient.client_code,
        "S-2026-1",
        "DN-1",
        "Test supplier",
        "issued to the wrong session",
        "nurse_zrh",
        f'href="/pharmacy/entries/{issued.pk}/">#{issued.pk}</a>',
        f'href="/pharmacy/entries/{reversal.pk}/">{reversal.pk}</a>',
    ):
        assert shown in page, shown
    assert receipt.chain_seq > 0


def test_the_ledger_filters_by_product_lot_location_kind_and_dates(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    vials = vials_in_safe(personas, f, 2, lot="V-2")
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=methadone.pk,
        from_location_id=f.safe.pk,
        to_location_id=f.dosing_room.pk,
        amount=10,
        unit="ml",
    )
    client = client_for("pharmacist")
    today = clinic_today(personas.clinic)

    def rows(query: str) -> int:
        response = client.get(f"/pharmacy/ledger/?{query}")
        assert response.status_code == 200, text(response)[:500]
        return text(response).count('data-label="Kind">')

    assert rows("") == 4
    assert rows(f"product={f.methadone.pk}") == 3
    assert rows(f"lot={vials.pk}") == 1
    assert rows(f"location={f.dosing_room.pk}") == 1
    assert rows("kind=transfer") == 2
    assert rows(f"kind=receipt&product={f.dam_vial.pk}") == 1
    assert rows(f"since={today}&until={today}") == 4
    assert rows(f"until={today - timedelta(days=1)}") == 0
    assert "No entries match" in text(client.get("/pharmacy/ledger/?kind=waste"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-10&until=2026-02-01", "The end date is before the start date."),
        ("since=yesterday", "Enter a valid date."),
        ("kind=gift", "Select a valid choice."),
        ("product=abc", "Select a valid choice."),
        ("lot=987654", "Select a valid choice."),
    ],
)
def test_a_bad_ledger_filter_is_explained(
    client_for: Any, personas: Personas, formulary: Formulary, query: str, message: str
) -> None:
    receive(personas, formulary.methadone, formulary.safe, 100, "ml", lot_number="M-1")

    response = client_for("pharmacist").get(f"/pharmacy/ledger/?{query}")

    assert response.status_code == 400
    assert message in text(response) and "Check the filter" in text(response)


def test_the_ledger_is_paginated_and_keeps_the_filter(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    methadone = receive(personas, f.methadone, f.safe, 100, "ml", lot_number="M-1")
    for _ in range(13):
        for source, destination in ((f.safe, f.dosing_room), (f.dosing_room, f.safe)):
            transfer_stock(
                actor=personas["pharmacist"],
                clinic=personas.clinic,
                lot_id=methadone.pk,
                from_location_id=source.pk,
                to_location_id=destination.pk,
                amount=1,
                unit="ml",
            )
    client = client_for("pharmacist")

    first = text(client.get("/pharmacy/ledger/?kind=transfer"))
    second = text(client.get("/pharmacy/ledger/?kind=transfer&page=2"))

    assert "Page 1 of 2 · 52 entries" in first and first.count('data-label="Kind">') == 50
    assert 'href="?kind=transfer&amp;page=2"' in first
    assert second.count('data-label="Kind">') == 2 and "Receipt" not in second.split("<tbody>")[1]


# --- products -------------------------------------------------------------------------------


def test_the_products_page_shows_units_conversions_and_sets_a_reorder_level(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    client = client_for("pharmacist")
    page = text(client.get("/pharmacy/products/"))
    assert "10,000 mg per vial" in page and "100 mg per mL" in page and "mg, ml" in page
    assert "to Diacetylmorphine solution 100 mg/mL" in page and "usable 24 h" in page

    response = client.post(
        f"/pharmacy/products/{f.methadone.pk}/reorder-level/", {"reorder_level_mg": "5000"}
    )

    assert response.status_code == 302
    assert Product.objects.get(pk=f.methadone.pk).reorder_level_mg == Decimal("5000")
    assert "reorder level set to 5,000 mg" in text(client.get("/pharmacy/products/"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "A reorder level is zero or more."),
        ("lots", "is not a number"),
        ("", "Enter the reorder level in mg (0 for none)."),
    ],
)
def test_a_bad_reorder_level_is_explained_and_not_saved(
    client_for: Any, personas: Personas, formulary: Formulary, value: str, message: str
) -> None:
    response = client_for("pharmacist").post(
        f"/pharmacy/products/{formulary.methadone.pk}/reorder-level/", {"reorder_level_mg": value}
    )

    assert response.status_code == 400
    assert message in text(response)
    assert Product.objects.get(pk=formulary.methadone.pk).reorder_level_mg == 0


def test_readers_see_products_without_the_reorder_form(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    page = text(client_for("manager").get("/pharmacy/products/"))
    assert 'data-testid="product-table"' in page and "reorder-level/" not in page
    refused = client_for("manager").post(
        f"/pharmacy/products/{formulary.methadone.pk}/reorder-level/", {"reorder_level_mg": "1"}
    )
    assert refused.status_code == 403
    other = client_for("outsider").post(
        f"/pharmacy/products/{formulary.methadone.pk}/reorder-level/", {"reorder_level_mg": "1"}
    )
    assert other.status_code == 403
