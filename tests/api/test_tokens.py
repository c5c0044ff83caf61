from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openhat.clinics.models import ApiToken

from .conftest import send_json

pytestmark = pytest.mark.django_db


def test_a_token_is_shown_once_then_works_and_is_listed_without_its_secret(client_for: Any) -> None:
    session = client_for("nurse")

    created = send_json(session, "POST", "/api/tokens", {"name": "dosing tablet 2"})

    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("oh_")
    listed = session.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["dosing tablet 2"]
    assert secret not in str(listed)
    assert "secret" not in listed[0]
    me = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "nurse_zrh"


def test_a_revoked_token_is_refused_with_401(client_for: Any) -> None:
    session = client_for("manager")
    created = send_json(session, "POST", "/api/tokens", {"name": "laptop"}).json()
    bearer = Client(headers={"Authorization": f"Bearer {created['secret']}"})
    assert bearer.get("/api/me").status_code == 200

    revoked = session.delete(f"/api/tokens/{created['id']}")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    response = bearer.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": response.json()["message"],
        "field": None,
    }


def test_another_users_token_cannot_be_revoked(client_for: Any, token_for: Any) -> None:
    token_for("nurse")
    nurse_token = ApiToken.objects.get(user__username="nurse_zrh")

    response = client_for("manager").delete(f"/api/tokens/{nurse_token.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "token_not_found"
    nurse_token.refresh_from_db()
    assert nurse_token.revoked_at is None


def test_a_token_cannot_create_another_token(bearer_client: Any) -> None:
    response = send_json(bearer_client("nurse"), "POST", "/api/tokens", {"name": "second"})

    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert ApiToken.objects.count() == 1


def test_a_physician_without_a_verified_second_factor_cannot_create_a_token(personas: Any) -> None:
    client = Client()
    client.force_login(personas["physician"])

    response = send_json(client, "POST", "/api/tokens", {"name": "unverified"})

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "x" * 81}, "name"), ({"name": 5}, "name"), ({}, "name")],
)
def test_bad_token_names_are_refused(client_for: Any, body: dict[str, Any], field: str) -> None:
    response = send_json(client_for("nurse"), "POST", "/api/tokens", body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == field


def test_a_whitespace_token_name_is_refused_by_the_service(client_for: Any) -> None:
    response = send_json(client_for("nurse"), "POST", "/api/tokens", {"name": "   "})

    assert response.status_code == 400
    assert response.json()["code"] == "token_name_required"


def test_a_token_bearer_passes_the_second_factor_gate(bearer_client: Any, patient: Any) -> None:
    response = bearer_client("physician").get(f"/api/patients/{patient.client_code}")

    assert response.status_code == 200


def test_last_used_is_written_once_a_minute_not_on_every_call(token_for: Any) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openhat.clinics.services import TOKEN_LAST_USED_RESOLUTION, user_for_token

    secret = token_for("nurse")
    token = ApiToken.objects.get(name="nurse test device")
    assert token.last_used_at is None

    assert user_for_token(secret) is not None
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None

    with CaptureQueriesContext(connection) as queries:
        assert user_for_token(secret) is not None
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use

    stale = first_use - TOKEN_LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    assert user_for_token(secret) is not None
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use
