"""Sign-in, lockout, second factor, clinic switcher and API token pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.middleware import SESSION_CLINIC_KEY
from openhat.clinics.models import ApiToken
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from tests.conftest import PASSWORD, Personas, confirmed_totp

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(device.digits)


def test_sign_in_page_shows_the_development_banner(personas: Personas) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "DEVELOPMENT MODE — synthetic data, not for patient care" in response.content.decode()


def test_nurse_signs_in_and_lands_on_the_dosing_board(personas: Personas) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dosing/"
    page = response.content.decode()
    assert "ZRH" in page and "Nurse" in page
    assert "signed out after 15 minutes without activity" in page


def test_wrong_password_shows_an_error_not_which_part_was_wrong(personas: Personas) -> None:
    response = Client().post("/accounts/login/", {"username": "nurse_zrh", "password": "not it"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.parametrize("username", ["nurse_zrh", "nobody_by_this_name"])
def test_repeated_failures_lock_the_account_name_with_the_same_page(
    personas: Personas, username: str
) -> None:
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": username, "password": "wrong password"})
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "locked for 15 minutes" in page
    assert username not in page  # the same words whether or not the account exists


def test_sign_out_is_post_only(client_for: Any) -> None:
    client = client_for("nurse")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/patients/").status_code == 302  # back to sign-in


def test_physician_sets_up_and_passes_the_second_factor(personas: Personas) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "physician_zrh", "password": PASSWORD, "next": "/patients/"},
    )
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/second-factor/?next="
    )

    setup = client.get("/accounts/second-factor/?next=/patients/")
    page = setup.content.decode()
    assert setup.status_code == 200
    assert "<svg" in page and "Set up your authenticator" in page
    device = TOTPDevice.objects.get(user=personas["physician"])
    assert not device.confirmed

    wrong = client.post("/accounts/second-factor/", {"token": "12345x", "next": "/patients/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()

    device.refresh_from_db()
    ok = client.post(
        "/accounts/second-factor/", {"token": current_code(device), "next": "/patients/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/patients/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/patients/").status_code == 200


def test_second_factor_never_redirects_off_site(personas: Personas) -> None:
    device = confirmed_totp(personas["pharmacist"])
    client = Client()
    client.post("/accounts/login/", {"username": "pharmacist_zrh", "password": PASSWORD})
    page = client.get("/accounts/second-factor/").content.decode()
    assert (
        "Confirm your sign-in" in page and "<svg" not in page
    )  # a confirmed device needs no setup
    response = client.post(
        "/accounts/second-factor/",
        {"token": current_code(device), "next": "https://evil.example/x"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_switching_clinic_changes_the_current_clinic(personas: Personas, client_for: Any) -> None:
    add_membership(
        actor=None, user=personas["nurse"], clinic=personas.other_clinic, role=Role.COUNSELLOR
    )
    client = client_for("nurse")
    assert "clinic-switcher" in client.get("/patients/").content.decode()
    response = client.post("/accounts/clinic/", {"clinic": "OUT", "next": "/patients/ZRH-0001/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.session[SESSION_CLINIC_KEY] == personas.other_clinic.pk
    page = client.get("/patients/").content.decode()
    assert "Another clinic" in page and "Counsellor" in page


def test_switching_to_a_clinic_one_is_not_in_is_not_found(client_for: Any) -> None:
    assert client_for("nurse").post("/accounts/clinic/", {"clinic": "OUT"}).status_code == 404


def test_token_secret_is_shown_once_and_revoking_asks_first(
    personas: Personas, client_for: Any
) -> None:
    client = client_for("nurse")
    empty = client.get("/accounts/tokens/").content.decode()
    assert "No tokens yet" in empty
    created = client.post("/accounts/tokens/", {"name": "ward tablet"})
    page = created.content.decode()
    assert created.status_code == 200 and "oh_" in page and "shown only this once" in page
    token = ApiToken.objects.get(user=personas["nurse"])
    assert token.prefix in client.get("/accounts/tokens/").content.decode()
    assert "shown only this once" not in client.get("/accounts/tokens/").content.decode()

    confirm = client.get(f"/accounts/tokens/revoke/?token_id={token.pk}")
    assert confirm.status_code == 200 and "Revoke “ward tablet”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking is not doing
    done = client.post("/accounts/tokens/revoke/", {"token_id": token.pk}, follow=True)
    assert "is revoked" in done.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(personas: Personas, client_for: Any) -> None:
    client_for("counsellor").post("/accounts/tokens/", {"name": "theirs"})
    token = ApiToken.objects.get(user=personas["counsellor"])
    response = client_for("nurse").post(
        "/accounts/tokens/revoke/", {"token_id": token.pk}, follow=True
    )
    assert "No such token of yours" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "This field is required"), ("x" * 81, "at most 80")]
)
def test_bad_token_names_are_explained(client_for: Any, name: str, message: str) -> None:
    response = client_for("nurse").post("/accounts/tokens/", {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_tokens_need_the_second_factor_first(personas: Personas) -> None:
    client = Client()
    client.force_login(personas["physician"])
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/second-factor/"
    )
    assert client.post("/accounts/tokens/", {"name": "sneaky"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_a_user_without_clinic_gets_the_explaining_page(db: Any) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("lonely", password=PASSWORD))
    for path in ("/", "/patients/", "/patients/new/", "/audit/", "/audit/access-log/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "not a member of any clinic" in response.content.decode(), path
