"""Medication orders through the JSON API: signing with the second factor, bad input, the preset's
refusals with findings, idempotent retries, superseding, suspend/resume/stop, expiring orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine, OrderVersion
from openhat.prescribing.services import sign_order
from tests.prescribing.conftest import dam, enrol, totp_code

from .conftest import send_json

pytestmark = pytest.mark.django_db


def _dam_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "drug": "dam",
        "routes": ["iv"],
        "dose_min": "150",
        "dose_max": 200,
        "sessions_per_day": 2,
        "daily_max": "400",
        "ends_at": (timezone.now() + timedelta(days=30)).isoformat(),
        "windows": ["morning", "evening"],
        "reason": "maintenance after titration",
    }
    body.update(changes)
    return body


def _orders(patient: Patient, rest: str = "") -> str:
    return f"/api/patients/{patient.client_code}/orders{rest}"


@pytest.fixture
def physician(personas: Any) -> User:
    return personas["physician"]


@pytest.fixture
def enrolled(patient: Patient) -> Patient:
    return enrol(patient)


def _sign(client: Any, patient: Patient, physician: User, **changes: Any) -> Any:
    return send_json(
        client,
        "post",
        _orders(patient),
        {**_dam_body(**changes), "totp_code": totp_code(physician)},
    )


def test_a_physician_signs_and_reads_the_plan_and_history(
    client_for: Any, enrolled: Patient, physician: User
) -> None:
    response = _sign(client_for("physician"), enrolled, physician)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["drug"], body["routes"], body["line_state"]) == (
        1,
        "dam",
        ["iv"],
        "active",
    )
    assert body["dose_min_mg"] == "150.000" and body["daily_max_mg"] == "400.000"
    assert body["signed_by"] == "physician_zrh" and body["supersedes_version"] is None
    assert body["expires_soon"] is False

    orders = client_for("nurse").get(_orders(enrolled))
    assert orders.status_code == 200
    listed = orders.json()
    assert [v["line_id"] for v in listed["current_plan"]] == [body["line_id"]]
    assert [v["version"] for v in listed["history"]] == [1]
    assert listed["events"] == []


def test_an_idempotent_retry_signs_once(
    client_for: Any, enrolled: Patient, physician: User
) -> None:
    client = client_for("physician")
    body = {**_dam_body(), "totp_code": totp_code(physician)}
    first = send_json(client, "post", _orders(enrolled), body, HTTP_IDEMPOTENCY_KEY="sign-0001-abc")
    # The retry's code may be spent already: the stored result answers before any check.
    second = send_json(
        client, "post", _orders(enrolled), body, HTTP_IDEMPOTENCY_KEY="sign-0001-abc"
    )

    assert first.status_code == second.status_code == 201, second.json()
    assert first.json()["line_id"] == second.json()["line_id"]
    assert OrderVersion.objects.filter(patient=enrolled).count() == 1


def test_signing_without_the_second_factor_or_with_a_wrong_code(
    client_for: Any, enrolled: Patient
) -> None:
    client = client_for("physician")
    missing = send_json(client, "post", _orders(enrolled), _dam_body())
    wrong = send_json(client, "post", _orders(enrolled), {**_dam_body(), "totp_code": "000000"})

    assert missing.status_code == 400
    assert (missing.json()["code"], missing.json()["field"]) == (
        "second_factor_required",
        "totp_code",
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "second_factor_invalid"
    assert not OrderLine.objects.exists()


def test_a_nurse_cannot_sign(client_for: Any, enrolled: Patient, personas: Any) -> None:
    response = _sign(client_for("nurse"), enrolled, personas["nurse"])
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert not OrderLine.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"dose_unit": "ml"}, "dose_unit_invalid", "dose_min"),
        ({"dose_min": "-10"}, "dose_negative", "dose_min"),
        ({"dose_min": "250", "dose_max": "200"}, "dose_range_inverted", "dose_min"),
        (
            {
                "starts_at": (timezone.now() + timedelta(days=5)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=2)).isoformat(),
            },
            "order_ends_before_start",
            "ends_at",
        ),
        ({"drug": "cocaine"}, "drug_unknown", "drug"),
        ({"routes": ["iv"], "drug": "methadone"}, "route_not_allowed", "routes"),
        ({"windows": ["night"]}, "window_unknown", "windows"),
    ],
)
def test_bad_orders_get_a_clear_message_and_nothing_is_saved(
    client_for: Any,
    enrolled: Patient,
    physician: User,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    response = _sign(client_for("physician"), enrolled, physician, **changes)
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert response.json()["message"]
    assert not OrderLine.objects.exists()


@pytest.mark.parametrize(
    ("body_changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"sessions_per_day": "2"}, "sessions_per_day"),
        ({"sessions_per_day": 0}, "sessions_per_day"),
        ({"dose_min": "lots"}, "dose_min"),
        ({"starts_at": "2030-01-01T08:00:00"}, "starts_at"),
        ({"reason": "x" * 2001}, "reason"),
        ({"routes": []}, "routes"),
    ],
)
def test_schema_errors_are_422_with_the_field(
    client_for: Any, enrolled: Patient, body_changes: dict[str, Any], field: str
) -> None:
    response = send_json(
        client_for("physician"),
        "post",
        _orders(enrolled),
        {**_dam_body(), "totp_code": "123456", **body_changes},
    )
    assert response.status_code == 422, response.json()
    assert (response.json()["code"], response.json()["field"]) == ("invalid_input", field)


def test_malformed_json_is_a_clear_400(client_for: Any, enrolled: Patient) -> None:
    response = client_for("physician").post(
        _orders(enrolled), data='{"drug": "dam",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_an_order_the_preset_forbids_is_refused_with_the_findings(
    client_for: Any, enrolled: Patient, physician: User
) -> None:
    client = client_for("physician")
    refused = _sign(client, enrolled, physician, dose_min="900", dose_max="950", daily_max="1900")

    assert refused.status_code == 400, refused.json()
    body = refused.json()
    assert body["code"] == "order_forbidden_by_preset" and body["field"] is None
    assert body["findings"] and all(f["rule_id"] and f["message"] for f in body["findings"])
    assert not OrderLine.objects.exists()


def test_superseding_suspending_resuming_and_stopping(
    client_for: Any, enrolled: Patient, physician: User
) -> None:
    client = client_for("physician")
    first = _sign(client, enrolled, physician).json()
    line = _orders(enrolled, f"/{first['line_id']}")

    changed = send_json(
        client,
        "post",
        f"{line}/supersede",
        {
            **_dam_body(dose_min="180", dose_max="220", daily_max="440"),
            "expected_version": 1,
            "totp_code": totp_code(physician),
        },
    )
    stale = send_json(
        client,
        "post",
        f"{line}/supersede",
        {**_dam_body(), "expected_version": 1, "totp_code": totp_code(physician)},
    )
    assert changed.status_code == 201, changed.json()
    assert (changed.json()["version"], changed.json()["supersedes_version"]) == (2, 1)
    assert stale.status_code == 409 and stale.json()["code"] == "order_changed"

    suspended = send_json(client, "post", f"{line}/suspend", {"reason": "missed three days"})
    resumed_without_code = send_json(client, "post", f"{line}/resume", {"reason": "back"})
    resumed = send_json(
        client, "post", f"{line}/resume", {"reason": "back", "totp_code": totp_code(physician)}
    )
    no_reason = send_json(client, "post", f"{line}/stop", {"reason": ""})
    stopped = send_json(client, "post", f"{line}/stop", {"reason": "moved away"})
    again = send_json(client, "post", f"{line}/suspend", {"reason": "again"})

    assert suspended.status_code == 200 and suspended.json()["kind"] == "suspended"
    assert resumed_without_code.status_code == 400
    assert resumed_without_code.json()["code"] == "second_factor_required"
    assert resumed.status_code == 200 and resumed.json()["kind"] == "resumed"
    assert no_reason.status_code == 422
    assert stopped.status_code == 200 and stopped.json()["actor"] == "physician_zrh"
    assert again.status_code == 400 and again.json()["code"] == "illegal_order_transition"

    listed = client_for("pharmacist").get(_orders(enrolled)).json()
    assert listed["current_plan"] == []
    assert [v["version"] for v in listed["history"]] == [1, 2]
    assert [e["kind"] for e in listed["events"]] == ["suspended", "resumed", "stopped"]


def test_an_order_of_another_patient_is_not_found(
    client_for: Any, enrolled: Patient, physician: User, personas: Any
) -> None:
    from tests.conftest import register_zrh_patient

    second = enrol(register_zrh_patient(personas))
    version = sign_order(
        actor=physician, patient=second, order=dam(), totp_code=totp_code(physician)
    )
    response = send_json(
        client_for("physician"),
        "post",
        _orders(enrolled, f"/{version.line_id}/stop"),
        {"reason": "wrong patient"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_the_clinics_expiring_orders(
    client_for: Any, enrolled: Patient, physician: User, other_patient: Patient
) -> None:
    soon = sign_order(
        actor=physician,
        patient=enrolled,
        order=dam(ends_at=timezone.now() + timedelta(days=2)),
        totp_code=totp_code(physician),
    )

    response = client_for("pharmacist").get("/api/orders/expiring?clinic=ZRH")
    outsider = client_for("outsider").get("/api/orders/expiring?clinic=ZRH")

    assert response.status_code == 200
    rows = response.json()
    assert [(r["client_code"], r["line_id"], r["expires_soon"]) for r in rows] == [
        (enrolled.client_code, soon.line_id, True)
    ]
    assert outsider.status_code == 404
    own = client_for("outsider").get("/api/orders/expiring")
    assert own.status_code == 200 and own.json() == []


def test_a_researcher_cannot_read_orders(client_for: Any, enrolled: Patient) -> None:
    assert client_for("researcher").get(_orders(enrolled)).status_code == 403
