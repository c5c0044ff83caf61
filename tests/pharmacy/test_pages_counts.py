"""Counts, reconciliation and discrepancies on the pages: a blind count sheet listing every lot
held at the location, the reconciliation with its differences highlighted, and a discrepancy
that stays on the board and the dashboard until it is closed with a note (and, when stock really
is missing, a witnessed adjustment)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openhat.pharmacy.formulary import Formulary
from openhat.pharmacy.models import (
    CountLine,
    Discrepancy,
    DiscrepancyClosure,
    EntryKind,
    LedgerEntry,
    StockCount,
)
from openhat.pharmacy.services import reconstitute
from tests.conftest import Personas
from tests.pharmacy.conftest import held, receive
from tests.pharmacy.pages import (
    entries,
    key_on,
    solution_in_dosing_room,
    text,
    vials_in_safe,
    witnessed_by,
)

pytestmark = pytest.mark.django_db


def sheet(location: Any, *rows: tuple[Any, str, str], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"location": location.pk, "occasion": "shift_change", **extra}
    for index, (lot_id, amount, unit) in enumerate(rows):
        data[f"lot_{index}"] = lot_id
        data[f"amount_{index}"] = amount
        data[f"unit_{index}"] = unit
    return data


def test_the_count_sheet_lists_every_lot_held_and_hides_the_expected_figures(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    methadone = receive(personas, f.methadone, f.safe, 250, "ml", lot_number="M-1")
    receive(personas, f.srom, f.dosing_room, 10, "capsule", lot_number="S-1")
    client = client_for("pharmacist")
    chooser = text(client.get("/pharmacy/counts/new/"))
    assert 'data-testid="choose-location"' in chooser

    page = text(client.get(f"/pharmacy/counts/new/?location={f.safe.pk}"))

    assert 'data-testid="count-row-V-1"' in page and 'data-testid="count-row-M-1"' in page
    assert "S-1" not in page, "only the lots held at this location"
    assert "30,000" not in page and "2,500" not in page and "250" not in page
    assert f'name="lot_0" value="{vials.pk}"' in page or f'name="lot_1" value="{vials.pk}"' in page
    assert str(methadone.pk) in page


def test_a_matching_count_opens_no_discrepancy(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    methadone = receive(personas, f.methadone, f.safe, 250, "ml", lot_number="M-1")
    client = client_for("pharmacist")
    page = text(client.get(f"/pharmacy/counts/new/?location={f.safe.pk}"))

    response = client.post(
        "/pharmacy/counts/new/",
        sheet(
            f.safe,
            (vials.pk, "3", "vial"),
            (methadone.pk, "2500", "mg"),
            idempotency_key=key_on(page),
        ),
    )

    assert response.status_code == 302
    count = StockCount.objects.get()
    assert response["Location"] == f"/pharmacy/counts/{count.pk}/"
    detail = text(client.get(response["Location"]))
    assert "Count saved: every lot matches the ledger." in detail
    assert 'data-testid="count-matches"' in detail and not Discrepancy.objects.exists()


def test_a_difference_opens_a_discrepancy_shown_on_the_count_the_board_and_the_dashboard(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")

    response = client.post(
        "/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml"))
    )

    assert response.status_code == 302
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.difference_mg == Decimal("-50")
    detail = text(client.get(response["Location"]))
    assert 'data-testid="count-differs"' in detail and "1 lot differs from the ledger" in detail
    assert 'class="problem"' in detail and "\N{MINUS SIGN}50 mg" in detail
    assert "\N{MINUS SIGN}0.5 mL" in detail
    assert f'href="/pharmacy/discrepancies/{discrepancy.pk}/"' in detail
    board = text(client.get("/pharmacy/"))
    assert 'data-testid="open-discrepancies"' in board
    assert f"Open discrepancy {discrepancy.pk}: 50 mg less" in board
    dashboard = text(client.get("/patients/"))
    assert (
        'data-testid="discrepancy-notice"' in dashboard and "1 open stock discrepancy" in dashboard
    )
    # Nurses do not see counts, so the dashboard does not nag them about one.
    assert 'data-testid="discrepancy-notice"' not in text(client_for("nurse").get("/patients/"))
    assert 'data-testid="discrepancy-notice"' in text(client_for("auditor").get("/patients/"))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("unknown lot", "No such lot in this clinic."),
        ("negative", "A count cannot be below zero; enter 0 for an empty shelf."),
        ("wrong unit", "is counted in mg, ml, not vial"),
        ("not a number", "is not a number"),
        ("missing amount", "Enter what is there (0 if none)."),
    ],
)
def test_a_bad_count_gets_a_clear_message_and_nothing_is_recorded(
    client_for: Any, personas: Personas, formulary: Formulary, rows: str, message: str
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    counted = {
        "unknown lot": [(solution.pk, "50", "ml"), (987654, "1", "mg")],
        "negative": [(solution.pk, "-50", "ml")],
        "wrong unit": [(solution.pk, "1", "vial")],
        "not a number": [(solution.pk, "fifty", "ml")],
        "missing amount": [(solution.pk, "", "ml")],
    }[rows]
    before = entries()

    response = client_for("pharmacist").post(
        "/pharmacy/counts/new/", sheet(f.dosing_room, *counted)
    )

    assert response.status_code == 400
    assert message in text(response)
    assert not StockCount.objects.exists() and not CountLine.objects.exists()
    assert entries() == before


def test_a_lot_left_off_the_sheet_is_added_back_to_be_counted(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    methadone = receive(personas, f.methadone, f.safe, 250, "ml", lot_number="M-1")

    response = client_for("pharmacist").post(
        "/pharmacy/counts/new/", sheet(f.safe, (vials.pk, "3", "vial"))
    )

    assert response.status_code == 400
    page = text(response)
    assert 'data-testid="count-row-M-1"' in page and "Enter what is there (0 if none)." in page
    assert f'value="{methadone.pk}"' in page
    assert not StockCount.objects.exists()


def test_a_location_of_another_clinic_cannot_be_counted(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    response = client_for("pharmacist").get("/pharmacy/counts/new/?location=987654")

    assert response.status_code == 400
    assert "No such location in this clinic." in text(response)


def test_a_double_submitted_count_is_recorded_once(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")
    key = key_on(text(client.get(f"/pharmacy/counts/new/?location={f.dosing_room.pk}")))
    data = sheet(f.dosing_room, (solution.pk, "49", "ml"), idempotency_key=key)

    first, second = (
        client.post("/pharmacy/counts/new/", data),
        client.post("/pharmacy/counts/new/", data),
    )

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert StockCount.objects.count() == 1 and Discrepancy.objects.count() == 1


def test_the_reconciliation_adds_up_the_movements_since_the_previous_count(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    vials = vials_in_safe(personas, f)
    client = client_for("pharmacist")
    first = client.post("/pharmacy/counts/new/", sheet(f.safe, (vials.pk, "3", "vial")))
    assert first.status_code == 302
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=f.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot

    second = client.post(
        "/pharmacy/counts/new/",
        sheet(f.safe, (vials.pk, "2", "vial"), (solution.pk, "99", "ml")),
    )

    assert second.status_code == 302
    page = text(client.get(second["Location"]))
    assert f'href="{first["Location"]}"' in page, "the reconciliation starts at the previous count"
    vial_row = page.split(f'data-testid="reconciliation-{vials.lot_number}"')[1].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in vial_row.split('class="num">')[1:]]
    # start, received, issued, returned, wasted, adjusted
    assert cells[:6] == ["30,000", "0", "10,000", "0", "0", "0"]
    assert "<strong>20,000</strong>" in vial_row
    solution_row = page.split(f'data-testid="reconciliation-{solution.lot_number}"')[1].split(
        "</tr>"
    )[0]
    assert "problem" in page.split(f'data-testid="reconciliation-{solution.lot_number}"')[0][-40:]
    assert "<strong>10,000</strong>" in solution_row and "<strong>9,900</strong>" in solution_row
    assert "\N{MINUS SIGN}100 mg" in solution_row and "\N{MINUS SIGN}1 mL" in solution_row


def test_closing_a_discrepancy_with_a_witnessed_adjustment_books_the_difference(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")
    client.post("/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml")))
    discrepancy = Discrepancy.objects.get()
    path = f"/pharmacy/discrepancies/{discrepancy.pk}/"
    page = text(client.get(path))
    assert 'data-testid="close-discrepancy"' in page and "less than the ledger expects" in page
    before = entries()

    short = client.post(path, {"investigation_note": "spilt", "adjust": "on", **witnessed_by()})
    assert short.status_code == 400 and "at least 10 characters" in text(short)
    same_person = client.post(
        path,
        {
            "investigation_note": "Spilled while drawing up.",
            "adjust": "on",
            **witnessed_by("pharmacist_zrh"),
        },
    )
    assert same_person.status_code == 400
    assert "The witness must be a different person" in text(same_person)
    no_witness = client.post(
        path, {"investigation_note": "Spilled while drawing up.", "adjust": "on"}
    )
    assert no_witness.status_code == 400 and "must witness this" in text(no_witness)
    assert entries() == before and not DiscrepancyClosure.objects.exists()

    closed = client.post(
        path,
        {"investigation_note": "Spilled while drawing up.", "adjust": "on", **witnessed_by()},
    )

    assert closed.status_code == 302
    closure = DiscrepancyClosure.objects.get()
    adjustment = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert closure.adjustment == adjustment and adjustment.quantity_mg == Decimal("-50")
    assert held(solution, f.dosing_room) == Decimal("4950")
    shown = text(client.get(path))
    assert 'data-testid="closure"' in shown and "Spilled while drawing up." in shown
    assert 'data-testid="close-discrepancy"' not in shown
    assert 'data-testid="discrepancy-notice"' not in text(client.get("/patients/"))
    assert "None open" in text(client.get("/pharmacy/"))


def test_closing_without_an_adjustment_writes_no_ledger_entry(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("physician")
    client.post("/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml")))
    discrepancy = Discrepancy.objects.get()
    before = entries()

    response = client.post(
        f"/pharmacy/discrepancies/{discrepancy.pk}/",
        {"investigation_note": "Miscounted: recounted with a second person, all there."},
    )

    assert response.status_code == 302
    assert entries() == before and DiscrepancyClosure.objects.get().adjustment is None
    again = client.post(
        f"/pharmacy/discrepancies/{discrepancy.pk}/",
        {"investigation_note": "Miscounted: recounted with a second person, all there."},
    )
    assert again.status_code == 400 and "already closed" in text(again)


def test_readers_see_a_discrepancy_but_only_movers_close_it(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client_for("pharmacist").post(
        "/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml"))
    )
    path = f"/pharmacy/discrepancies/{Discrepancy.objects.get().pk}/"
    auditor = client_for("auditor")
    page = text(auditor.get(path))
    assert (
        'data-testid="discrepancy-facts"' in page and 'data-testid="close-discrepancy"' not in page
    )
    refused = auditor.post(path, {"investigation_note": "I would like to close this one."})
    assert refused.status_code == 403 and not DiscrepancyClosure.objects.exists()
    assert client_for("nurse").get(path).status_code == 403
    assert client_for("outsider").get(path).status_code == 404


def test_the_count_list_shows_counts_with_open_discrepancies(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    client = client_for("pharmacist")
    empty = text(client.get("/pharmacy/counts/"))
    assert 'data-testid="empty-state"' in empty and 'data-testid="start-count"' in empty
    solution = solution_in_dosing_room(personas, f)
    client.post("/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml")))

    page = text(client.get("/pharmacy/counts/"))

    assert 'data-testid="count-table"' in page and "1 open" in page and "Dosing room" in page
    assert 'data-testid="start-count"' not in text(client_for("auditor").get("/pharmacy/counts/"))


def test_a_double_submitted_closure_closes_once(
    client_for: Any, personas: Personas, formulary: Formulary
) -> None:
    f = formulary
    solution = solution_in_dosing_room(personas, f)
    client = client_for("pharmacist")
    client.post("/pharmacy/counts/new/", sheet(f.dosing_room, (solution.pk, "49.5", "ml")))
    path = f"/pharmacy/discrepancies/{Discrepancy.objects.get().pk}/"
    data = {
        "investigation_note": "Spilled while drawing up.",
        "adjust": "on",
        "idempotency_key": key_on(text(client.get(path))),
        **witnessed_by(),
    }

    first, second = client.post(path, data), client.post(path, data)

    assert first.status_code == second.status_code == 302
    assert DiscrepancyClosure.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 1
