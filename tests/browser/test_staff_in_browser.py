"""Staff administration and every role's start page in a real browser at a clinic tablet's
1024x768. Screenshots go to var/screenshots/ (staff-*, start-*)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.clinics.models import StaffMembership
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD, Personas, confirmed_totp
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long enough passphrase 31"
HEADINGS = {
    "physician": "Patients",
    "nurse": "Dosing",
    "pharmacist": "Pharmacy",
    "pharmacy_technician": "Pharmacy",
    "counsellor": "Today's worklist",
    "manager": "Staff of ZRH",
    "auditor": "Audit",
    "researcher": "Figures for ZRH",
}


def signed_in(open_page: Any, personas: Personas, role: str) -> Any:
    page = open_page()
    user = personas[role]
    if role in ("physician", "pharmacist"):
        confirmed_totp(user)
    sign_in(page, user.get_username(), PASSWORD)
    if role in ("physician", "pharmacist"):
        page.wait_for_url("**/accounts/second-factor/**")
        page.get_by_label("Code from your authenticator app").fill(totp_code(user))
        page.get_by_role("button", name="Confirm").click()
    return page


@pytest.mark.parametrize("role", sorted(HEADINGS))
def test_each_role_lands_on_its_start_page(open_page: Any, personas: Personas, role: str) -> None:
    page = signed_in(open_page, personas, role)

    expect(page.get_by_role("heading", level=1).first).to_contain_text(HEADINGS[role])
    screenshot(page, f"start-{role}")
    assert page.console_errors == []


def test_manager_invites_a_colleague_who_sets_their_password(
    open_page: Any, personas: Personas
) -> None:
    page = signed_in(open_page, personas, "manager")
    page.wait_for_url("**/staff/")
    expect(page.get_by_test_id("no-alerts")).to_be_visible()
    screenshot(page, "staff-overview")

    page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_role("button", name="Make the invitation link").click()  # blank username
    expect(page.get_by_text("This field is required.")).to_be_visible()
    screenshot(page, "staff-invite-blank")
    page.get_by_label("Username").fill("nurse_zrh")
    page.get_by_role("button", name="Make the invitation link").click()
    expect(page.get_by_text("already on this clinic's staff")).to_be_visible()
    page.get_by_label("Username").fill("new.nurse")
    page.get_by_label("Role in this clinic").select_option("nurse")
    page.get_by_role("button", name="Make the invitation link").click()
    link = page.get_by_test_id("invitation-link")
    expect(link).to_be_visible()
    screenshot(page, "staff-invited")
    url = link.inner_text().strip()
    page.get_by_role("link", name="Back to the staff list").click()
    expect(page.get_by_test_id("invitations").get_by_text("new.nurse")).to_be_visible()

    newcomer = open_page()
    newcomer.goto(url)
    expect(newcomer.get_by_role("heading", name="Join ZRH · Zurich test clinic")).to_be_visible()
    newcomer.get_by_label("Choose a password").fill("short")
    newcomer.get_by_label("The same password again").fill("short")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_text("too short")).to_be_visible()
    screenshot(newcomer, "staff-join-weak-password")
    newcomer.get_by_label("Choose a password").fill(NEW_PASSWORD)
    newcomer.get_by_label("The same password again").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Create my account").click()
    newcomer.wait_for_url("**/accounts/login/")
    expect(newcomer.get_by_text("Your account new.nurse is ready")).to_be_visible()
    sign_in(newcomer, "new.nurse", NEW_PASSWORD)
    newcomer.wait_for_url("**/dosing/")

    newcomer.goto(url)  # the link again, in the same tab: used
    expect(newcomer.get_by_text("used already")).to_be_visible()
    screenshot(newcomer, "staff-join-used")
    # The refused forms answer 400, which the browser reports; nothing else may be logged.
    provoked = "the server responded with a status of 400"
    assert [e for e in page.console_errors + newcomer.console_errors if provoked not in e] == []


def test_manager_changes_a_role_and_deactivates_a_nurse_whose_tab_then_ends(
    open_page: Any, personas: Personas
) -> None:
    nurse_tab = signed_in(open_page, personas, "nurse")
    nurse_tab.wait_for_url("**/dosing/")
    page = signed_in(open_page, personas, "manager")
    page.wait_for_url("**/staff/")

    page.get_by_test_id("staff").get_by_role("link", name="pharmacy_technician_zrh").click()
    page.get_by_label("Role in this clinic").select_option("pharmacist")
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_text("pharmacy_technician_zrh is now a pharmacist in ZRH.")).to_be_visible()
    expect(page.get_by_test_id("member-role")).to_have_text("Pharmacist")
    screenshot(page, "staff-member")

    page.goto("/staff/")
    page.get_by_test_id("staff").get_by_role("link", name="nurse_zrh").click()
    page.get_by_role("link", name="Deactivate…").click()
    expect(page.get_by_role("heading", name="Deactivate nurse_zrh in ZRH?")).to_be_visible()
    screenshot(page, "staff-deactivate-confirm")
    page.get_by_role("link", name="Cancel").click()  # changed their mind: nothing happens
    expect(page.get_by_test_id("member-status")).to_have_text("active")
    page.get_by_role("link", name="Deactivate…").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("nurse_zrh is deactivated in ZRH.")).to_be_visible()
    expect(page.get_by_test_id("member-status")).to_have_text("deactivated")
    screenshot(page, "staff-deactivated")

    nurse_tab.get_by_role("link", name="Patients").click()  # the nurse's next click
    nurse_tab.wait_for_url("**/accounts/login/**")
    screenshot(nurse_tab, "staff-deactivated-nurse-next-click")
    membership = StaffMembership.objects.get(user=personas["nurse"], clinic=personas.clinic)
    assert not membership.is_active
    assert page.console_errors == []


def test_manager_resets_a_physicians_authenticator(open_page: Any, personas: Personas) -> None:
    physician_tab = signed_in(open_page, personas, "physician")
    physician_tab.wait_for_url("**/patients/")
    page = signed_in(open_page, personas, "manager")
    page.wait_for_url("**/staff/")

    page.get_by_test_id("staff").get_by_role("link", name="physician_zrh").click()
    page.get_by_role("link", name="Reset authenticator…").click()
    expect(
        page.get_by_role("heading", name="Reset the authenticator of physician_zrh?")
    ).to_be_visible()
    screenshot(page, "staff-reset-confirm")
    page.get_by_role("button", name="Reset authenticator").click()
    expect(page.get_by_text("they set up a new one at their next sign-in")).to_be_visible()

    physician_tab.reload()
    physician_tab.wait_for_url("**/accounts/second-factor/**")
    expect(physician_tab.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    screenshot(physician_tab, "staff-reset-physician-sets-up")


def test_a_manager_sees_paused_witness_checks(
    open_page: Any, personas: Personas, settings: Any
) -> None:
    from django.test import RequestFactory

    from openhat.clinics.second_person import WITNESS, check_second_person
    from openhat.core.errors import DomainError

    settings.OPENHAT_WITNESS_FAILURE_LIMIT = 2
    request = RequestFactory().post("/pharmacy/waste/", REMOTE_ADDR="10.20.30.40")
    request.clinic = personas.clinic
    for _ in range(2):
        with pytest.raises(DomainError):
            check_second_person(request, personas["pharmacist"], "physician_zrh", "wrong", WITNESS)
    page = signed_in(open_page, personas, "manager")
    page.wait_for_url("**/staff/")

    alerts = page.get_by_test_id("alerts")
    expect(alerts.get_by_text("Witness checks paused for pharmacist_zrh")).to_be_visible()
    expect(page.get_by_test_id("wrong-witness-passwords")).to_contain_text("pharmacist_zrh 2")
    screenshot(page, "staff-alerts")
