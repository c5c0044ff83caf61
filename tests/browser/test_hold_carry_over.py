"""A breath-alcohol hold carries over, played as a nurse at a 1024x768 tablet (issue 12, item 1):
held at 0.80 mg/L and the session ended; checked in again a minute later with the reading left
blank, the decision is still HOLD; a reading of 0.00 taken an hour after the hold clears it.
Screenshots: var/screenshots/hold-carry-over-<step>.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openhat.core import clock
from openhat.dosing.models import SessionException
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dosing_session import _fits, _station
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.browser
SHOT = "hold-carry-over"


def _check_in(page: Any, patient: Any) -> None:
    page.goto(f"/dosing/sessions/check-in/{patient.pk}/")
    page.locator("input[name=identity_confirmed]").check()
    page.get_by_test_id("check-in").click()
    page.wait_for_selector("[data-testid=assess-form]")


def _assess(page: Any, alcohol: str) -> None:
    page.locator("input[name=sedation_score][value='1']").check(force=True)
    page.locator("input[name=breath_alcohol_mg_per_l]").fill(alcohol)
    page.get_by_test_id("assess-form").locator("button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=decide-form]")


def _decide(page: Any) -> Any:
    page.get_by_test_id("decide-form").locator("input[name=dose_mg]").fill("15")
    page.get_by_test_id("decide-form").locator("button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=verdict]")
    return page.get_by_test_id("verdict")


def test_a_blank_reading_after_an_alcohol_hold_is_refused_until_a_later_reading_clears_it(
    open_page: Any, personas: Personas, monkeypatch: Any
) -> None:
    real_now = clock.now
    today = timezone.localtime(timezone.now(), personas.clinic.zone).date()
    offset = [datetime.combine(today, time(12, 0), personas.clinic.zone) - real_now()]
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset[0])
    patient = _station(personas)
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    fits: dict[str, bool] = {}

    # Held at 0.80 mg/L; the nurse ends the session as held.
    _check_in(page, patient)
    _assess(page, "0.80")
    assert _decide(page).get_attribute("data-verdict") == "hold"
    expect(page.get_by_test_id("finding-breath_alcohol_hold")).to_be_visible()
    fits["1-held"] = _fits(page)
    screenshot(page, f"{SHOT}-1-held")
    page.get_by_test_id("to-held").click()
    page.get_by_test_id("exception-form").locator("textarea[name=notes]").fill("breath alcohol")
    page.get_by_test_id("confirm-exception").click()
    page.wait_for_load_state()
    assert SessionException.objects.filter(kind="held").count() == 1

    # A minute later, checked in again with the reading left blank: still HOLD.
    offset[0] += timedelta(minutes=1)
    _check_in(page, patient)
    _assess(page, "")
    verdict = _decide(page)
    assert verdict.get_attribute("data-verdict") == "hold"
    missing = page.get_by_test_id("finding-breath_alcohol_reading_missing")
    expect(missing).to_be_visible()
    assert "blank is not a pass" in missing.inner_text()
    fits["2-blank-refused"] = _fits(page)
    screenshot(page, f"{SHOT}-2-blank-refused")

    # An hour after the hold, a reading of 0.00 clears it.
    offset[0] += timedelta(minutes=61)
    page.goto(page.url.split("?")[0] + "?step=assess")
    page.wait_for_selector("[data-testid=assess-form]")
    _assess(page, "0.00")
    assert _decide(page).get_attribute("data-verdict") in ("dose", "dose_reduced")
    fits["3-cleared"] = _fits(page)
    screenshot(page, f"{SHOT}-3-cleared")
    assert all(fits.values()), fits
    assert not page.console_errors
