"""The outcomes report in a real browser at a clinic tablet's 1024x768: the manager opens it from
the start page, asks for a period, makes a mistake in it, and picks a cohort with nobody in it;
the researcher sees the same report aggregated. Screenshots go to var/screenshots/ (outcomes-*)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openhat.core.clock import clinic_today
from tests.browser.conftest import screenshot
from tests.browser.test_staff_in_browser import signed_in
from tests.conftest import Personas
from tests.interviews.helpers import enrolled_since, exit_patient
from tests.outcomes.test_report import CLEAN, DAYS_AGO, STREET, _interview
from tests.screens.helpers import screen

pytestmark = pytest.mark.browser


def _clinic_with_history(personas: Personas) -> None:
    today = clinic_today(personas.clinic)
    for index in range(4):
        patient = enrolled_since(personas, DAYS_AGO)
        _interview(personas, patient, "intake", 2, street_heroin_days=24 + index)
        _interview(personas, patient, "month_3", 92, street_heroin_days=12 - index)
        _interview(personas, patient, "month_6", 183, street_heroin_days=6 - index)
        screen(
            personas,
            patient,
            sampled_at=timezone.now() - timedelta(days=40 + index),
            results=STREET if index < 3 else CLEAN,
        )
        screen(
            personas,
            patient,
            sampled_at=timezone.now() - timedelta(days=5 + index),
            results=STREET if index < 1 else CLEAN,
        )
        if index == 0:
            exit_patient(personas, patient, today - timedelta(days=60), reason="oral_oat")
        if index == 1:
            exit_patient(personas, patient, today - timedelta(days=100), reason="dropout")


def test_manager_reads_the_outcomes_report_and_its_mistakes(
    open_page: Any, personas: Personas
) -> None:
    _clinic_with_history(personas)
    page = signed_in(open_page, personas, "manager")
    page.wait_for_url("**/staff/")
    page.get_by_test_id("outcomes-link").click()
    page.wait_for_url("**/research/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes of ZRH")
    expect(page.get_by_test_id("caveat")).to_contain_text("Not a randomised comparison")
    expect(page.get_by_test_id("table-retention")).to_be_visible()
    expect(page.get_by_test_id("table-urine_screens")).to_contain_text("Whole period")
    screenshot(page, "outcomes-report")

    page.get_by_label("First day").fill("2026-06-01")
    page.get_by_label("Last day").fill("2026-05-01")
    page.get_by_role("button", name="Show").click()
    error = page.get_by_test_id("period-error")
    expect(error).to_contain_text("The last day is before the first day.")
    expect(error).to_have_attribute("data-code", "period_last_before_first")
    expect(page.get_by_label("Last day")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "outcomes-bad-period")

    today = clinic_today(personas.clinic)
    page.get_by_label("First day").fill((today - timedelta(days=365)).isoformat())
    page.get_by_label("Last day").fill(today.isoformat())
    page.get_by_label("Drug").select_option("hdm")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("empty-report")).to_contain_text("Nothing to show")
    screenshot(page, "outcomes-empty-cohort")
    # The bad period is answered with HTTP 400, which the browser logs; nothing else may be.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_researcher_sees_the_report_aggregated(open_page: Any, personas: Personas) -> None:
    _clinic_with_history(personas)
    page = signed_in(open_page, personas, "researcher")
    page.get_by_test_id("outcomes-link").click()
    page.wait_for_url("**/research/outcomes/")
    expect(page.get_by_test_id("aggregated-note")).to_be_visible()
    expect(page.get_by_test_id("table-retention")).to_contain_text("<11")
    screenshot(page, "outcomes-researcher")
    assert page.console_errors == []
