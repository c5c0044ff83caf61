"""The foundation pages in a real browser: sign-in, second factor, lockout, registration and
search, at a clinic tablet's 1024x768 and at phone size. Screenshots go to var/screenshots/."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_nurse_registers_a_patient_and_finds_them(open_page: Any, personas: Personas) -> None:
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.wait_for_url("**/dosing/")  # a nurse starts at the dosing board
    page.get_by_role("link", name="Patients").click()
    page.wait_for_url("**/patients/")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(page.get_by_text("DEVELOPMENT MODE")).to_be_visible()
    screenshot(page, "tablet-patients-empty")

    page.get_by_role("link", name="New patient").first.click()
    page.get_by_label("Legal name").fill("Test Person Browser")
    page.get_by_label("Date of birth").fill("1979-03-14")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Health number").fill("TEST-0001")
    screenshot(page, "tablet-new-patient")
    page.get_by_role("button", name="Register patient").click()
    page.wait_for_url("**/patients/ZRH-0001/")
    expect(page.get_by_text("Patient ZRH-0001 registered as referred.")).to_be_visible()
    expect(page.get_by_test_id("identity").get_by_text("Test Person Browser")).to_be_visible()
    screenshot(page, "tablet-chart")

    page.get_by_role("link", name="Patients").click()
    page.wait_for_url("**/patients/")
    page.keyboard.press("/")  # the search shortcut
    page.keyboard.type("1")
    assert page.get_by_label(re.compile("Client code")).input_value() == "1"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=1.*"))
    expect(
        page.get_by_test_id("patient-table").get_by_role("link", name="ZRH-0001")
    ).to_be_visible()
    screenshot(page, "tablet-patients-search")
    assert page.console_errors == []


def test_bad_input_is_shown_on_the_field(open_page: Any, personas: Personas) -> None:
    page = open_page()
    sign_in(page, "nurse_zrh", PASSWORD)
    page.goto("/patients/new/")
    page.get_by_label("Legal name").fill("Test Person Future")
    next_year = date.today() + timedelta(days=366)  # in the future, yet inside the date bounds
    page.get_by_label("Date of birth").fill(next_year.isoformat())
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_text("The date of birth cannot be in the future.")).to_be_visible()
    screenshot(page, "tablet-new-patient-error")


def test_physician_sets_up_the_second_factor(open_page: Any, personas: Personas) -> None:
    page = open_page()
    sign_in(page, "physician_zrh", PASSWORD)
    page.wait_for_url("**/accounts/second-factor/**")
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "tablet-second-factor-setup")

    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    device = TOTPDevice.objects.get(user=personas["physician"])
    assert base64.b32decode(secret) == device.bin_key
    code = str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(6)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/patients/")
    expect(page.get_by_text("Sign-in confirmed.")).to_be_visible()
    expect(page.get_by_text("Physician").first).to_be_visible()
    assert page.console_errors == []


def test_repeated_failures_lock_the_account(open_page: Any, personas: Personas) -> None:
    page = open_page()
    for _ in range(5):
        sign_in(page, "counsellor_zrh", "not the password")
    sign_in(page, "counsellor_zrh", PASSWORD)
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    expect(page.get_by_text("locked for 15 minutes")).to_be_visible()
    screenshot(page, "tablet-locked-out")


def test_phone_layout(open_page: Any, personas: Personas) -> None:
    for number in range(3):
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(
                f"Test Person {number}", date(1970 + number, 1, 2), "unknown", ""
            ),
        )
    page = open_page(PHONE)
    sign_in(page, "nurse_zrh", PASSWORD)
    page.wait_for_url("**/dosing/")
    page.goto("/patients/")
    screenshot(page, "phone-patients")
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="ZRH-0002").click()
    page.wait_for_url("**/patients/ZRH-0002/")
    screenshot(page, "phone-chart")
    assert no_horizontal_scroll(page)
    page.goto("/patients/new/")
    screenshot(page, "phone-new-patient")
    assert no_horizontal_scroll(page)
    # Touch targets: every button and the main links are at least 44 px tall.
    heights = page.eval_on_selector_all(
        "button, .button, .main-nav a", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    assert page.console_errors == []


def test_login_page_on_a_phone(open_page: Any, personas: Personas) -> None:
    page = open_page(PHONE)
    page.goto("/accounts/login/")
    screenshot(page, "phone-login")
    assert no_horizontal_scroll(page)


def test_manager_exits_a_patient_after_confirming_and_sees_the_audit(
    open_page: Any, personas: Personas
) -> None:
    register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput("Test Person Exit", date(1966, 6, 6), "male", ""),
    )
    page = open_page()
    sign_in(page, "manager_zrh", PASSWORD)
    page.goto("/patients/ZRH-0001/status/")
    page.get_by_label("New status").select_option("exited")
    page.get_by_label("Exit reason").select_option("oral_oat")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("exit-confirmation")).to_be_visible()
    screenshot(page, "tablet-exit-confirmation")
    page.get_by_role("button", name="Yes, record the exit").click()
    page.wait_for_url("**/patients/ZRH-0001/")
    assert page.get_by_test_id("patient-status").inner_text() == "Exited"
    page.get_by_role("link", name="Audit").click()
    expect(
        page.get_by_test_id("audit-table").get_by_text("patient status changed").first
    ).to_be_visible()
    screenshot(page, "tablet-audit")
    page.get_by_role("link", name="Access log").click()
    screenshot(page, "tablet-access-log")
    assert page.console_errors == []
