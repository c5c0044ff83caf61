from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership

pytestmark = pytest.mark.django_db


def test_me_names_the_user_their_clinics_and_the_second_factor(client_for: Any) -> None:
    response = client_for("physician").get("/api/me")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "physician_zrh"
    assert body["second_factor_verified"] is True
    assert body["second_factor_required"] is True
    assert body["authenticated_by_token"] is False
    assert [(c["code"], c["role"]) for c in body["memberships"]] == [("ZRH", "physician")]


def test_me_with_a_token_says_so_and_is_not_second_factor_verified(bearer_client: Any) -> None:
    body = bearer_client("nurse").get("/api/me").json()

    assert body["authenticated_by_token"] is True
    assert body["second_factor_verified"] is False
    assert body["second_factor_required"] is False


def test_clinics_lists_only_the_callers_clinics(client_for: Any, personas: Any) -> None:
    assert [c["code"] for c in client_for("outsider").get("/api/clinics").json()] == ["OUT"]

    add_membership(actor=None, user=personas.outsider, clinic=personas.clinic, role=Role.AUDITOR)
    rows = client_for("outsider").get("/api/clinics").json()
    assert [(c["code"], c["role"]) for c in rows] == [("OUT", "manager"), ("ZRH", "auditor")]


def test_session_without_second_factor_is_refused_for_physicians(personas: Any) -> None:
    client = Client()
    client.force_login(personas["physician"])

    response = client.get("/api/me")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
