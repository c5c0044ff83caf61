"""A counsellor's day in a real browser at 1024x768: the nurse marks an interview due on the board
and tells the counsellors; the counsellor lands on the worklist, sees who is in observation now,
opens the interview, is told what is wrong with a bad answer, and records it.
Screenshots: var/screenshots/counsellor-day-*.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.core import clock
from openhat.dosing.windows import current_window
from openhat.interviews.models import CounsellorCall, Interview
from openhat.prescribing.services import sign_order
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dosing.board_history import dosed
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.interviews.helpers import answers, enrolled_since
from tests.prescribing.conftest import dam, totp_code

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _in_observation(personas: Any, station: Any) -> Any:
    """A patient who started treatment today (intake due), in observation after a dose."""
    now = clock.now()
    patient = enrolled_since(personas, 0)
    physician = personas["physician"]
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(starts_at=now - timedelta(days=3)),
        totp_code=totp_code(physician),
    )
    window = current_window(personas.clinic, now)
    dosed(personas, station, patient, now - timedelta(minutes=3), window=window, signed_off=False)
    return patient


def _fill(page: Any, values: dict[str, Any]) -> None:
    for code, value in values.items():
        selector = f"#id_a_{code}"
        if isinstance(value, bool):
            page.select_option(selector, "yes" if value else "no")
        elif code == "housing_status":
            page.select_option(selector, value)
        else:
            page.fill(selector, str(value))


def test_a_counsellors_day_from_the_board_to_a_recorded_interview(
    open_page: Any, personas: Any, station: Any
) -> None:
    patient = _in_observation(personas, station)
    code = patient.client_code
    waiting = enrolled_since(personas, 85)  # the 3-month interview is due; not here today

    nurse = open_page(TABLET)
    sign_in(nurse, "nurse_zrh", PASSWORD)
    nurse.goto("/dosing/")
    mark = nurse.get_by_test_id(f"interview-mark-{code}")
    expect(mark).to_be_visible()
    assert _fits(nurse)
    screenshot(nurse, "counsellor-day-1-board-mark")
    mark.click()
    expect(nurse.get_by_role("heading", name=f"Interview due: {code}")).to_be_visible()
    screenshot(nurse, "counsellor-day-2-nurse-call")
    nurse.get_by_test_id("call-counsellor").click()
    expect(nurse.get_by_text("Counsellors told")).to_be_visible()
    assert CounsellorCall.objects.filter(patient=patient).count() == 1

    page = open_page(TABLET)
    sign_in(page, "counsellor_zrh", PASSWORD)
    expect(page).to_have_url(f"{page.url.split('/interviews/')[0]}/interviews/")
    observing = page.get_by_test_id(f"observing-{code}")
    expect(observing).to_contain_text("on your list")
    expect(observing).to_contain_text("nurse called")
    first_row = page.locator("[data-testid=section-interviews] tbody tr").first
    expect(first_row).to_contain_text(code)  # in observation now: first on the list
    expect(first_row).to_contain_text("in observation")
    expect(page.get_by_test_id(f"item-{waiting.client_code}-interview_due")).to_contain_text(
        "3-month interview due"
    )
    assert _fits(page)
    screenshot(page, "counsellor-day-3-worklist")

    first_row.get_by_role("link", name="Open").click()
    expect(page.get_by_test_id("interview-form")).to_be_visible()
    _fill(page, answers(street_heroin_days=31))
    assert _fits(page)
    page.get_by_role("button", name="Record the interview").click()
    expect(page.locator(".answer.has-error")).to_contain_text("At most 30 days")
    assert not Interview.objects.filter(patient=patient).exists()
    page.locator(".answer.has-error").scroll_into_view_if_needed()
    screenshot(page, "counsellor-day-4-refused")

    page.fill("#id_a_street_heroin_days", "24")
    page.get_by_role("button", name="Record the interview").click()
    expect(page.get_by_text(f"Intake interview of {code} recorded.")).to_be_visible()
    expect(page.get_by_test_id("point-intake")).to_contain_text("done")
    expect(page.get_by_test_id("answers")).to_contain_text("street heroin days")
    assert Interview.objects.get(patient=patient).answers["street_heroin_days"] == 24
    assert _fits(page)
    screenshot(page, "counsellor-day-5-recorded")
    # The refused form answered 400 on purpose; anything else (a CSP violation) is a failure.
    unexpected = [e for e in page.console_errors if "status of 400" not in e]
    assert not unexpected and not nurse.console_errors, (unexpected, nurse.console_errors)
