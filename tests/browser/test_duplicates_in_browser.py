"""A possible duplicate at registration, and the merge, in a real browser at 1024x768."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.patients.models import Patient, PatientMerge
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.conftest import PASSWORD, Personas, confirmed_totp
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    """The visible 1024x768 screen (var/screenshots/, outside the repository's tracked files)."""
    page.screenshot(path=str(SCREENSHOTS / f"duplicates-{name}.png"), full_page=False)


def fits(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_nurse_is_warned_then_a_physician_merges_the_records(
    open_page: Any, personas: Personas, patient: Patient
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The nurse registers the `patient` fixture's person again, spelled differently.
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.wait_for_url("**/dosing/")
    page.goto("/patients/new/")
    page.get_by_label("Legal name").fill("test  PERSON")
    page.get_by_label("Date of birth").fill("1975-05-17")
    page.get_by_role("button", name="Register patient").click()

    warning = page.get_by_test_id("possible-duplicate")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name=patient.client_code)).to_be_visible()
    expect(warning.get_by_text("Test Person, born 1975-05-17")).to_be_visible()
    button = page.get_by_role("button", name="Register as a different person")
    shot(page, "1-registration-warning")
    expect(button).to_be_in_viewport()
    assert fits(page)
    assert Patient.objects.count() == 1

    page.get_by_label("Why is this a different person").fill(
        "Registered again at the front desk; to be checked by the physician."
    )
    button.click()
    page.wait_for_url("**/patients/ZRH-0002/")
    shot(page, "2-second-record")

    # The physician merges the second record into the first.
    physician = personas["physician"]
    confirmed_totp(physician)
    doctor = open_page()
    sign_in(doctor, "physician_zrh", PASSWORD)
    doctor.wait_for_url("**/accounts/second-factor/**")
    doctor.get_by_label("Code from your authenticator app").fill(totp_code(physician))
    doctor.get_by_role("button", name="Confirm").click()
    doctor.wait_for_url("**/patients/")
    doctor.goto("/patients/ZRH-0002/")
    doctor.get_by_role("link", name="Merge into another record…").click()
    doctor.get_by_label("Client code of the record to keep").fill(patient.client_code)
    doctor.get_by_label("Why are these two records the same person?").fill(
        "Same person: same ID card, registered twice at intake."
    )
    doctor.get_by_role("button", name="Check and compare").click()

    expect(doctor.get_by_test_id("merge-confirmation")).to_be_visible()
    expect(doctor.get_by_text("This cannot be undone.")).to_be_visible()
    merge_button = doctor.get_by_role("button", name=f"Merge ZRH-0002 into {patient.client_code}")
    shot(doctor, "3-merge-confirmation")
    expect(merge_button).to_be_in_viewport()
    assert fits(doctor)
    assert not PatientMerge.objects.exists()

    doctor.get_by_label("Code from your authenticator app").fill(totp_code(physician))
    merge_button.click()
    doctor.wait_for_url(f"**/patients/{patient.client_code}/")
    expect(doctor.get_by_test_id("merged-records")).to_contain_text("ZRH-0002")
    shot(doctor, "4-survivor-chart")
    assert PatientMerge.objects.get().survivor_id == patient.pk

    doctor.goto("/patients/ZRH-0002/")
    expect(doctor.get_by_test_id("merged-into")).to_contain_text(patient.client_code)
    shot(doctor, "5-merged-record-chart")
