"""A manager keeps the community log, sets the public threshold, previews last month and freezes
it; a visitor who is not signed in opens the public report and a month not published. 1024x768;
screenshots public-*."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.outcomes import public_services
from openhat.outcomes.models import PublicReport
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot, sign_in
from tests.browser.test_planner_in_browser import render_pdf_pages
from tests.conftest import PASSWORD, Personas
from tests.outcomes.public_world import build_history, build_station

pytestmark = pytest.mark.browser


def _unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the refusals the test provokes (400, and the 404 it opens)."""
    return [e for e in errors if "status of 400" not in e and "status of 404" not in e]


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_manager_freezes_a_month_and_a_visitor_reads_it(open_page: Any, personas: Personas) -> None:
    history = build_history(personas, build_station(personas))
    month = history.month.key
    page = open_page()
    sign_in(page, "manager_zrh", PASSWORD)

    page.goto("/community/")
    page.get_by_role("link", name="Add entry").click()
    page.get_by_label("Day").fill(history.month.first.replace(day=20).isoformat())
    page.get_by_label("Category").select_option("meeting")
    page.get_by_label("What happened").fill(
        f"Met the residents' group; one asked about {history.patients[0].client_code}."
    )
    page.get_by_label("What was done").fill("Explained the opening hours.")
    page.get_by_role("button", name="Review entry").click()
    expect(page.locator(".errorlist")).to_contain_text("Remove the client code")
    screenshot(page, "public-1-log-refuses-a-client-code")
    page.get_by_label("What happened").fill("Met the residents' group at the community centre.")
    page.get_by_role("button", name="Review entry").click()
    expect(page.get_by_test_id("confirm-entry")).to_be_visible()
    screenshot(page, "public-2-log-confirm")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_test_id("community-entry").first).to_contain_text("community centre")
    assert _fits(page)
    screenshot(page, "public-3-log")

    page.get_by_role("link", name="Public report").click()
    page.get_by_role("link", name="Threshold: 10").click()
    page.get_by_label("Small-cell threshold").fill("4")
    page.get_by_role("button", name="Save threshold").click()
    expect(page.locator(".errorlist")).to_contain_text("at least 5")
    screenshot(page, "public-4-threshold-refused")
    page.get_by_label("Small-cell threshold").fill("5")
    page.get_by_role("button", name="Save threshold").click()
    expect(page.get_by_test_id("no-frozen-reports")).to_be_visible()

    page.get_by_label("Month (YYYY-MM)").fill(month)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Doses given")
    assert _fits(page)
    screenshot(page, "public-5-preview")
    page.get_by_role("button", name="Freeze and publish").click()
    expect(page.locator(".errorlist").first).to_contain_text("Tick the box")
    page.get_by_label("I have checked these figures").check()
    page.get_by_role("button", name="Freeze and publish").click()
    expect(page.get_by_test_id("report-seal")).to_contain_text("Version 1")
    report = PublicReport.objects.get()
    assert _unexpected(page.console_errors) == []  # a CSP refusal would show here

    visitor = open_page()
    visitor.goto(f"/public/clinics/ZRH/reports/{month}/")
    expect(visitor.get_by_test_id("report-hash")).to_have_text(report.content_sha256)
    expect(visitor.get_by_test_id("table-community")).to_contain_text("Meetings")
    assert "manager_zrh" not in visitor.content()
    assert _fits(visitor)
    screenshot(visitor, "public-6-report")
    # The public reads it on a phone too: wide tables scroll in their own boxes.
    on_phone = open_page(PHONE)
    on_phone.goto(f"/public/clinics/ZRH/reports/{month}/")
    expect(on_phone.get_by_test_id("report-hash")).to_have_text(report.content_sha256)
    assert _fits(on_phone)
    screenshot(on_phone, "public-6-report-phone")
    pdf = visitor.request.get(f"/public/clinics/ZRH/reports/{month}/report.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    (SCREENSHOTS / "public-8-report.pdf").write_bytes(pdf.body())
    assert len(render_pdf_pages(SCREENSHOTS / "public-8-report.pdf", "public-8-pdf")) >= 2
    visitor.goto(f"/public/clinics/ZRH/reports/{history.month.shifted(-3).key}/")
    expect(visitor.get_by_test_id("error-code")).to_have_text("report_not_frozen")
    screenshot(visitor, "public-7-not-frozen")
    assert _unexpected(visitor.console_errors) == []
    assert public_services.threshold_of(personas.clinic) == 5
