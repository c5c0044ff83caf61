"""A whole session at the dosing station on a 1024x768 tablet, by keyboard alone (no mouse click):
a nurse checks a patient in from the board and assesses a sedation score of 4, so the decision is
HOLD; a physician overrides at the station on the nurse's screen (username, password, code), so a
dose is allowed; the dose is drawn and given at a site; observation counts down; an overdose with
naloxone is recorded; the clock passes the longer observation after naloxone, the nurse signs off
with the physician (a serious event), and the board shows the patient done. Screenshots: var/screenshots/dosing-session-<step>.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openhat.core import clock
from openhat.dosing.models import Administration, AdverseEvent, SessionOverride, SessionState
from openhat.patients.services import upload_photo
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.services import reconstitute, transfer_stock
from openhat.prescribing.services import sign_order
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, Personas, confirmed_totp, register_zrh_patient
from tests.dosing.test_pages_helpers import small_png
from tests.pharmacy.conftest import receive
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.browser
SHOT = "dosing-session"
REASON = "Known patient, drowsy after a sleepless night, rousable and talking; reviewed in person."


def _fits(page: Any) -> bool:
    """Nothing sticks out sideways at 1024 px."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("(s) => document.activeElement.matches(s)", selector))


def _tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the focus is on `selector` (the keyboard's way through a form)."""
    for _ in range(limit):
        if _focused(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _shot(page: Any, step: str, fits: dict[str, bool]) -> None:
    fits[step] = _fits(page)
    screenshot(page, f"{SHOT}-{step}")


def _station(personas: Personas) -> Any:
    """An enrolled patient with a photo and a signed DAM order; DAM solution in the dosing room."""
    physician, pharmacist = personas["physician"], personas["pharmacist"]
    formulary = set_up_formulary(actor=pharmacist, clinic=personas.clinic)
    patient = enrol(register_zrh_patient(personas))
    upload_photo(actor=personas["nurse"], patient=patient, content=small_png())
    # In force from 06:00 today, so the patient is due in the midday window the test runs in.
    today = timezone.localtime(clock.now(), personas.clinic.zone).date()
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(
            phase="maintenance", starts_at=datetime.combine(today, time(6, 0), personas.clinic.zone)
        ),
        totp_code=totp_code(physician),
    )
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-T1")
    made = reconstitute(
        actor=pharmacist,
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=1,
    )
    transfer_stock(
        actor=pharmacist,
        clinic=personas.clinic,
        lot_id=made.entries[1].lot.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=50,
        unit="ml",
    )
    return patient


def test_a_held_session_overridden_given_observed_with_an_adverse_event_by_keyboard(
    open_page: Any, personas: Personas, monkeypatch: Any
) -> None:
    # The station's clock runs from today 12:00 in the clinic (the midday window), whatever the
    # hour the test runs at; the services and the board read this clock.
    real_now = clock.now
    today = timezone.localtime(timezone.now(), personas.clinic.zone).date()
    midday = datetime.combine(today, time(12, 0), personas.clinic.zone) - real_now()
    monkeypatch.setattr(clock, "now", lambda: real_now() + midday)
    patient = _station(personas)
    confirmed_totp(personas["physician"])
    page = open_page()
    fits: dict[str, bool] = {}

    # Sign in (the username field has the focus).
    page.goto("/accounts/login/")
    page.keyboard.type("nurse_zrh")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dosing/")  # a nurse starts at the board

    # The board: "/" to the search, the client code, Enter to the row, Enter to check in.
    page.goto("/dosing/")
    page.keyboard.press("/")
    page.keyboard.type(patient.client_code)
    page.keyboard.press("Enter")
    _shot(page, "1-board-due", fits)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dosing/sessions/check-in/{patient.pk}/")

    # Check-in: the photo, Space ticks the comparison, Enter checks in.
    expect(page.get_by_test_id("identity-photo")).to_be_visible()
    assert _focused(page, "input[name=identity_confirmed]")
    page.keyboard.press("Space")
    _shot(page, "2-check-in", fits)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dosing/sessions/*/")

    # Assessment: 4 on the number keys, Enter saves.
    expect(page.get_by_test_id("sedation")).to_be_visible()
    page.keyboard.press("4")
    assert page.locator("input[name=sedation_score][value='4']").is_checked()
    _shot(page, "3-assessment", fits)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=decide-form]")

    # Ask for the decision: the order's drug and route are chosen; the dose asked, Enter.
    assert _focused(page, "select[name=therapy]")
    page.keyboard.press("Tab")
    page.keyboard.type("200")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=verdict]")
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-verdict") == "hold"
    assert "HOLD" in verdict.inner_text().upper()
    expect(page.get_by_test_id("finding-sedation_hold")).to_be_visible()
    _shot(page, "4-decision-hold", fits)

    # Physician override at the station: Alt+O, the physician signs in on this screen.
    page.keyboard.press("Alt+o")
    page.wait_for_url("**/override/")
    assert _focused(page, "input[name=physician_username]")
    page.keyboard.type("physician_zrh")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp_code(personas["physician"]))
    _tab_to(page, "input[name=rule_ids][value=sedation_hold]")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=allowed_dose_mg]")
    page.keyboard.type("10")
    _tab_to(page, "textarea[name=reason]")
    page.keyboard.type(REASON)
    _shot(page, "5-override", fits)
    page.keyboard.press("Alt+s")
    page.wait_for_selector("[data-testid=verdict]")

    # The new decision allows a dose; the lifted hold says who lifted it and why.
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-verdict") in ("dose", "dose_reduced")
    lifted = page.get_by_test_id("lifted-sedation_hold").inner_text()
    assert "overridden by Dr physician_zrh" in lifted and REASON in lifted
    assert SessionOverride.objects.get().via == "station"
    _shot(page, "6-decision-after-override", fits)

    # Preparation: Enter on "Prepare the dose"; the lot is chosen, the dose filled in; Enter on
    # the lot's list draws it.
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=prepare-form]")
    assert "mL" in page.get_by_test_id("volume").inner_text()
    _shot(page, "7-preparation", fits)
    assert _focused(page, "select[name=stock]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=administer-form]")

    # Administration: the site by arrow keys, the dose drawn; Enter on the site list checks (it
    # records nothing until the confirmation), Enter confirms.
    assert _focused(page, "select[name=site]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    _shot(page, "8-administration", fits)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=administer-confirmation]")
    assert not Administration.objects.exists()
    assert _focused(page, "[data-testid=confirm-dose]")
    _shot(page, "9-administration-confirm", fits)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=countdown]")

    given = Administration.objects.get()
    assert given.site == "right_arm"
    assert "left" in page.get_by_test_id("countdown").inner_text()
    _shot(page, "10-observation", fits)

    # An overdose: Alt+A, the form by keyboard (naloxone with dose and route, oxygen).
    page.keyboard.press("Alt+a")
    page.wait_for_selector("[data-testid=adverse-event-form]")
    assert _focused(page, "input[name=kind][value=overdose]")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=severity]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # mild -> moderate -> severe
    _tab_to(page, "input[name=naloxone_given]")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("0.4")
    page.keyboard.press("Tab")
    page.keyboard.type("Intranasal")
    _tab_to(page, "input[name=oxygen_given]")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=outcome]")
    page.keyboard.press("Space")
    _tab_to(page, "textarea[name=description]")
    page.keyboard.type("Breathing 6/min, pinpoint pupils; roused after naloxone.")
    _shot(page, "11-adverse-event", fits)
    page.keyboard.press("Alt+s")
    page.wait_for_selector("[data-testid=session-adverse-events]")
    event = AdverseEvent.objects.get()
    assert (event.kind, event.severity, event.outcome) == ("overdose", "severe", "recovered")
    assert event.naloxone_given and str(event.naloxone_dose_mg) == "0.40"
    assert event.naloxone_route == "intranasal" and event.oxygen_given
    _shot(page, "12-observation-with-event", fits)

    # Signing off too early is refused on the screen.
    page.keyboard.press("1")
    page.keyboard.press("Alt+s")
    page.wait_for_selector(".errorlist, .alert.error")
    assert "Observation runs" in page.inner_text("main")

    # The clock passes the observation time after naloxone (the preset's 120 minutes from the
    # event): back on the board the row says so; open it, sign off with the physician.
    later = event.recorded_at + timedelta(minutes=121) - real_now()
    monkeypatch.setattr(clock, "now", lambda: real_now() + later)
    page.keyboard.press("Escape")
    page.wait_for_url("**/dosing/")
    page.keyboard.press("/")
    page.keyboard.type(patient.client_code)
    page.keyboard.press("Enter")
    row = page.locator(f"[data-row][data-code='{patient.client_code}']")
    assert row.get_attribute("data-group") == "observing"
    assert "sign off" in row.inner_text()
    _shot(page, "13-board-observation-over", fits)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=countdown].over")
    page.keyboard.press("1")
    _tab_to(page, "textarea[name=notes]")
    page.keyboard.type("Alert, breathing normally.")
    _tab_to(page, "input[name=physician_username]")
    page.keyboard.type("physician_zrh")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp_code(personas["physician"]))
    _shot(page, "14-sign-off", fits)
    page.keyboard.press("Alt+s")
    page.wait_for_selector("[data-testid=done-to-board]")
    given.session.refresh_from_db()
    assert given.session.state == SessionState.COMPLETED
    _shot(page, "15-done", fits)

    # Esc: the board shows the patient done.
    page.keyboard.press("Escape")
    page.wait_for_url("**/dosing/")
    row = page.locator(f"[data-row][data-code='{patient.client_code}']")
    assert row.get_attribute("data-group") == "done"
    _shot(page, "16-board-done", fits)

    # A refused form comes back as 400 (the early sign-off above); anything else, such as a
    # Content-Security-Policy violation, is a failure.
    unexpected = [text for text in page.console_errors if "status of 400" not in text]
    assert not unexpected, unexpected
    assert all(fits.values()), {step: fit for step, fit in fits.items() if not fit}
