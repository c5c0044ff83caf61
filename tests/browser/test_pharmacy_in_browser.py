"""A pharmacist receives vials, reconstitutes one, counts the safe (finding a mL short), reads the
reconciliation and closes the discrepancy with a witnessed adjustment, in a real browser at
desktop and phone sizes. Screenshots: var/screenshots/pharmacy-<size>-*.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.models import Discrepancy, EntryKind, LedgerEntry, StockCount
from openhat.pharmacy.services import issue_dose
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.conftest import PASSWORD, Personas, confirmed_totp
from tests.pharmacy.pages import solution_in_dosing_room
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
LOT = "V-2026-01"
SOLUTION = f"{LOT}-R1"


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _sign_in_as_pharmacist(page: Any, personas: Personas) -> None:
    pharmacist = personas["pharmacist"]
    confirmed_totp(pharmacist)
    sign_in(page, "pharmacist_zrh", PASSWORD)
    page.wait_for_url("**/accounts/second-factor/**")
    page.get_by_label("Code from your authenticator app").fill(totp_code(pharmacist))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/pharmacy/")  # a pharmacist starts at the pharmacy's board


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_pharmacist_receives_reconstitutes_counts_and_reconciles(
    open_page: Any, personas: Personas, size: str
) -> None:
    set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    expiry = clinic_today(personas.clinic) + timedelta(days=400)
    page = open_page(DESKTOP if size == "desktop" else PHONE)
    shot = f"pharmacy-{size}"
    fits: dict[str, bool] = {}
    _sign_in_as_pharmacist(page, personas)

    page.get_by_role("link", name="Pharmacy").click()
    page.wait_for_url("**/pharmacy/")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    fits["empty board"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-board-empty")

    # Receive: a wrong unit first (the service explains), then the delivery.
    page.get_by_role("link", name="Receive", exact=True).click()
    page.get_by_label("Product").select_option(
        label="Diacetylmorphine 10,000 mg vial (in mg, vial)"
    )
    page.get_by_label("Into").select_option(label="Safe")
    page.get_by_label("Lot number").fill(LOT)
    page.get_by_label("Expiry date").fill(expiry.isoformat())
    page.get_by_label("Supplier").fill("Siegfried AG")
    page.get_by_label("Delivery note / receipt number").fill("LS-2026-0042")
    page.get_by_label("Quantity").fill("3")
    page.get_by_label("Unit").select_option("ml")
    page.get_by_role("button", name="Receive into stock").click()
    expect(page.get_by_text("is counted in mg, vial, not ml")).to_be_visible()
    fits["receive with an error"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-receive-error")
    page.get_by_label("Unit").select_option("vial")
    page.get_by_role("button", name="Receive into stock").click()
    page.wait_for_url("**/pharmacy/")
    expect(page.get_by_text("Receipt recorded.")).to_be_visible()
    expect(page.get_by_test_id("balances-safe").get_by_text("3 vials")).to_be_visible()
    fits["board after the receipt"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-board-received")

    # Reconstitute one vial, from the row's link (the stock is chosen already).
    page.get_by_test_id("balances-safe").get_by_role("link", name="Reconstitute").click()
    assert page.get_by_label("Vials (lot and location)").input_value().endswith(":") is False
    page.get_by_label("Number of vials").fill("1")
    fits["reconstitute"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-reconstitute")
    page.get_by_role("button", name="Reconstitute").click()
    page.wait_for_url("**/pharmacy/")
    expect(page.get_by_text("Reconstitution recorded.")).to_be_visible()
    safe = page.get_by_test_id("balances-safe")
    expect(safe.get_by_text(SOLUTION)).to_be_visible()
    expect(safe.get_by_text("2 vials")).to_be_visible()
    screenshot(page, f"{shot}-board-reconstituted")

    # Count the safe with the keyboard only: 99 of the 100 mL of solution, and 2 vials.
    page.get_by_role("link", name="Count", exact=True).click()
    page.get_by_label("Location to count").select_option(label="Safe")
    page.get_by_role("button", name="Start the count").click()
    sheet = page.get_by_test_id("count-sheet")
    expect(sheet).to_be_visible()
    assert "30,000" not in sheet.inner_text()
    page.get_by_test_id(f"count-row-{SOLUTION}").locator("input[type=text]").focus()
    page.keyboard.type("99")
    page.keyboard.press("Tab")  # the unit, mL already
    page.keyboard.press("Tab")
    page.keyboard.type("2")  # vials
    fits["count sheet"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-count-sheet")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pharmacy/counts/*/")

    # The reconciliation: the vials match, the solution is 1 mL (100 mg) short.
    expect(page.get_by_test_id("count-differs")).to_be_visible()
    vial_row = page.get_by_test_id(f"reconciliation-{LOT}")
    solution_row = page.get_by_test_id(f"reconciliation-{SOLUTION}")
    assert "20,000" in vial_row.inner_text() and "10,000" in vial_row.inner_text()
    assert "\N{MINUS SIGN}100 mg" in solution_row.inner_text()
    assert "\N{MINUS SIGN}1 mL" in solution_row.inner_text()
    assert "problem" in (solution_row.get_attribute("class") or "")
    fits["reconciliation"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-reconciliation")
    count = StockCount.objects.get()
    assert count.lines.count() == 2

    # The discrepancy, closed with an adjustment the technician witnesses on the same screen.
    solution_row.get_by_role("link").first.click()
    page.wait_for_url("**/pharmacy/discrepancies/*/")
    page.get_by_label("What the investigation found").fill(
        "Drawn up into a syringe for the 14:00 session and not booked; syringe discarded."
    )
    page.get_by_label("Book the difference as a witnessed count adjustment").check()
    page.get_by_label("Witness's username").fill("pharmacy_technician_zrh")
    page.get_by_label("Witness's password").fill(PASSWORD)
    fits["discrepancy"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-discrepancy")
    page.get_by_role("button", name="Close the discrepancy").click()
    expect(page.get_by_test_id("closure")).to_be_visible()
    screenshot(page, f"{shot}-discrepancy-closed")
    adjustment = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert adjustment.witness_username == "pharmacy_technician_zrh"
    assert not Discrepancy.objects.filter(closure__isnull=True).exists()

    page.get_by_role("link", name="Ledger", exact=True).click()
    expect(page.get_by_test_id("ledger-table").get_by_text("Count adjustment")).to_be_visible()
    fits["ledger"] = _no_horizontal_scroll(page)
    screenshot(page, f"{shot}-ledger")
    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.get_by_test_id("no-discrepancies")).to_be_visible()
    screenshot(page, f"{shot}-board-end")

    assert fits == dict.fromkeys(fits, True), fits
    # The refused receipt answered 400 on purpose; nothing else (no CSP violation) may be logged.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_the_board_and_ledger_fit_a_clinic_tablet(open_page: Any, personas: Personas) -> None:
    """At 1024x768 the pages do not scroll sideways; the wide ledger scrolls inside its frame."""
    formulary = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    solution_in_dosing_room(personas, formulary)
    page = open_page({"width": 1024, "height": 768})
    _sign_in_as_pharmacist(page, personas)
    for path, name in (("/pharmacy/", "board"), ("/pharmacy/ledger/", "ledger")):
        page.goto(path)
        assert _no_horizontal_scroll(page), path
        screenshot(page, f"pharmacy-tablet-{name}")
    assert page.console_errors == []


def test_the_other_pharmacy_pages_fit_a_phone(open_page: Any, personas: Personas) -> None:
    """Waste, transfer, destruction with its confirmation, an entry, its reversal, a dose return,
    the products and the counts at 390x844: nothing scrolls sideways, no CSP error."""
    formulary = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    solution = solution_in_dosing_room(personas, formulary)
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=formulary.dosing_room.pk,
        amount=150,
        unit="mg",
    ).first
    page = open_page(PHONE)
    _sign_in_as_pharmacist(page, personas)
    fits: dict[str, bool] = {}
    for path, name in (
        ("/pharmacy/waste/", "waste"),
        ("/pharmacy/transfer/", "transfer"),
        ("/pharmacy/adjust/", "adjust"),
        (f"/pharmacy/entries/{issued.pk}/", "entry"),
        (f"/pharmacy/entries/{issued.pk}/return/", "dose-return"),
        (f"/pharmacy/entries/{issued.pk}/waste/", "dose-waste"),
        ("/pharmacy/products/", "products"),
        ("/pharmacy/counts/", "counts"),
    ):
        page.goto(path)
        fits[name] = _no_horizontal_scroll(page)
        screenshot(page, f"pharmacy-phone-{name}")

    page.goto(f"/pharmacy/destroy/?stock={solution.pk}:{formulary.dosing_room.pk}")
    page.get_by_label("Quantity").fill("5")
    page.get_by_label("Unit").select_option("ml")
    page.get_by_label("How and why it was destroyed").fill("Syringe contaminated")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("destroy-confirmation")).to_be_visible()
    assert page.get_by_test_id("destroy-quantity").inner_text() == "500 mg (5 mL)"
    fits["destroy confirmation"] = _no_horizontal_scroll(page)
    screenshot(page, "pharmacy-phone-destroy-confirm")
    page.get_by_label("Witness's username").fill("nurse_zrh")
    page.get_by_label("Witness's password").fill(PASSWORD)
    page.get_by_role("button", name="Yes, destroy it").click()
    page.wait_for_url("**/pharmacy/")
    expect(page.get_by_text("Destruction recorded.")).to_be_visible()

    page.goto(f"/pharmacy/entries/{issued.pk}/")
    page.get_by_role("link", name="Reverse this movement").click()
    page.get_by_label("Why the movement was a mistake").fill("Issued to the wrong session")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("reverse-confirmation")).to_be_visible()
    fits["reverse confirmation"] = _no_horizontal_scroll(page)
    screenshot(page, "pharmacy-phone-reverse-confirm")
    page.get_by_role("button", name="Yes, reverse it").click()
    expect(page.get_by_test_id("reversed-by")).to_be_visible()
    screenshot(page, "pharmacy-phone-entry-reversed")

    assert fits == dict.fromkeys(fits, True), fits
    assert page.console_errors == []
