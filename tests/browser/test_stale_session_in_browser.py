"""A session left open, ended from the board by keyboard on a 1024x768 tablet: the board lists it
under "Left open", Tab reaches its "End: not completed", the reason is typed and Alt+S confirms;
the board no longer lists it. Screenshots: var/screenshots/stale-session-*.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.core import clock
from openhat.dosing.models import SessionState
from openhat.dosing.services.sessions import check_in
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dosing.board_history import patient_on_dam
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station

pytestmark = pytest.mark.browser


def test_a_nurse_ends_a_session_left_open_from_the_board(
    open_page: Any, personas: Any, station: Any, monkeypatch: Any
) -> None:
    zone = personas.clinic.zone
    today = timezone.localtime(timezone.now(), zone).date()
    real_now = clock.now
    offset = datetime.combine(today, time(8, 0), zone) - real_now()
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)
    patient = patient_on_dam(personas, since=datetime.combine(today, time(6), zone))
    session = check_in(
        actor=personas["nurse"], patient=patient, window="morning", identity_confirmed=True
    )
    offset += timedelta(hours=4)  # midday: the morning window is over, the session still open
    page = open_page(TABLET)
    sign_in(page, "nurse_zrh", PASSWORD)

    page.goto("/dosing/")
    strip = page.get_by_test_id("stale-sessions")
    assert patient.client_code in strip.inner_text() and "window over" in strip.inner_text()
    screenshot(page, "stale-session-1-board")
    end = page.get_by_test_id(f"end-stale-{session.pk}")
    for _ in range(60):
        if page.evaluate(
            "(s) => document.activeElement.matches(s)", f"[data-testid=end-stale-{session.pk}]"
        ):
            break
        page.keyboard.press("Tab")
    assert end.evaluate("e => e === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=exception-form]")
    page.keyboard.type("The tablet crashed during the assessment; the patient went home.")
    screenshot(page, "stale-session-2-end")
    page.keyboard.press("Alt+s")
    page.wait_for_url(f"**/dosing/sessions/{session.pk}/")
    screenshot(page, "stale-session-3-ended")
    page.goto("/dosing/")

    session.refresh_from_db()
    assert session.state == SessionState.NO_DOSE and session.end_reason == "Not completed"
    assert page.get_by_test_id("stale-sessions").count() == 0
    assert not page.console_errors
