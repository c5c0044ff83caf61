"""A nurse's dosing board in a real browser on a 1024x768 tablet: "/" searches, number keys show
one group, j/k and Enter open a patient, the observation countdown ticks down to "sign off", the
board refreshes itself without losing the nurse's place, and the tabs open the day sheet.
Screenshots: var/screenshots/dosing-board-1024.png and dosing-daysheet.png (and a few steps)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openhat.dosing.services.sessions import check_in
from openhat.dosing.windows import current_window, window_bounds
from openhat.patients.services import upload_photo
from tests.browser.conftest import TABLET, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.dosing.board_history import (
    checked_in,
    dosed,
    held,
    partial_dose,
    patient_on_dam,
    small_png,
)
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station

pytestmark = pytest.mark.browser


def _visible_codes(page: Any) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "[data-row]",
            "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.code)",
        )
    )


def minutes_ago_within_window(now: datetime, opened: datetime) -> Callable[[float], datetime]:
    """`minutes` before `now`, the scene's minutes squeezed so that all of it stays in the window
    open now (and so on today's board) when the test runs less than an hour after it opened."""
    room = (now - opened - timedelta(seconds=30)) / timedelta(minutes=50)
    scale = min(1.0, max(room, 0.0))
    return lambda minutes: now - timedelta(minutes=minutes) * scale


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_nurse_works_the_board_by_keyboard(open_page: Any, personas: Any, station: Any) -> None:
    clinic = personas.clinic
    now = timezone.now()
    window = str(current_window(clinic, now))
    opened, closes = window_bounds(clinic, timezone.localdate(now, clinic.zone), window)
    window_over = now >= closes
    since = now - timedelta(days=3)
    due, waiting, watched, stopped, done = (patient_on_dam(personas, since=since) for _ in range(5))
    for patient in (due, watched, done):
        upload_photo(actor=personas["nurse"], patient=patient, content=small_png())
    ago = minutes_ago_within_window(now, opened)
    checked_in(personas, waiting, ago(4), window)
    live = dosed(personas, station, watched, ago(3), window=window, signed_off=False)
    held(personas, stopped, ago(30), window)
    partial_dose(personas, station, done, ago(50), window=window)  # for the day sheet

    page = open_page(TABLET)
    page.clock.install()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.goto(f"/dosing/?window={window}")
    board = page.get_by_test_id("board-chips")
    assert board.is_visible()
    expect(page.get_by_test_id("group-checked_in").get_by_text(waiting.client_code)).to_be_visible()
    expect(page.get_by_test_id("group-held").get_by_text(stopped.client_code)).to_be_visible()
    due_group = "not_come" if window_over else "due"
    expect(page.get_by_test_id(f"group-{due_group}").get_by_text(due.client_code)).to_be_visible()
    photos = page.locator("[data-row] img")
    assert photos.count() == 3
    assert page.evaluate(
        "[...document.querySelectorAll('[data-row] img')].every(i => i.complete && i.naturalWidth > 0)"
    )

    # The observation countdown ticks every second.
    countdown = page.get_by_test_id("countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"\d+:\d\d left", first), first
    page.wait_for_timeout(2100)
    assert countdown.inner_text() != first
    assert _fits(page)
    screenshot(page, "dosing-board-1024")

    # "/" searches by client code; Escape clears it.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "board-q"
    page.keyboard.type(stopped.client_code[-3:])
    assert _visible_codes(page) == {stopped.client_code}
    screenshot(page, "dosing-board-1024-search")
    page.keyboard.press("Escape")
    assert len(_visible_codes(page)) == page.locator("[data-row]").count() >= 5

    # Number keys show one group; 0 shows all again.
    page.keyboard.press("5")
    assert _visible_codes(page) == {stopped.client_code}
    assert "active" in (page.locator('[data-chip="held"]').get_attribute("class") or "")
    assert "group=held" in page.url
    page.keyboard.press("3")
    assert _visible_codes(page) == {watched.client_code}
    screenshot(page, "dosing-board-1024-observing")
    page.keyboard.press("0")
    assert len(_visible_codes(page)) == page.locator("[data-row]").count() >= 5

    # j/k move between patients, keeping their place across the self-refresh; the refresh shows
    # a check-in made at another station without a reload.
    page.keyboard.press("2")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.dataset.key")
    assert focused == f"row-{waiting.pk}"
    if not window_over:
        check_in(actor=personas["nurse"], patient=due, window=window, identity_confirmed=True)
    page.clock.run_for(16_000)
    expected = 1 if window_over else 2
    page.wait_for_function(
        "n => document.querySelectorAll('[data-row][data-group=checked_in]').length === n",
        arg=expected,
    )
    assert page.evaluate("document.activeElement.dataset.key") == focused
    assert page.locator("[data-board-status]").inner_text().startswith("updated")
    shown = {waiting.client_code} | (set() if window_over else {due.client_code})
    assert _visible_codes(page) == shown

    # Enter opens the focused patient's session.
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dosing/sessions/\d+/"))
    page.goto(f"/dosing/?window={window}")

    # Offline and the observation over: the board says both.
    assert page.console_errors == []
    page.route("**/dosing/rows/**", lambda route: route.abort())
    remaining = (live.observe_until - timezone.now()).total_seconds()
    page.clock.run_for(int((remaining + 20) * 1000))
    row_timer = page.get_by_test_id("countdown")
    assert row_timer.inner_text() == "observation over — sign off"
    assert "↵ Sign off" in page.locator(f'[data-patient="{watched.pk}"] .row-hint').inner_text()
    assert "not updated since" in page.locator("[data-board-status]").inner_text()
    page.unroute("**/dosing/rows/**")

    # The day sheet tab (Alt+H in a real browser; headless chromium ignores synthetic accesskeys).
    tab = page.get_by_test_id("dosing-tabs").get_by_role("link", name=re.compile("Day sheet"))
    assert tab.get_attribute("accesskey") == "h"
    tab.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dosing/day-sheet/"))
    sheet = page.get_by_test_id("day-sheet")
    assert sheet.is_visible()
    for patient in (waiting, watched, stopped, done):
        assert sheet.get_by_text(patient.client_code).count() >= 1
    assert _fits(page)
    screenshot(page, "dosing-daysheet")
    # The chart's dosing section: the last days by window.
    page.goto(f"/patients/{stopped.client_code}/")
    grid = page.get_by_test_id("chart-attendance")
    assert grid.is_visible() and grid.get_by_text("dose held").count() == 1
    screenshot(page, "dosing-chart")
    # The only console errors are the refreshes refused while offline (no CSP violation).
    assert page.console_errors and all("ERR_FAILED" in e for e in page.console_errors)
