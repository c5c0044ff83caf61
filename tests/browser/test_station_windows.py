"""Two things a nurse at a 1024x768 tablet must not be able to do alone (issue 12, items 2 and 3):
check a patient in after the evening window has closed, and end the observation of a patient
who needed naloxone before the longer watch is over or without a physician. The clock is the
station's (monkeypatched `clock.now`), whatever the hour the test runs at. Screenshots:
var/screenshots/station-windows-<step>.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openhat.core import clock
from openhat.dosing.models import DosingSession, ObservationSignOff
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.pharmacy.models import LocationKind, StockBalance
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dosing_session import _station
from tests.conftest import PASSWORD, Personas, confirmed_totp
from tests.dosing.factories import decided
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.browser
SHOT = "station-windows"


def _clock_at(monkeypatch: Any, personas: Personas, hour: int, minute: int) -> Any:
    """The station's clock runs from today hour:minute at the clinic; returns a setter."""
    real_now = clock.now
    today = timezone.localtime(timezone.now(), personas.clinic.zone).date()

    def set_to(moment: datetime) -> None:
        offset = moment - real_now()
        monkeypatch.setattr(clock, "now", lambda: real_now() + offset)

    set_to(datetime.combine(today, time(hour, minute), personas.clinic.zone))
    return set_to


def test_a_check_in_after_the_evening_window_is_refused(
    open_page: Any, personas: Personas, usual_windows: Any, monkeypatch: Any
) -> None:
    _clock_at(monkeypatch, personas, 22, 59)
    patient = _station(personas)
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.goto(f"/dosing/sessions/check-in/{patient.pk}/")

    expect(page.get_by_test_id("window-line")).to_contain_text("No dosing window is open now")
    refusal = page.get_by_test_id("window-refusal")
    expect(refusal).to_contain_text("22:59")
    expect(refusal).to_contain_text("16:00-20:00")
    page.keyboard.press("Space")  # the identity tick has the focus
    page.keyboard.press("Enter")
    page.wait_for_selector(".errorlist, .alert.error")
    assert "no dosing window is open" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"{SHOT}-1-check-in-refused")
    assert not DosingSession.objects.exists()
    expect(page.get_by_test_id("out-of-window-link")).to_be_visible()


def test_after_naloxone_the_watch_is_longer_and_the_nurse_cannot_sign_off_alone(
    open_page: Any, personas: Personas, monkeypatch: Any
) -> None:
    set_to = _clock_at(monkeypatch, personas, 12, 0)
    patient = _station(personas)
    confirmed_totp(personas["physician"])
    session, decision = decided(personas, patient, dose_mg="15")
    held = StockBalance.objects.get(
        clinic=personas.clinic, location__kind=LocationKind.DOSING_ROOM, balance_mg__gt=0
    )
    given = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="15",
        site="left_arm",
        lot_id=held.lot_id,
        location_id=held.location_id,
    )
    set_to(given.administered_at + timedelta(minutes=5))
    event = record_adverse_event(
        actor=personas["nurse"],
        patient=patient,
        session_id=session.pk,
        kind="overdose",
        severity="severe",
        outcome="recovered",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
    )
    until = event.recorded_at + timedelta(minutes=120)
    zone = personas.clinic.zone

    # 30 minutes after the dose: the 20 minutes are over, the watch after naloxone is not.
    set_to(given.administered_at + timedelta(minutes=30))
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.goto(f"/dosing/sessions/{session.pk}/")
    countdown = page.get_by_test_id("countdown")
    expect(countdown).to_contain_text(f"{until.astimezone(zone):%H:%M}")
    expect(page.get_by_test_id("naloxone-watch")).to_contain_text("at least 120 min")
    screenshot(page, f"{SHOT}-2-observation-after-naloxone")
    page.keyboard.press("1")
    page.keyboard.press("Alt+s")
    page.wait_for_selector(".errorlist, .alert.error")
    assert "Observation runs" in page.inner_text("main")

    # The watch is over; the nurse alone is refused: a physician signs off.
    set_to(until + timedelta(minutes=1))
    page.goto(f"/dosing/sessions/{session.pk}/")
    expect(page.get_by_test_id("physician-sign-off")).to_be_visible()
    page.keyboard.press("1")
    page.keyboard.press("Alt+s")
    page.wait_for_selector(".errorlist, .alert.error")
    assert "a physician signs off" in page.inner_text("main")
    screenshot(page, f"{SHOT}-3-nurse-alone-refused")
    assert not ObservationSignOff.objects.exists()

    page.keyboard.press("1")
    page.get_by_label("Physician's username").fill("physician_zrh")
    page.get_by_label("Physician's password").fill(PASSWORD)
    page.get_by_label("Physician's authenticator code").fill(totp_code(personas["physician"]))
    screenshot(page, f"{SHOT}-4-physician-signs-off")
    page.keyboard.press("Alt+s")
    page.wait_for_selector("[data-testid=done-to-board]")
    assert ObservationSignOff.objects.get().physician == personas["physician"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
