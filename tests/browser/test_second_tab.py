"""The same session open in two tabs of one nurse's browser (issue 12: the worst defects were on
paths like this). Both tabs reach "Confirm the dose"; the first confirms; the second's confirm
must not record a second dose, must say why in words, and must lead back to the session as it
now stands. Then the second tab, still showing the observation, signs it off after the
observation was signed off elsewhere. Screenshots: var/screenshots/second-tab-*.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from openhat.core import clock
from openhat.dosing.models import Administration, DosingSession, SessionState
from openhat.dosing.services.sign_off import sign_off
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.dosing.factories import decided, drawn

pytestmark = pytest.mark.browser


def _to_confirmation(page: Any, session: DosingSession) -> None:
    page.goto(f"/dosing/sessions/{session.pk}/")
    page.wait_for_selector("[data-testid=administer-form]")
    page.locator("select[name=site]").select_option("left_arm")
    page.get_by_role("button", name="Check and confirm").click()
    page.wait_for_selector("[data-testid=administer-confirmation]")


def test_a_dose_confirmed_in_one_tab_is_not_recorded_again_from_the_other(
    open_page: Any, personas: Any, station: Any
) -> None:
    session, decision = decided(personas, station.patient, dose_mg="15")
    drawn(personas, station, session, decision, "15")
    first = open_page(TABLET)
    sign_in(first, "nurse_zrh", PASSWORD)
    second = first.context.new_page()
    second.console_errors = []

    _to_confirmation(first, session)
    _to_confirmation(second, session)
    first.get_by_test_id("confirm-dose").click()
    first.wait_for_selector("[data-testid=countdown]")
    second.get_by_test_id("confirm-dose").click()
    second.wait_for_load_state()
    screenshot(second, "second-tab-1-confirm-again")

    assert Administration.objects.filter(session=session).count() == 1
    body = second.locator("body").inner_text()
    assert "Server Error" not in body and "500" not in second.title()
    # The second tab is told the dose is already recorded and shows the session as it stands.
    assert "A dose was already recorded for this session" in body
    assert second.get_by_test_id("countdown").count() == 1

    given = Administration.objects.get(session=session)
    with clock.backdated(given.observe_until + timedelta(seconds=1)):
        sign_off(actor=personas["nurse"], session_id=session.pk, sedation_score=1)
    # The second tab still shows the observation's form: its sign-off comes second.
    second.get_by_text("1 · Awake and alert").click()
    second.get_by_role("button", name="Confirm: sign off observation").click()
    second.wait_for_load_state()
    screenshot(second, "second-tab-2-sign-off-again")
    assert DosingSession.objects.get(pk=session.pk).state == SessionState.COMPLETED
    body = second.locator("body").inner_text()
    assert "Server Error" not in body and "Session done" in body
    assert "observation already ended" in body and "signed off" in body
    assert second.get_by_test_id("confirm-dose").count() == 0
    assert second.get_by_test_id("administer-form").count() == 0
    assert first.console_errors == [] and second.console_errors == []
