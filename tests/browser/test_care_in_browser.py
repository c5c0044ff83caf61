"""A counsellor works a care plan and a referral in a real browser at 1024x768: from the chart to
the care plan, start it, add a goal in the patient's words, review it; plan a housing referral
that sends identity, see it refused for want of a release consent, then send it once the consent
is recorded; and a nurse reads the plan without write buttons. Screenshots: care-*."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.care.models import Referral
from openhat.core.clock import clinic_today
from tests.browser.conftest import screenshot, sign_in
from tests.care.conftest import make_partner, release_consent
from tests.conftest import PASSWORD, Personas, register_zrh_patient

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_counsellor_care_plan_and_referral(open_page: Any, personas: Personas) -> None:
    patient = register_zrh_patient(personas)
    make_partner(personas)
    today = clinic_today(personas.clinic)
    code = patient.client_code
    page = open_page()
    sign_in(page, "counsellor_zrh", PASSWORD)

    page.goto(f"/patients/{code}/")
    page.get_by_test_id("care-plan-link").click()
    expect(page.get_by_test_id("no-care-plan")).to_be_visible()
    screenshot(page, "care-1-empty")
    page.get_by_role("button", name="Start a care plan").click()
    expect(page.get_by_test_id("next-review")).to_contain_text(
        str(today.year if today.month < 10 else today.year + 1)
    )

    page.get_by_role("link", name="Add a goal").first.click()
    page.get_by_label("Domain").select_option("housing")
    page.get_by_label("Goal", exact=True).fill("A room of my own before winter")
    page.get_by_label("In the patient's own words").fill("I want a door I can lock.")
    page.get_by_label("Actions").fill("Apply for supported housing\nGet the income statement")
    page.get_by_label("Owner").select_option("shared")
    page.get_by_label("Target date").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("Status").select_option("in_progress")
    screenshot(page, "care-2-goal-form")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_test_id("goals")).to_contain_text("I want a door I can lock.")

    page.get_by_role("link", name="Review the plan").click()
    page.get_by_label("What was reviewed and agreed").fill("Application sent; viewing next week.")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("Application sent")
    assert _fits(page)
    screenshot(page, "care-3-plan-reviewed")

    page.get_by_role("link", name="Plan a referral").click()
    page.get_by_label("Kind of referral").select_option("housing")
    page.get_by_label("Reason").fill("Sleeping rough since the summer.")
    page.get_by_label("Identity (name, date of birth, health number)").check()
    page.get_by_label("Follow up on").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Plan referral").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Planned")

    page.get_by_label("New status").select_option("sent")
    page.get_by_label("Next follow-up").fill((today + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_test_id("move-referral")).to_contain_text(
        "no release-of-information consent for Housing First Zurich covers identity"
    )
    assert _fits(page)
    screenshot(page, "care-4-referral-refused")
    assert Referral.objects.get().status == "planned"

    release_consent(personas, patient, covers=["identity"])
    page.get_by_label("Next follow-up").fill((today + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Sent")
    expect(page.get_by_test_id("stages")).to_contain_text("Sent")
    screenshot(page, "care-5-referral-sent")
    # The refused send answered 400 on purpose; anything else (a script or CSP error) fails.
    assert [e for e in page.console_errors if "status of 400" not in e] == []

    nurse_page = open_page()
    sign_in(nurse_page, "nurse_zrh", PASSWORD)
    nurse_page.goto(f"/care/patients/{code}/")
    expect(nurse_page.get_by_test_id("goals")).to_contain_text("A room of my own")
    expect(nurse_page.get_by_role("link", name="Review the plan")).to_have_count(0)
    screenshot(nurse_page, "care-6-nurse-reads")
