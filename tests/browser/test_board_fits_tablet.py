"""The board and the assessment on a 1024x768 tablet, measured in a real browser: with twelve
patients due, a nurse sees at least eight whole patient rows without scrolling, and "Save the
assessment" is on screen without scrolling. Screenshots: var/screenshots/board-fits-*.png."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.core import clock
from openhat.dosing.services.sessions import check_in
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dosing.board_history import patient_on_dam
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station

pytestmark = pytest.mark.browser


def _whole_rows_in_view(page: Any) -> int:
    """Rows whose whole box lies inside the viewport, as the page is first shown."""
    return int(
        page.evaluate(
            """() => [...document.querySelectorAll('[data-row]')]
                .filter(row => row.offsetParent !== null)
                .map(row => row.getBoundingClientRect())
                .filter(box => box.top >= 0 && box.bottom <= window.innerHeight).length"""
        )
    )


def test_a_nurse_sees_eight_rows_and_the_save_button_at_1024x768(
    open_page: Any, personas: Any, station: Any, monkeypatch: Any
) -> None:
    # The clinic's clock at 08:00 today (the morning window), whatever the hour the test runs.
    zone = personas.clinic.zone
    today = timezone.localtime(timezone.now(), zone).date()
    offset = datetime.combine(today, time(8, 0), zone) - clock.now()
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)
    since = datetime.combine(today - timedelta(days=2), time(6, 0), zone)
    patients = [patient_on_dam(personas, since=since) for _ in range(12)]
    session = check_in(
        actor=personas["nurse"], patient=patients[0], window="morning", identity_confirmed=True
    )
    page = open_page(TABLET)
    sign_in(page, "nurse_zrh", PASSWORD)

    page.goto("/dosing/")
    page.wait_for_selector("[data-row]")
    screenshot(page, "board-fits-board")
    rows = _whole_rows_in_view(page)

    # The session is checked in and assessed: the nurse assesses again (the same screen).
    page.goto(f"/dosing/sessions/{session.pk}/?step=assess")
    page.wait_for_selector("[data-testid=assess-form]")
    save = page.get_by_role("button", name="Save the assessment")
    box = save.bounding_box()
    screenshot(page, "board-fits-assessment")

    assert rows >= 8, f"only {rows} whole patient rows fit at 1024x768"
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= TABLET["height"], box
