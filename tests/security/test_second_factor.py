"""Physicians and pharmacists must confirm a TOTP code before they can do anything else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, confirmed_totp, sign_in

pytestmark = pytest.mark.django_db

SECOND_FACTOR_PAGE = "/accounts/second-factor/"


def password_only(user: Any) -> Client:
    """Signed in with the password, second factor not (yet) confirmed in this session."""
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["physician", "pharmacist"])
def test_pages_redirect_to_the_second_factor(personas: Personas, role: str) -> None:
    confirmed_totp(personas[role])  # even with a device, this session has not used it yet
    response = password_only(personas[role]).get("/patients/?q=x")
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR_PAGE)
    assert "next=%2Fpatients%2F%3Fq%3Dx" in response["Location"]


@pytest.mark.parametrize("role", ["physician", "pharmacist"])
@pytest.mark.parametrize("path", ["/api/me", "/api/patients"])
def test_the_api_answers_403_second_factor_required(
    personas: Personas, role: str, path: str
) -> None:
    response = password_only(personas[role]).get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert set(response.json()) == {"code", "message", "field"}


def test_the_second_factor_page_itself_is_reachable(personas: Personas) -> None:
    response = password_only(personas["physician"]).get(SECOND_FACTOR_PAGE)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["physician", "pharmacist"])
def test_after_the_second_factor_pages_and_api_open(client_for: Any, role: str) -> None:
    client = client_for(role)
    assert client.get("/patients/").status_code == 200
    assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize("role", ["nurse", "counsellor", "manager", "auditor"])
def test_other_roles_are_not_asked(personas: Personas, role: str) -> None:
    client = password_only(personas[role])
    response = client.get("/patients/")
    assert not (response.status_code == 302 and response["Location"].startswith(SECOND_FACTOR_PAGE))
    api = client.get("/api/me")
    assert api.status_code == 200
    assert api.json().get("code") != "second_factor_required"


def test_the_roles_come_from_settings(personas: Personas, settings: Any) -> None:
    settings.OPENHAT_SECOND_FACTOR_ROLES = ["nurse"]
    response = password_only(personas["nurse"]).get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR_PAGE)


def test_a_verified_session_is_not_carried_to_another_user(personas: Personas) -> None:
    client = sign_in(Client(), personas["physician"])
    assert client.get("/patients/").status_code == 200
    client.logout()
    client.force_login(personas["pharmacist"])
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR_PAGE)
