"""Staff administration by a clinic's manager, through the pages: invite (a link with an expiry;
the colleague sets their own password), change a role, deactivate (sessions and API tokens stop
working), reactivate, reset a second factor. Every step is audited and manager-only."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.models import ApiToken, StaffMembership
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_api_token
from openhat.staff.models import StaffInvitation
from tests.conftest import PASSWORD, Personas, confirmed_totp, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough passphrase 31"


def text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def manager(personas: Personas) -> Client:
    return sign_in(Client(), personas["manager"])


def membership(personas: Personas, role: str) -> StaffMembership:
    return StaffMembership.objects.get(user=personas[role], clinic=personas.clinic)


def audited(code: AuditCode) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(code=code).order_by("pk"))


def invite(client: Client, username: str = "new.nurse", role: str = "nurse") -> str:
    response = client.post("/staff/invite/", {"username": username, "role": role})
    assert response.status_code == 201, text(response)
    link = re.search(r'data-testid="invitation-link">([^<]+)<', response.content.decode())
    assert link is not None
    return link.group(1).replace("http://testserver", "")


def test_an_invited_colleague_sets_their_own_password_and_signs_in(personas: Personas) -> None:
    link = invite(manager(personas))
    newcomer = Client()

    page = newcomer.get(link)
    assert (
        page.status_code == 200
        and "invited <strong>new.nurse</strong> to work here as nurse." in text(page)
    )
    weak = newcomer.post(link, {"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and "too short" in text(weak)
    differ = newcomer.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
    assert differ.status_code == 400 and "not the same" in text(differ)
    assert not User.objects.filter(username="new.nurse").exists()

    done = newcomer.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    user = User.objects.get(username="new.nurse")
    assert StaffMembership.objects.get(user=user).role == Role.NURSE
    signed = Client().post(
        "/accounts/login/", {"username": "new.nurse", "password": NEW_PASSWORD}, follow=True
    )
    assert signed.redirect_chain[-1][0] == "/dosing/"  # a nurse starts at the dosing board
    (invited,) = audited(AuditCode.STAFF_INVITED)
    (accepted,) = audited(AuditCode.STAFF_INVITATION_ACCEPTED)
    assert invited.actor == personas["manager"] and accepted.actor == user
    assert accepted.clinic == personas.clinic and accepted.data["invited_by"] == "manager_zrh"
    # The link works once.
    again = Client().get(link)
    assert again.status_code == 400 and "used already" in text(again)


def test_the_link_is_stored_only_as_a_hash_and_expires(personas: Personas) -> None:
    link = invite(manager(personas))
    secret = link.rstrip("/").split("/")[-1]
    invitation = StaffInvitation.objects.get()
    assert secret not in invitation.secret_sha256
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = Client().post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 400 and "expired" in text(response)
    assert not User.objects.filter(username="new.nurse").exists()


def test_a_withdrawn_invitation_and_a_made_up_link_do_not_work(personas: Personas) -> None:
    client = manager(personas)
    link = invite(client)
    invitation = StaffInvitation.objects.get()
    confirm = client.get(f"/staff/invitations/{invitation.pk}/withdraw/")
    assert confirm.status_code == 200 and invitation.revoked_at is None

    client.post(f"/staff/invitations/{invitation.pk}/withdraw/")

    assert "withdrawn" in text(Client().get(link))
    assert Client().get("/staff/join/inv_made_up/").status_code == 404
    assert len(audited(AuditCode.STAFF_INVITATION_REVOKED)) == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "This field is required"),
        ("has space", "without spaces"),
        ("nurse_zrh", "already on this clinic's staff"),
    ],
)
def test_bad_invitations_are_explained(personas: Personas, username: str, message: str) -> None:
    response = manager(personas).post("/staff/invite/", {"username": username, "role": "nurse"})
    assert response.status_code == 400 and message in text(response)
    assert not StaffInvitation.objects.exists()


def test_a_second_open_invitation_for_the_same_name_is_refused(personas: Personas) -> None:
    client = manager(personas)
    invite(client)
    response = client.post("/staff/invite/", {"username": "new.nurse", "role": "physician"})
    assert response.status_code == 400 and "still open" in text(response)


def test_someone_from_another_clinic_accepts_while_signed_in(personas: Personas) -> None:
    link = invite(manager(personas), username="manager_out", role="counsellor")
    outsider = sign_in(Client(), personas.outsider)
    anonymous = Client().get(link)
    assert "You already have an account" in text(anonymous)

    response = outsider.post(link)

    assert response.status_code == 302
    joined = StaffMembership.objects.get(user=personas.outsider, clinic=personas.clinic)
    assert joined.role == Role.COUNSELLOR and joined.is_active
    other = sign_in(Client(), personas["nurse"]).post(link)
    assert other.status_code == 400  # used already


def test_a_manager_changes_a_role_and_it_is_audited(personas: Personas) -> None:
    technician = membership(personas, "pharmacy_technician")
    response = manager(personas).post(f"/staff/{technician.pk}/", {"role": "pharmacist"})

    assert response.status_code == 302
    technician.refresh_from_db()
    assert technician.role == Role.PHARMACIST
    (changed,) = audited(AuditCode.STAFF_MEMBERSHIP_CHANGED)
    assert changed.data == {
        "username": "pharmacy_technician_zrh",
        "from": "pharmacy_technician",
        "to": "pharmacist",
    }


def test_a_manager_cannot_change_their_own_access(personas: Personas) -> None:
    own = membership(personas, "manager")
    client = manager(personas)
    page = text(client.get(f"/staff/{own.pk}/"))
    assert "ask another manager" in page and "Deactivate…" not in page

    assert client.post(f"/staff/{own.pk}/", {"role": "nurse"}).status_code == 400
    client.post(f"/staff/{own.pk}/deactivate/")
    own.refresh_from_db()
    assert own.role == Role.MANAGER and own.is_active


def test_a_demoted_manager_can_no_longer_administer_staff(personas: Personas) -> None:
    deputy = personas["counsellor"]
    StaffMembership.objects.filter(user=deputy, clinic=personas.clinic).update(role=Role.MANAGER)
    first = membership(personas, "manager")
    technician = membership(personas, "pharmacy_technician")

    assert (
        sign_in(Client(), deputy).post(f"/staff/{first.pk}/", {"role": "nurse"}).status_code == 302
    )

    as_first = sign_in(Client(), personas["manager"])
    assert as_first.get("/staff/").status_code == 403
    assert as_first.post(f"/staff/{technician.pk}/deactivate/").status_code == 403


def test_deactivation_ends_sessions_and_tokens(personas: Personas) -> None:
    nurse_session = sign_in(Client(), personas["nurse"])
    assert nurse_session.get("/patients/").status_code == 200
    _, secret = create_api_token(actor=personas["nurse"], name="station")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/me").status_code == 200
    nurse = membership(personas, "nurse")
    client = manager(personas)

    confirm = client.get(f"/staff/{nurse.pk}/deactivate/")
    assert confirm.status_code == 200 and "Deactivate nurse_zrh in ZRH?" in text(confirm)
    nurse.refresh_from_db()
    assert nurse.is_active  # asking is not doing
    done = client.post(f"/staff/{nurse.pk}/deactivate/")

    assert done.status_code == 302
    assert nurse_session.get("/patients/")["Location"].startswith("/accounts/login/")
    assert api.get("/api/me").status_code == 401
    assert ApiToken.objects.get(user=personas["nurse"]).revoked_at is not None
    signing_in = Client().post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert signing_in.status_code == 200  # the form again: a disabled account cannot sign in
    (event,) = audited(AuditCode.STAFF_DEACTIVATED)
    assert event.data["account_disabled"] is True and event.data["tokens_revoked"] == 1


def test_deactivation_in_one_clinic_leaves_the_others(personas: Personas) -> None:
    nurse = personas["nurse"]
    add_membership(actor=None, user=nurse, clinic=personas.other_clinic, role=Role.NURSE)
    session = sign_in(Client(), nurse)
    here = membership(personas, "nurse")

    manager(personas).post(f"/staff/{here.pk}/deactivate/")

    nurse.refresh_from_db()
    assert nurse.is_active
    assert session.get("/patients/").status_code == 200
    page = text(session.get("/patients/"))
    assert "OUT" in page and "Zurich test clinic" not in page
    (event,) = audited(AuditCode.STAFF_DEACTIVATED)
    assert event.data["account_disabled"] is False


def test_reactivation_lets_them_sign_in_again(personas: Personas) -> None:
    nurse = membership(personas, "nurse")
    client = manager(personas)
    client.post(f"/staff/{nurse.pk}/deactivate/")

    assert client.get(f"/staff/{nurse.pk}/reactivate/").status_code == 200
    client.post(f"/staff/{nurse.pk}/reactivate/")

    signed = Client().post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert signed.status_code == 302
    assert len(audited(AuditCode.STAFF_REACTIVATED)) == 1


def test_resetting_a_second_factor_makes_the_user_enrol_a_new_device(personas: Personas) -> None:
    physician = personas["physician"]
    session = sign_in(Client(), physician)
    assert session.get("/patients/").status_code == 200
    old = confirmed_totp(physician)
    target = membership(personas, "physician")
    client = manager(personas)
    assert "Reset the authenticator of physician_zrh?" in text(
        client.get(f"/staff/{target.pk}/reset-second-factor/")
    )

    client.post(f"/staff/{target.pk}/reset-second-factor/")

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    owed = session.get("/patients/")
    assert owed.status_code == 302 and owed["Location"].startswith("/accounts/second-factor/")
    setup = session.get(owed["Location"])
    assert "<svg" in setup.content.decode()  # a new device to scan
    assert TOTPDevice.objects.get(user=physician).confirmed is False
    (event,) = audited(AuditCode.SECOND_FACTOR_RESET)
    assert event.clinic == personas.clinic and event.data["username"] == "physician_zrh"


def test_resetting_a_factor_that_was_never_set_up_says_so(personas: Personas) -> None:
    target = membership(personas, "counsellor")
    response = manager(personas).post(f"/staff/{target.pk}/reset-second-factor/", follow=True)
    assert "has no authenticator set up" in text(response)
    assert not audited(AuditCode.SECOND_FACTOR_RESET)


@pytest.mark.parametrize("role", ["physician", "nurse", "auditor", "counsellor", "researcher"])
def test_only_managers_administer_staff(personas: Personas, role: str) -> None:
    client = sign_in(Client(), personas[role])
    technician = membership(personas, "pharmacy_technician")
    assert client.get("/staff/").status_code == 403
    assert client.post("/staff/invite/", {"username": "x", "role": "nurse"}).status_code == 403
    assert client.post(f"/staff/{technician.pk}/deactivate/").status_code == 403
    technician.refresh_from_db()
    assert technician.is_active


def test_another_clinics_manager_finds_nothing(personas: Personas) -> None:
    outsider = sign_in(Client(), personas.outsider)
    technician = membership(personas, "pharmacy_technician")
    assert outsider.get(f"/staff/{technician.pk}/").status_code == 404
    assert outsider.post(f"/staff/{technician.pk}/deactivate/").status_code == 404
    technician.refresh_from_db()
    assert technician.is_active
    page = text(outsider.get("/staff/"))
    assert "pharmacy_technician_zrh" not in page and "manager_out" in page
