"""The register of a Canadian clinic and a count sheet with two bad lots, in a real browser at
1024x768 (issue 13, item 9). Screenshots: var/screenshots/register-*.png, count-errors-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.models import StockCount
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.browser.test_pharmacy_in_browser import _sign_in_as_pharmacist
from tests.conftest import PASSWORD, Personas
from tests.pharmacy.pages import solution_in_dosing_room, vials_in_safe

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _signed_in_technician(open_page: Any) -> Any:
    page = open_page(TABLET)
    sign_in(page, "pharmacy_technician_zrh", PASSWORD)
    page.wait_for_url("**/pharmacy/")
    return page


def test_a_canadian_register_at_1024(open_page: Any, personas: Personas) -> None:
    Clinic.objects.filter(pk=personas.clinic.pk).update(jurisdiction_preset="ca-crism")
    formulary = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    solution = solution_in_dosing_room(personas, formulary)
    today = clinic_today(personas.clinic).isoformat()
    page = _signed_in_technician(open_page)

    page.goto(
        f"/pharmacy/reports/register/?product={solution.product_id}&since={today}&until={today}"
    )

    expect(page.get_by_test_id("register-title")).to_contain_text(
        "Narcotic and controlled drug record"
    )
    body = page.content()
    for term in ("Betäubungsmittelbuch", "Zugang", "Abgang", "Übertrag"):
        assert term not in body, term
    expect(page.get_by_test_id("register-authority")).to_contain_text("Health Canada")
    # Reconstituted into the safe, then moved: out of the safe and into the dosing room.
    assert page.get_by_test_id("register-line").count() == 3
    assert _fits(page)
    screenshot(page, "register-ca-1024")


def test_a_count_with_two_bad_lots_at_1024(open_page: Any, personas: Personas) -> None:
    formulary = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    vials_in_safe(personas, formulary, count=3, lot="V-7")
    vials_in_safe(personas, formulary, count=2, lot="V-8")
    page = open_page(TABLET)
    _sign_in_as_pharmacist(page, personas)  # counting is a pharmacist's, with a second factor

    page.goto(f"/pharmacy/counts/new/?location={formulary.safe.pk}")
    rows = {lot: page.get_by_test_id(f"count-row-{lot}") for lot in ("V-7", "V-8")}
    rows["V-7"].get_by_role("textbox").fill("-1")
    rows["V-8"].get_by_role("textbox").fill("1.5")
    page.get_by_role("button", name="Save the count").click()

    expect(rows["V-7"]).to_contain_text("enter 0 for an empty shelf")
    expect(rows["V-8"]).to_contain_text("whole")
    expect(rows["V-8"]).not_to_contain_text("empty shelf")
    assert not StockCount.objects.exists()
    assert _fits(page)
    screenshot(page, "count-errors-1024")
