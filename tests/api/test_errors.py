"""Every failure of the API is {"code", "message", "field"} with a 4xx, never a 500 or HTML."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from openhat.patients.models import Patient

from .conftest import send_json

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "field"}


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["message"]
    if field is not None:
        assert body["field"] == field


@pytest.mark.parametrize(
    "raw", ["{", '{"clinic": "ZRH",}', "not json at all", '{"legal_name": "\\ud800"', "\x00"]
)
def test_malformed_json_is_a_400(client_for: Any, raw: str) -> None:
    response = client_for("nurse").post("/api/patients", data=raw, content_type="application/json")

    assert_error(response, 400, "malformed_json")
    assert not Patient.objects.exists()


@pytest.mark.parametrize("raw", ["[1, 2]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_refused(client_for: Any, raw: str) -> None:
    response = client_for("nurse").post("/api/patients", data=raw, content_type="application/json")

    assert response.status_code in (400, 422)
    assert set(response.json()) == ERROR_KEYS


def test_a_wrong_type_names_the_field(client_for: Any) -> None:
    body = {"clinic": "ZRH", "legal_name": ["A", "B"], "date_of_birth": "1980-01-01"}

    assert_error(
        send_json(client_for("nurse"), "POST", "/api/patients", body),
        422,
        "invalid_input",
        "legal_name",
    )


def test_a_body_in_another_content_type_is_refused(client_for: Any) -> None:
    response = client_for("nurse").post(
        "/api/patients", data="clinic=ZRH", content_type="text/plain"
    )

    assert response.status_code in (400, 415, 422)
    assert set(response.json()) == ERROR_KEYS


def test_unauthenticated_calls_are_401(patient: Patient) -> None:
    for path in ("/api/me", "/api/patients", f"/api/patients/{patient.client_code}"):
        assert_error(Client().get(path), 401, "not_authenticated")
    assert_error(
        send_json(Client(), "POST", "/api/tokens", {"name": "x"}), 401, "not_authenticated"
    )


@pytest.mark.parametrize(
    "header", ["Bearer oh_not-a-real-token", "Bearer nonsense", "Bearer ", "Basic abc"]
)
def test_a_bad_token_is_401(header: str, personas: Any) -> None:
    response = Client(headers={"Authorization": header}).get("/api/me")

    assert_error(response, 401, "not_authenticated")


def test_a_token_of_a_deactivated_user_is_401(token_for: Any, personas: Any) -> None:
    secret = token_for("nurse")
    nurse = personas["nurse"]
    nurse.is_active = False
    nurse.save()

    assert_error(
        Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/me"),
        401,
        "not_authenticated",
    )


def test_session_writes_need_the_csrf_token(personas: Any) -> None:
    from tests.conftest import sign_in

    client = sign_in(Client(enforce_csrf_checks=True), personas["nurse"])
    body = {"clinic": "ZRH", "legal_name": "Csrf Test", "date_of_birth": "1980-01-01"}

    refused = send_json(client, "POST", "/api/patients", body)

    assert_error(refused, 403, "csrf_failed")
    assert not Patient.objects.exists()
    client.get("/api/me")  # a GET is safe and needs no token
    csrf_cookie = client.cookies.get("csrftoken")
    if csrf_cookie is None:  # the API does not set the cookie; a page would
        from django.middleware.csrf import _get_new_csrf_string

        client.cookies["csrftoken"] = _get_new_csrf_string()
        csrf_cookie = client.cookies["csrftoken"]
    accepted = send_json(
        client, "POST", "/api/patients", body, headers={"X-CSRFToken": csrf_cookie.value}
    )
    assert accepted.status_code == 201


def test_token_writes_need_no_csrf_token(token_for: Any) -> None:
    client = Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for('nurse')}"}
    )
    body = {"clinic": "ZRH", "legal_name": "Token Write", "date_of_birth": "1980-01-01"}

    assert send_json(client, "POST", "/api/patients", body).status_code == 201


def test_an_unknown_api_path_is_a_json_404(client_for: Any) -> None:
    for client in (client_for("nurse"), Client()):
        assert_error(client.get("/api/no-such-thing"), 404, "not_found")
        assert_error(client.get("/api/patients/ZRH-0001/nothing/here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(client_for: Any) -> None:
    response = client_for("nurse").delete("/api/me")

    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS


def test_the_docs_and_schema_load(client_for: Any) -> None:
    client = client_for("nurse")

    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    # The Swagger UI comes from ninja's own static files, not a CDN the CSP would block.
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui-init.js")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/patients/{code}/identity" in paths
    assert set(paths["/api/patients/{code}/identity"]) == {"get", "put"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/patients", {"q": "\x00"}),
        ("/api/patients", {"clinic": "Z\x00H"}),
        ("/api/patients", {"q": "99999999999999999999"}),
        ("/api/patients", {"q": "%_"}),
        ("/api/patients/%00", {}),
        ("/api/patients/" + "A" * 5000, {}),
        ("/api/patients/ZRH-0001%00/identity", {}),
        ("/api/tokens/abc", {}),
    ],
)
def test_hostile_query_and_path_values_never_cause_a_500(
    client_for: Any, patient: Patient, path: str, params: dict[str, str]
) -> None:
    response = client_for("nurse").get(path, params)

    assert response.status_code < 500
    if response.status_code != 200:
        assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/tokens", {"name": "tab\x00let"}, "name"),
        (
            "/api/patients/{code}/status",
            {"to_status": "assessing", "effective_date": "2024-01-01", "note": "a\x00"},
            "note",
        ),
        (
            "/api/patients",
            {"clinic": "ZRH", "legal_name": "A\x00B", "date_of_birth": "1980-01-01"},
            "legal_name",
        ),
        (
            "/api/patients",
            {"clinic": "Z\x00", "legal_name": "AB", "date_of_birth": "1980-01-01"},
            "clinic",
        ),
    ],
)
def test_nul_characters_in_bodies_are_refused(
    client_for: Any, patient: Patient, path: str, body: dict[str, Any], field: str
) -> None:
    response = send_json(client_for("manager"), "POST", path.format(code=patient.client_code), body)

    assert_error(response, 422, "invalid_input", field)


def test_a_body_that_is_not_utf8_is_refused(client_for: Any) -> None:
    response = client_for("nurse").post(
        "/api/patients", data=b"\xff\xfe{", content_type="application/json"
    )

    assert_error(response, 400, "malformed_json")


def test_a_body_over_the_upload_limit_is_refused(client_for: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"clinic": "ZRH", "legal_name": "A" * 2000, "date_of_birth": "1980-01-01"}

    response = send_json(client_for("nurse"), "POST", "/api/patients", body)

    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS
    assert not Patient.objects.exists()


def test_no_two_schemas_share_a_name_in_the_openapi_description() -> None:
    """The description names a schema by its class name: a second class of the same name replaces
    the first, and clients (and schemathesis) then read the wrong shape for one of them."""
    from collections import Counter

    from ninja import Schema

    def subclasses(base: type) -> list[type]:
        found = []
        for sub in base.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    ours = {c for c in subclasses(Schema) if c.__module__.startswith("openhat.")}
    shared = {
        name: sorted(c.__module__ for c in ours if c.__name__ == name)
        for name, count in Counter(c.__name__ for c in ours).items()
        if count > 1
    }

    assert not shared, shared
