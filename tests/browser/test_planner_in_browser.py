"""The pilot planner in a real browser at 1024x768, from the form to the PDF, with the keyboard.

A visitor of a public planner (no account, no role) fills in the form, meets the model's
refusals beside their fields, corrects them, reads the brief, saves it under a link, downloads
the two-page PDF and the JSON file, and loads the file again. The PDF's pages are rendered to
PNG so they can be looked at like the screenshots (var/screenshots/planner-*).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.pilot.models import Scenario
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot, sign_in
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.browser

# The model's 1,000 runs and the plots take a few seconds on a busy machine.
COMPUTED = 60_000


def render_pdf_pages(pdf: Path, name: str) -> list[Path]:
    import pypdfium2

    for stale in SCREENSHOTS.glob(f"{name}-page-*.png"):
        stale.unlink()
    document = pypdfium2.PdfDocument(str(pdf))
    paths = []
    for number in range(len(document)):
        path = SCREENSHOTS / f"{name}-page-{number + 1}.png"
        document[number].render(scale=1.5).to_pil().save(path)
        paths.append(path)
    document.close()
    return paths


def field(page: Any, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def test_a_visitor_goes_from_the_form_to_the_pdf_by_keyboard(open_page: Any, settings: Any) -> None:
    settings.OPENHAT_PLANNER_PUBLIC = True
    page = open_page()
    page.goto("/planner/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pilot planner")
    screenshot(page, "planner-form")

    # Typing only: a share above 1, a horizon of 0, and a currency without its price year.
    field(page, "Scenario title").fill("San Francisco, 150 places")
    field(page, "Places filled (share, 0 to 1)").fill("1.5")
    field(page, "Years to look ahead (years)").fill("0")
    field(page, "Year of the prices (year)").fill("")
    field(page, "Year of the prices (year)").press("Enter")  # submits the form's first button

    expect(page.locator("#form-problems")).to_contain_text("Nothing was computed")
    for name, code in (
        ("uptake", "probability_out_of_range"),
        ("horizon_years", "horizon_out_of_range"),
        ("price_year", "currency_without_price_year"),
    ):
        expect(page.locator(f'[data-field="{name}"] [data-code="{code}"]')).to_be_visible()
    expect(page.get_by_text("The main numbers")).to_have_count(0)
    screenshot(page, "planner-errors")
    # The refused form is answered with 400, which the browser reports; nothing else may be.
    assert all("400" in error for error in page.console_errors), page.console_errors
    page.console_errors.clear()

    field(page, "Places filled (share, 0 to 1)").fill("0.85")
    field(page, "Years to look ahead (years)").fill("10")
    field(page, "Year of the prices (year)").fill("2024")
    show = page.get_by_role("button", name="Show the brief")
    show.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "San Francisco, 150 places", timeout=COMPUTED
    )
    expect(page.get_by_role("heading", name="The main numbers")).to_be_visible()
    figures = page.locator("figure img")
    expect(figures).to_have_count(3)
    for index in range(3):
        assert figures.nth(index).evaluate("image => image.naturalWidth") > 0
    expect(page.locator("#transparency")).to_contain_text("No clinic has yet published")
    screenshot(page, "planner-brief")

    page.get_by_role("button", name="Save and get a link").click()
    page.wait_for_url("**/planner/s/**", timeout=COMPUTED)
    scenario = Scenario.objects.get()
    page.wait_for_url(f"**/planner/s/{scenario.share_key}/", timeout=COMPUTED)
    expect(page.locator("#share-link")).to_contain_text(scenario.share_key)
    screenshot(page, "planner-saved")

    with page.expect_download(timeout=COMPUTED) as pdf_download:
        page.get_by_role("link", name="Download the brief (PDF)").click()
    pdf = SCREENSHOTS / "planner-brief.pdf"
    pdf_download.value.save_as(pdf)
    pages = render_pdf_pages(pdf, "planner-brief")
    assert len(pages) == 2

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download as JSON").click()
    scenario_file = SCREENSHOTS / "planner-scenario.json"
    json_download.value.save_as(scenario_file)

    page.goto("/planner/load/")
    page.get_by_label("The file").set_input_files(str(scenario_file))
    page.get_by_role("button", name="Load").click()
    expect(page.get_by_role("status")).to_contain_text("Loaded “San Francisco, 150 places”")
    expect(field(page, "Treatment places (places)")).to_have_value("150")
    screenshot(page, "planner-loaded")
    assert page.console_errors == []


def test_by_default_the_planner_asks_a_visitor_to_sign_in_and_lets_any_role_in(
    open_page: Any, personas: Personas, settings: Any
) -> None:
    settings.OPENHAT_PLANNER_PUBLIC = False
    page = open_page()
    page.goto("/planner/")
    page.wait_for_url("**/accounts/login/**")

    sign_in(page, personas["researcher"].get_username(), PASSWORD)
    page.goto("/planner/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pilot planner")
    page.get_by_role("button", name="Save and get a link").click()
    page.wait_for_url("**/planner/s/**", timeout=COMPUTED)
    page.goto("/planner/")
    expect(page.get_by_role("heading", name="Your saved scenarios")).to_be_visible()
    screenshot(page, "planner-signed-in")
    assert page.console_errors == []


def test_an_advocate_quotes_a_clinics_published_report_on_the_brief(
    open_page: Any, personas: Personas, settings: Any
) -> None:
    """A clinic froze last month's public report (six DAM patients, two of eight screens with
    street heroin: hidden at threshold 5). A visitor quotes it on the brief, saves it, opens the
    link in a second tab, and downloads the two-page PDF with the clinic's figures."""
    from openhat.outcomes import public_services
    from tests.outcomes.public_world import build_history, build_station

    settings.OPENHAT_PLANNER_PUBLIC = True
    public_services.set_threshold(actor=personas["manager"], clinic=personas.clinic, threshold=5)
    history = build_history(personas, build_station(personas))
    period = history.month.key
    shown = public_services.preview(
        actor=personas["manager"], clinic=personas.clinic, period=period
    )
    report = public_services.freeze(
        actor=personas["manager"],
        clinic=personas.clinic,
        period=period,
        expected_sha256=shown.sha256,
    ).report

    page = open_page()
    page.goto("/planner/")
    chooser = page.get_by_label("Quote a clinic's published report")
    chooser.select_option(f"ZRH/{period}/v1")
    screenshot(page, "planner-quote-form")
    page.get_by_role("button", name="Show the brief").click()

    box = page.locator("#transparency")
    expect(box).to_contain_text(f"(ZRH), {period}", timeout=COMPUTED)
    row = box.locator("tr", has_text="People in treatment during the month")
    expect(row).to_contain_text("6")
    expect(box.locator("tr", has_text="Urine screens")).to_contain_text("not published")
    expect(page.locator(".brief-sources")).to_contain_text(report.content_sha256)
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "planner-quote-box.png"))

    page.get_by_role("button", name="Save and get a link").click()
    page.wait_for_url("**/planner/s/**", timeout=COMPUTED)
    link = page.url
    phone = open_page(PHONE)
    phone.goto(link)
    expect(phone.locator("#transparency")).to_contain_text(f"(ZRH), {period}", timeout=COMPUTED)
    # Wide tables scroll in their own boxes: the page itself is no wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#transparency").screenshot(path=str(SCREENSHOTS / "planner-quote-phone.png"))
    second_tab = open_page()
    second_tab.goto(link)
    expect(second_tab.locator("#transparency")).to_contain_text(
        f"(ZRH), {period}", timeout=COMPUTED
    )

    with second_tab.expect_download(timeout=COMPUTED) as pdf_download:
        second_tab.get_by_role("link", name="Download the brief (PDF)").click()
    pdf = SCREENSHOTS / "planner-quote-brief.pdf"
    pdf_download.value.save_as(pdf)
    assert len(render_pdf_pages(pdf, "planner-quote-brief")) == 2
    assert page.console_errors == [] and second_tab.console_errors == []
    assert phone.console_errors == []
