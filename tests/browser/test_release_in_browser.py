"""A clinic manager releases a patient's records in a real browser at 1024x768: from the chart to the
release page, a release asking for a category the consent does not cover is refused with the
missing consent named and nothing recorded, then the covered categories are released and the
release opens with the notice against redisclosure, and the list shows it. Screenshots: release-*."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.core.clock import clinic_today
from openhat.enrolment.services import record_consent
from openhat.prescribing.services import sign_order
from openhat.release.models import InformationRelease
from openhat.release.notice import STATEMENT
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD, Personas, register_zrh_patient
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.browser

RECIPIENT = "Dr Ada Example, family practice"
PURPOSE = "Continuity of care"


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_refused_then_a_successful_release(open_page: Any, personas: Personas) -> None:
    physician = personas["physician"]
    patient = enrol(register_zrh_patient(personas))
    sign_order(actor=physician, patient=patient, order=dam(), totp_code=totp_code(physician))
    today = clinic_today(personas.clinic)
    record_consent(
        actor=physician,
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=90),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=["identity", "prescriptions"],
    )
    page = open_page()
    sign_in(page, "manager_zrh", PASSWORD)

    page.goto(f"/patients/{patient.client_code}/")
    page.get_by_test_id("release-link").click()
    expect(page.get_by_test_id("release-consents")).to_contain_text(RECIPIENT)
    expect(page.get_by_test_id("no-releases")).to_be_visible()
    page.get_by_label("Recipient").fill(RECIPIENT)
    page.get_by_label("Purpose").fill(PURPOSE)
    page.get_by_label("Prescriptions").check()
    page.get_by_label("Medical notes").check()
    page.get_by_role("button", name="Release").click()

    refusal = page.get_by_test_id("release-refused")
    expect(refusal).to_contain_text(
        "No consent for this recipient and purpose covers medical notes"
    )
    expect(refusal).to_contain_text("release_category_not_covered")
    assert InformationRelease.objects.count() == 0
    assert _fits(page)
    screenshot(page, "release-1-refused")

    page.get_by_label("Medical notes").uncheck()
    page.get_by_label("Identity (name, date of birth, health number)").check()
    page.get_by_role("button", name="Release").click()

    expect(page.get_by_test_id("redisclosure-notice")).to_contain_text(STATEMENT)
    release = InformationRelease.objects.get()
    expect(page.get_by_test_id("package-sha256")).to_have_text(release.package_sha256)
    expect(page.get_by_test_id("package-section").first).to_contain_text("Consent given")
    expect(page.locator("main")).to_contain_text("Diacetylmorphine")
    assert release.categories == ["identity", "prescriptions"]
    assert _fits(page)
    screenshot(page, "release-2-released")

    page.get_by_role("link", name=patient.client_code).first.click()
    expect(page.get_by_test_id("release-row")).to_have_count(1)
    expect(page.get_by_test_id("release-row")).to_contain_text("Identity")
    assert _fits(page)
    screenshot(page, "release-3-list")
    assert [e for e in page.console_errors if "status of 400" not in e] == []
