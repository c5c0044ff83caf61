"""Registers and reports on real PostgreSQL, from movements each test posts itself.

The history is written with the clock backdated to moments in January to March 2026 (clinic time,
Europe/Zurich), in order, so periods, months and past dates are fixed and the expected figures can
be worked out by hand from the movements below.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.patients.models import Patient
from openhat.pharmacy import reports
from openhat.pharmacy.formulary import Formulary
from openhat.pharmacy.models import Discrepancy, EntryKind, LedgerEntry, Lot
from openhat.pharmacy.services import (
    CountedLot,
    adjust_stock,
    close_discrepancy,
    destroy_stock,
    issue_dose,
    receive_stock,
    reconstitute,
    record_count,
    record_waste,
    return_dose,
    reverse_movement,
    transfer_stock,
)
from tests.conftest import Personas

ZURICH = ZoneInfo("Europe/Zurich")
FORMULA_REASON = '=HYPERLINK("http://example.invalid","x")'


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZURICH)


@dataclass(frozen=True)
class History:
    formulary: Formulary
    patient: Patient
    vial_lot: Lot
    solution_lot: Lot
    methadone_lot: Lot
    dose_entry: LedgerEntry  # 200 mg on 20 January
    february_dose: LedgerEntry  # 300 mg on 1 February, reversed
    february_reversal: LedgerEntry
    waste_entry: LedgerEntry  # 30 mg without a dose link, reason FORMULA_REASON
    adjustment_entry: LedgerEntry  # -10 mg, 1 March
    open_discrepancy: Discrepancy  # 100 mg short in the dosing room, open
    closed_discrepancy: Discrepancy  # 100 mg short in the safe, closed with an adjustment
    surplus_discrepancy: Discrepancy  # 100 mg over (methadone), closed without adjustment


@pytest.fixture
def history(personas: Personas, formulary: Formulary, patient: Patient) -> History:
    """
    DAM solution (100 mg/mL), clinic-wide balance after each step:
      10 Jan 09:00  receive 3 vials (30,000 mg)            [vials]
      10 Jan 09:30  reconstitute 1 vial in the safe         +10,000 -> 10,000
      10 Jan 10:00  transfer 50 mL safe -> dosing room      -5,000 / +5,000 -> 10,000
      20 Jan 10:00  dose 200 mg to the patient              -> 9,800
      20 Jan 10:20  50 mg of it returned                    -> 9,850
      20 Jan 11:00  30 mg wasted, witnessed, no dose link   -> 9,820
       1 Feb 00:30  dose 300 mg (23:30 UTC on 31 January)   -> 9,520
       1 Feb 09:00  that dose reversed                      -> 9,820
       1 Mar 08:00  adjustment -10 mg (dosing room)         -> 9,810
       2 Mar 08:00  count of the dosing room: 100 mg short  (open)
       2 Mar 09:00  count of the safe: solution 100 mg short, methadone 100 mg over
       2 Mar 10:00  the safe's shortfall closed with an adjustment -> 9,710
    Methadone (10 mg/mL): 10 Feb receive 500 mL (5,000 mg); 3 Mar destroy 10 mL (100 mg).
    """
    f = formulary
    clinic = personas.clinic
    pharmacist = personas["pharmacist"]
    technician = personas["pharmacy_technician"]
    nurse = personas["nurse"]
    with clock.backdated(at(1, 10, 9)):
        vial_lot = receive_stock(
            actor=pharmacist,
            clinic=clinic,
            product_id=f.dam_vial.pk,
            location_id=f.safe.pk,
            lot_number="V-26",
            supplier="Diaphin supplier AG",
            expires_on=date(2027, 6, 30),
            receipt_document="LS-2026-001",
            amount=3,
            unit="vial",
        ).first.lot
    with clock.backdated(at(1, 10, 9, 30)):
        solution_lot = (
            reconstitute(
                actor=pharmacist,
                clinic=clinic,
                vial_lot_id=vial_lot.pk,
                location_id=f.safe.pk,
                vials=1,
                in_use_expires_at=at(6, 30, 12),
            )
            .entries[1]
            .lot
        )
    with clock.backdated(at(1, 10, 10)):
        transfer_stock(
            actor=pharmacist,
            clinic=clinic,
            lot_id=solution_lot.pk,
            from_location_id=f.safe.pk,
            to_location_id=f.dosing_room.pk,
            amount=50,
            unit="ml",
        )
    with clock.backdated(at(1, 20, 10)):
        dose = issue_dose(
            actor=nurse,
            clinic=clinic,
            lot_id=solution_lot.pk,
            location_id=f.dosing_room.pk,
            amount=200,
            unit="mg",
            patient=patient,
            dose_reference="session 1",
        ).first
    with clock.backdated(at(1, 20, 10, 20)):
        return_dose(
            actor=nurse,
            clinic=clinic,
            issued_entry_id=dose.pk,
            amount=50,
            unit="mg",
            reason="patient declined the rest",
        )
    with clock.backdated(at(1, 20, 11)):
        waste = record_waste(
            actor=pharmacist,
            clinic=clinic,
            lot_id=solution_lot.pk,
            location_id=f.dosing_room.pk,
            amount=30,
            unit="mg",
            reason=FORMULA_REASON,
            witness=technician,
        ).first
    with clock.backdated(at(2, 1, 0, 30)):
        february_dose = issue_dose(
            actor=nurse,
            clinic=clinic,
            lot_id=solution_lot.pk,
            location_id=f.dosing_room.pk,
            amount=3,
            unit="ml",
            patient=patient,
        ).first
    with clock.backdated(at(2, 1, 9)):
        february_reversal = reverse_movement(
            actor=pharmacist,
            clinic=clinic,
            entry_id=february_dose.pk,
            reason="recorded for the wrong patient",
        ).first
    with clock.backdated(at(2, 10, 9)):
        methadone_lot = receive_stock(
            actor=pharmacist,
            clinic=clinic,
            product_id=f.methadone.pk,
            location_id=f.safe.pk,
            lot_number="M-26",
            supplier="Methadone supplier",
            expires_on=date(2027, 6, 30),
            receipt_document="LS-2026-002",
            amount=500,
            unit="ml",
        ).first.lot
    with clock.backdated(at(3, 1, 8)):
        adjustment = adjust_stock(
            actor=pharmacist,
            clinic=clinic,
            lot_id=solution_lot.pk,
            location_id=f.dosing_room.pk,
            direction="remove",
            amount=10,
            unit="mg",
            reason="spill found at the weekly check",
            witness=technician,
        ).first
    with clock.backdated(at(3, 2, 8)):
        # The dosing room holds 4,810 mg (48.1 mL); 47.1 mL are found.
        room_count = record_count(
            actor=pharmacist,
            clinic=clinic,
            location_id=f.dosing_room.pk,
            occasion="day_end",
            lines=[CountedLot(solution_lot.pk, "47.1", "ml")],
        )
    with clock.backdated(at(3, 2, 9)):
        # The safe: 2 vials, 50 mL of solution (49 found), 500 mL methadone (510 found).
        safe_count = record_count(
            actor=pharmacist,
            clinic=clinic,
            location_id=f.safe.pk,
            occasion="day_end",
            lines=[
                CountedLot(vial_lot.pk, 2, "vial"),
                CountedLot(solution_lot.pk, 49, "ml"),
                CountedLot(methadone_lot.pk, 510, "ml"),
            ],
        )
    safe_short = Discrepancy.objects.get(count_line__count=safe_count, lot=solution_lot)
    surplus = Discrepancy.objects.get(count_line__count=safe_count, lot=methadone_lot)
    with clock.backdated(at(3, 2, 10)):
        close_discrepancy(
            actor=pharmacist,
            clinic=clinic,
            discrepancy_id=safe_short.pk,
            investigation_note="Vial septum leak found; 1 mL lost when drawing up.",
            adjust=True,
            witness=technician,
        )
        close_discrepancy(
            actor=pharmacist,
            clinic=clinic,
            discrepancy_id=surplus.pk,
            investigation_note="Miscount: the bottle was read at the wrong mark.",
            adjust=False,
        )
    with clock.backdated(at(3, 3, 9)):
        destroy_stock(
            actor=pharmacist,
            clinic=clinic,
            lot_id=methadone_lot.pk,
            location_id=f.safe.pk,
            amount=10,
            unit="ml",
            reason="contaminated bottle neck",
            witness=technician,
        )
    return History(
        formulary=f,
        patient=patient,
        vial_lot=vial_lot,
        solution_lot=solution_lot,
        methadone_lot=methadone_lot,
        dose_entry=dose,
        february_dose=february_dose,
        february_reversal=february_reversal,
        waste_entry=waste,
        adjustment_entry=adjustment,
        open_discrepancy=Discrepancy.objects.get(count_line__count=room_count),
        closed_discrepancy=safe_short,
        surplus_discrepancy=surplus,
    )


def solution_register(history: History, personas: Personas, since: str, until: str):
    clinic = personas.clinic
    period = reports.parse_period(clinic, since, until)
    return reports.narcotics_register(
        clinic, history.formulary.dam_solution, period, generated_by="pharmacist_zrh"
    )


def mg(text: str) -> Decimal:
    return Decimal(text)


# --- the narcotics register ---------------------------------------------------------------------


def test_register_opening_plus_movements_is_closing_and_balances_are_the_ledgers(personas, history):
    register = solution_register(history, personas, "2026-01-15", "2026-02-28")

    assert register.opening_mg == mg("10000")
    assert register.opening_ml == mg("100")
    assert [(line.kind, line.quantity_mg) for line in register.lines] == [
        (EntryKind.DOSE_ISSUED, mg("-200")),
        (EntryKind.DOSE_RETURNED, mg("50")),
        (EntryKind.WASTE, mg("-30")),
        (EntryKind.DOSE_ISSUED, mg("-300")),
        (EntryKind.REVERSAL, mg("300")),
    ]
    assert register.closing_mg == mg("9820")
    assert register.opening_mg + sum(line.quantity_mg for line in register.lines) == (
        register.closing_mg
    )
    assert register.total_in_mg - register.total_out_mg == register.closing_mg - register.opening_mg
    for line in register.lines:
        entry = LedgerEntry.objects.get(clinic=personas.clinic, pk=line.entry)
        assert line.balance_mg == entry.product_balance_mg
        assert line.lot_balance_mg == entry.balance_mg
        assert entry.product_id == history.formulary.dam_solution.pk
    # The closing balance is the ledger's last product balance before 1 March, read independently.
    last_in_february = (
        LedgerEntry.objects.filter(product=history.formulary.dam_solution, at__lt=at(3, 1, 0))
        .order_by("-chain_seq")
        .first()
    )
    assert register.closing_mg == last_in_february.product_balance_mg


def test_register_lines_carry_the_particulars(personas, history):
    register = solution_register(history, personas, "2026-01-20", "2026-02-01")
    dose, returned, waste, february, reversal = register.lines

    assert dose.patient == history.patient.client_code
    assert (dose.out_mg, dose.out_ml, dose.in_mg) == (mg("200"), mg("2"), None)
    assert dose.actor == "nurse_zrh"
    assert dose.dose_reference == "session 1"
    assert returned.in_mg == mg("50") and returned.reason == "patient declined the rest"
    assert (waste.witness, waste.reason) == ("pharmacy_technician_zrh", FORMULA_REASON)
    assert february.reversed_by_entry == history.february_reversal.pk
    assert february.note == f"Reversed by #{history.february_reversal.pk}"
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.reverses_entry == history.february_dose.pk
    assert reversal.note == f"Reversal of dose issued #{history.february_dose.pk}"
    assert reversal.in_mg == mg("300") and reversal.in_ml == mg("3")
    # Times are the clinic's: the 00:30 dose is on 1 February although it is 31 January in UTC.
    assert february.at.date() == date(2026, 2, 1)


def test_a_receipt_shows_its_supplier_and_document(personas, history):
    clinic = personas.clinic
    register = reports.narcotics_register(
        clinic,
        history.formulary.dam_vial,
        reports.parse_period(clinic, "2026-01-01", "2026-01-31"),
        generated_by="auditor_zrh",
    )

    receipt, reconstitution = register.lines
    assert (receipt.supplier, receipt.document_number) == (
        "Diaphin supplier AG",
        "LS-2026-001",
    )
    assert receipt.in_mg == mg("30000") and receipt.in_ml is None
    assert reconstitution.out_mg == mg("10000")
    assert (register.opening_mg, register.closing_mg) == (mg("0"), mg("20000"))
    assert register.opening_ml is None  # vials are not kept in mL


def test_register_period_filtering(personas, history):
    january = solution_register(history, personas, "2026-01-01", "2026-01-31")
    february = solution_register(history, personas, "2026-02-01", "2026-02-28")
    before = solution_register(history, personas, "2025-12-01", "2025-12-31")
    day_with_nothing = solution_register(history, personas, "2026-01-25", "2026-01-25")

    # Reconstitution, the transfer's two lines, dose, return, waste.
    assert [line.kind for line in january.lines] == [
        EntryKind.RECONSTITUTION,
        EntryKind.TRANSFER,
        EntryKind.TRANSFER,
        EntryKind.DOSE_ISSUED,
        EntryKind.DOSE_RETURNED,
        EntryKind.WASTE,
    ]
    assert all(line.at.month == 1 for line in january.lines)
    assert (january.opening_mg, january.closing_mg) == (mg("0"), mg("9820"))
    assert [line.entry for line in february.lines] == [
        history.february_dose.pk,
        history.february_reversal.pk,
    ]
    assert february.opening_mg == january.closing_mg == february.closing_mg
    assert (before.lines, before.opening_mg, before.closing_mg) == ([], mg("0"), mg("0"))
    assert day_with_nothing.lines == []
    assert day_with_nothing.opening_mg == day_with_nothing.closing_mg == mg("9820")


def register_page_url(history, since="2026-01-15", until="2026-02-28", kind=""):
    suffix = f"{kind}/" if kind else ""
    product = history.formulary.dam_solution.pk
    return f"/pharmacy/reports/register/{suffix}?product={product}&since={since}&until={until}"


def test_register_csv_parses_back_with_the_same_rows(personas, history, client_for):
    register = solution_register(history, personas, "2026-01-15", "2026-02-28")

    response = client_for("auditor").get(register_page_url(history, kind="csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    opening, *movements, closing = rows
    assert (opening["kind"], mg(opening["balance_mg"]), mg(opening["balance_ml"])) == (
        "opening_balance",
        register.opening_mg,
        register.opening_ml,
    )
    assert (closing["kind"], mg(closing["balance_mg"])) == ("closing_balance", register.closing_mg)
    assert len(movements) == len(register.lines)
    for row, line in zip(movements, register.lines, strict=True):
        assert int(row["entry"]) == line.entry
        assert row["kind"] == line.kind
        assert datetime.fromisoformat(row["at"]) == line.at
        assert (row["in_mg"] and mg(row["in_mg"])) == (line.in_mg or "")
        assert (row["out_mg"] and mg(row["out_mg"])) == (line.out_mg or "")
        assert mg(row["balance_mg"]) == line.balance_mg
        assert (row["patient"], row["actor"], row["witness"]) == (
            line.patient,
            line.actor,
            line.witness,
        )
    waste = next(row for row in movements if row["kind"] == EntryKind.WASTE)
    # A spreadsheet opening the file shows the reason as text instead of running it.
    assert waste["reason"] == "'" + FORMULA_REASON


def test_csv_cells_that_look_like_formulas_are_quoted():
    assert [reports.csv_cell(text) for text in ("=1+2", "+1", "-1+1", "@SUM(A1)", "\tx")] == [
        "'=1+2",
        "'+1",
        "'-1+1",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert reports.csv_cell("plain") == "plain"
    assert reports.csv_cell(Decimal("-10.000")) == "-10.000"  # a number the report wrote
    assert reports.csv_cell(None) == ""


def test_register_page_prints_without_inline_style_or_script(personas, history, client_for):
    response = client_for("pharmacist").get(register_page_url(history))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Opening balance" in body and "Closing balance" in body
    assert "9820.000" in body
    assert history.patient.client_code in body
    assert f"Reversal of dose issued #{history.february_dose.pk}" in body
    assert "pharmacy/reports.css" in body
    assert "style=" not in body and "<style" not in body
    assert body.count("<script") == body.count("<script src=")


def test_register_pdf_holds_the_register(personas, history, client_for):
    response = client_for("manager").get(register_page_url(history, kind="pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Diacetylmorphine solution 100 mg/mL" in text
    assert "Opening balance" in text and "Closing balance" in text
    assert "10000.000" in text and "9820.000" in text
    assert history.patient.client_code in text


def test_register_api_matches_the_register(personas, history, client_for):
    register = solution_register(history, personas, "2026-01-15", "2026-02-28")
    product = history.formulary.dam_solution.pk

    response = client_for("pharmacy_technician").get(
        f"/api/clinics/ZRH/pharmacy/register?product={product}&since=2026-01-15&until=2026-02-28"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert mg(data["opening_mg"]) == register.opening_mg
    assert mg(data["closing_mg"]) == register.closing_mg
    assert [(line["entry_id"], mg(line["balance_mg"])) for line in data["lines"]] == [
        (line.entry, line.balance_mg) for line in register.lines
    ]
    assert data["product"]["code"] == "dam-solution-100"


# --- monthly consumption ------------------------------------------------------------------------


def test_consumption_sums_match_the_movements(personas, history):
    clinic = personas.clinic
    months = reports.parse_months(clinic, "2026", None, None)
    found = reports.monthly_consumption(clinic, months, generated_by="auditor_zrh")
    by_product = {row.product.code: row for row in found.rows}

    solution = by_product["dam-solution-100"]
    january, february, march = solution.cells[:3]
    assert len(solution.cells) == 12
    assert (january.received_mg, january.reconstituted_mg) == (mg("0"), mg("10000"))
    assert (january.issued_mg, january.returned_mg, january.dispensed_mg) == (
        mg("200"),
        mg("50"),
        mg("150"),
    )
    assert january.wasted_mg == mg("30")
    # The 00:30 dose on 1 February is February's, and its reversal cancels it in that month.
    assert (february.issued_mg, february.dispensed_mg) == (mg("0"), mg("0"))
    # 1 March: -10 mg; 2 March: the shortfall's closing adjustment, -100 mg.
    assert march.adjusted_mg == mg("-110")
    assert solution.total.dispensed_mg == mg("150")
    assert solution.total.adjusted_mg == mg("-110")

    vials = by_product["dam-vial-10g"]
    assert vials.cells[0].received_mg == mg("30000")
    assert vials.cells[0].reconstituted_mg == mg("-10000")
    methadone = by_product["methadone-10"]
    assert methadone.cells[1].received_mg == mg("5000")
    assert methadone.cells[2].destroyed_mg == mg("100")
    assert methadone.total.received_mg == mg("5000")
    # Months without movement are zeros, not gaps.
    assert all(cell.issued_mg == 0 for cell in solution.cells[3:])


def test_consumption_of_a_range_of_months_and_its_csv(personas, history, client_for):
    response = client_for("auditor").get(
        "/pharmacy/reports/consumption/csv/?since=2026-01&until=2026-02"
    )

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    solution = [row for row in rows if row["product"] == "dam-solution-100"]
    assert [row["month"] for row in solution] == ["2026-01", "2026-02"]
    assert (mg(solution[0]["issued_mg"]), mg(solution[0]["dispensed_mg"])) == (
        mg("200"),
        mg("150"),
    )
    page = client_for("auditor").get("/pharmacy/reports/consumption/?year=2026")
    assert page.status_code == 200
    assert "Diacetylmorphine solution 100 mg/mL" in page.content.decode()


def test_consumption_api(personas, history, client_for):
    response = client_for("manager").get(
        "/api/clinics/ZRH/pharmacy/consumption?since=2026-03&until=2026-03"
    )

    assert response.status_code == 200, response.content
    products = {item["product"]["code"]: item for item in response.json()["products"]}
    assert mg(products["dam-solution-100"]["months"][0]["adjusted_mg"]) == mg("-110")
    assert mg(products["methadone-10"]["total"]["destroyed_mg"]) == mg("100")


# --- inventory at a date --------------------------------------------------------------------------


def stock(inventory) -> dict[tuple[str, str], Decimal]:
    return {(line.lot_number, line.location): line.balance_mg for line in inventory.lines}


def test_inventory_at_a_past_date(personas, history):
    clinic = personas.clinic
    solution = history.solution_lot.lot_number

    on_15_january = reports.inventory_on(clinic, date(2026, 1, 15), generated_by="auditor_zrh")
    end_of_february = reports.inventory_on(clinic, date(2026, 2, 28), generated_by="auditor_zrh")
    before_anything = reports.inventory_on(clinic, date(2026, 1, 9), generated_by="auditor_zrh")

    assert stock(on_15_january) == {
        ("V-26", "Safe"): mg("20000"),
        (solution, "Safe"): mg("5000"),
        (solution, "Dosing room"): mg("5000"),
    }
    assert stock(end_of_february) == {
        ("V-26", "Safe"): mg("20000"),
        (solution, "Safe"): mg("5000"),
        (solution, "Dosing room"): mg("4820"),
        ("M-26", "Safe"): mg("5000"),
    }
    assert before_anything.lines == []
    vials = next(line for line in on_15_january.lines if line.lot_number == "V-26")
    assert (vials.units, vials.balance_ml) == (Decimal("2"), None)
    room = next(line for line in end_of_february.lines if line.location == "Dosing room")
    assert room.balance_ml == mg("48.2")
    assert room.last_movement_at.date() == date(2026, 2, 1)
    assert on_15_january.generated_by == "auditor_zrh"
    totals = {product.code: total for product, total, _ in end_of_february.product_totals}
    assert totals["dam-solution-100"] == mg("9820")


def test_inventory_page_and_csv_name_the_date_and_the_person(personas, history, client_for):
    client = client_for("auditor")

    page = client.get("/pharmacy/reports/inventory/?on=2026-02-28")
    download = client.get("/pharmacy/reports/inventory/csv/?on=2026-02-28")

    body = page.content.decode()
    assert page.status_code == 200
    assert "2026-02-28" in body and "auditor_zrh" in body
    # ZRH is a Swiss clinic: its stock-taking stands beside the Swiss register, not the DEA's.
    assert "DEA" not in body and "Betäubungsmittelkontrolle" in body
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {row["taken_by"] for row in rows} == {"auditor_zrh"}
    assert {row["inventory_as_of"][:10] for row in rows} == {"2026-03-01"}
    vial_row = next(row for row in rows if row["lot"] == "V-26")
    assert (vial_row["units"], vial_row["unit"], vial_row["balance_mg"]) == (
        "2",
        "vial",
        "20000.000",
    )


def test_inventory_page_of_a_us_research_pilot_speaks_of_the_dea(personas, history, client_for):
    Clinic.objects.filter(pk=personas.clinic.pk).update(jurisdiction_preset="us-pilot")

    body = client_for("auditor").get("/pharmacy/reports/inventory/?on=2026-02-28").content.decode()

    assert "not an official DEA form" in body and "Schedule I" in body


def test_inventory_api(personas, history, client_for):
    response = client_for("pharmacist").get("/api/clinics/ZRH/pharmacy/inventory?on=2026-01-15")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["taken_by"] == "pharmacist_zrh"
    assert data["on"] == "2026-01-15"
    assert sum(mg(line["balance_mg"]) for line in data["lines"]) == mg("30000")


# --- loss and theft records -------------------------------------------------------------------------


def test_loss_records_hold_adjustments_waste_and_shortfalls(personas, history):
    found = reports.loss_records(personas.clinic, None, generated_by="auditor_zrh")
    by_reference = {record.reference: record for record in found.records}

    adjustment = by_reference[f"entry #{history.adjustment_entry.pk}"]
    assert adjustment.kind == reports.LossKind.ADJUSTMENT
    assert (adjustment.quantity_mg, adjustment.quantity_ml) == (mg("10"), mg("0.1"))
    assert adjustment.witness == "pharmacy_technician_zrh"
    assert adjustment.reason == "spill found at the weekly check"

    waste = by_reference[f"entry #{history.waste_entry.pk}"]
    assert (waste.kind, waste.quantity_mg) == (reports.LossKind.WASTE, mg("30"))

    still_open = by_reference[f"discrepancy {history.open_discrepancy.pk}"]
    assert (still_open.kind, still_open.status, still_open.quantity_mg) == (
        reports.LossKind.DISCREPANCY,
        "open",
        mg("100"),
    )
    assert still_open.closed_at is None

    closed = by_reference[f"discrepancy {history.closed_discrepancy.pk}"]
    assert closed.status == "closed"
    assert closed.closed_by == "pharmacist_zrh"
    assert closed.investigation_note.startswith("Vial septum leak")
    closing_adjustment = history.closed_discrepancy.closure.adjustment
    assert closed.adjustment_reference == f"adjusted by entry #{closing_adjustment.pk}"
    # The adjustment that booked the shortfall is the same loss: on the shortfall's line only.
    assert f"entry #{closing_adjustment.pk}" not in by_reference

    # A surplus is not a loss; neither is a dose's own return.
    assert f"discrepancy {history.surplus_discrepancy.pk}" not in by_reference
    assert {record.kind for record in found.records} == {
        reports.LossKind.ADJUSTMENT,
        reports.LossKind.WASTE,
        reports.LossKind.DISCREPANCY,
    }
    assert len(found.records) == 4
    assert found.open_count == 1


def test_waste_of_a_drawn_dose_is_not_a_loss(personas, history):
    with clock.backdated(at(3, 4, 9)):
        linked = record_waste(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            lot_id=history.solution_lot.pk,
            location_id=history.formulary.dosing_room.pk,
            amount=20,
            unit="mg",
            reason="drawn for the dose, not given",
            witness=personas["pharmacy_technician"],
            issued_entry_id=history.dose_entry.pk,
        ).first

    found = reports.loss_records(personas.clinic, None, generated_by="auditor_zrh")

    assert f"entry #{linked.pk}" not in {record.reference for record in found.records}


def test_loss_records_in_a_period_and_as_csv(personas, history, client_for):
    response = client_for("auditor").get(
        "/pharmacy/reports/losses/csv/?since=2026-03-01&until=2026-03-31"
    )

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["type"] for row in rows) == [
        "count_shortfall",
        "count_shortfall",
        "negative_adjustment",
    ]
    shortfall = next(row for row in rows if row["status"] == "open")
    assert shortfall["reference"] == f"discrepancy {history.open_discrepancy.pk}"
    adjustment = next(
        row for row in rows if row["reference"] == f"entry #{history.adjustment_entry.pk}"
    )
    assert adjustment["witness"] == "pharmacy_technician_zrh"
    page = client_for("auditor").get("/pharmacy/reports/losses/")
    assert page.status_code == 200
    # A Swiss clinic reports to its cantonal authority and Swissmedic, not to the DEA.
    assert "Swissmedic" in page.content.decode() and "DEA" not in page.content.decode()


def test_losses_api(personas, history, client_for):
    response = client_for("manager").get("/api/clinics/ZRH/pharmacy/losses?until=2026-01-31")

    assert response.status_code == 200, response.content
    data = response.json()
    assert [record["type"] for record in data["records"]] == ["waste_without_dose"]
    assert data["period"] == {"since": "1900-01-01", "until": "2026-01-31"}


# --- what bad input gets ------------------------------------------------------------------------------

API = "/api/clinics/ZRH/pharmacy"


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("register?since=2026-01-01", 400, "product_required", "product"),
        ("register?product=abc", 400, "invalid_id", "product"),
        ("register?product=99999999999999999999999", 400, "invalid_id", "product"),
        ("register?product=987654321", 404, "unknown_product", "product"),
        ("register?product={product}&since=2026-13-01", 400, "invalid_date", "since"),
        ("register?product={product}&since=2026-1-1", 400, "invalid_date", "since"),
        ("register?product={product}&until=0001-01-01", 400, "invalid_date", "until"),
        (
            "register?product={product}&since=2026-02-01&until=2026-01-01",
            400,
            "period_reversed",
            "until",
        ),
        (
            "register?product={product}&since=2024-01-01&until=2026-01-01",
            400,
            "period_too_long",
            "until",
        ),
        ("consumption?year=20x6", 400, "invalid_year", "year"),
        ("consumption?year=0001", 400, "invalid_year", "year"),
        ("consumption?since=2026-13", 400, "invalid_month", "since"),
        ("consumption?since=2026-03&until=2026-01", 400, "period_reversed", "until"),
        ("consumption?year=2026&since=2026-01", 400, "period_ambiguous", "year"),
        ("consumption?since=2000-01&until=2026-01", 400, "period_too_long", "until"),
        ("inventory?on=yesterday", 400, "invalid_date", "on"),
        ("inventory?on=9000-01-01", 400, "date_in_future", "on"),
        ("losses?since=2026-03-01&until=2026-02-01", 400, "period_reversed", "until"),
        ("losses?since=31.01.2026", 400, "invalid_date", "since"),
    ],
)
def test_bad_queries_get_a_clear_error(personas, formulary, client_for, query, status, code, field):
    path = f"{API}/{query.replace('{product}', str(formulary.dam_solution.pk))}"

    response = client_for("auditor").get(path)

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_bad_page_queries_show_the_form_with_the_message(personas, formulary, client_for):
    client = client_for("pharmacist")
    product = formulary.dam_solution.pk

    reversed_period = client.get(
        f"/pharmacy/reports/register/?product={product}&since=2026-02-01&until=2026-01-01"
    )
    bad_date = client.get(f"/pharmacy/reports/register/csv/?product={product}&since=soon")
    unknown = client.get("/pharmacy/reports/register/pdf/?product=987654321")
    bad_year = client.get("/pharmacy/reports/consumption/?year=next")
    future = client.get("/pharmacy/reports/inventory/csv/?on=9000-01-01")

    assert reversed_period.status_code == 400
    assert "before it starts" in reversed_period.content.decode()
    assert 'data-testid="register-form"' in reversed_period.content.decode()
    assert bad_date.status_code == 400
    assert "is not a date" in bad_date.content.decode()
    assert unknown.status_code == 404
    assert bad_year.status_code == 400
    assert "is not a year" in bad_year.content.decode()
    assert future.status_code == 400


def test_register_page_without_a_product_offers_the_choice(personas, formulary, client_for):
    response = client_for("auditor").get("/pharmacy/reports/register/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose a product and a period" in body
    assert formulary.dam_solution.name in body
