from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openhat.audit.models import AccessedRecord
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core.models import IdempotencyKey
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity, StatusChange
from openhat.patients.services import clinic_today, register_patient
from openhat.patients.validation import IdentityInput

from .conftest import png_bytes, send_json

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "clinic": "ZRH",
    "legal_name": "Alex Example",
    "date_of_birth": "1980-02-29",
    "sex": "other",
    "health_number": "756.0000.0000.01",
}


def _more_patients(personas: Any, count: int) -> list[Patient]:
    return [
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(f"Person {n}", date(1970, 1, 1 + n)),
        )
        for n in range(count)
    ]


# --- list ------------------------------------------------------------------------------------


def test_list_is_pseudonymous_and_scoped_to_the_clinic(
    client_for: Any, patient: Patient, other_patient: Patient
) -> None:
    response = client_for("pharmacist").get("/api/patients")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [p["client_code"] for p in body["items"]] == [patient.client_code]
    assert set(body["items"][0]) == {
        "client_code",
        "clinic",
        "status",
        "status_since",
        "exit_date",
        "exit_reason",
    }
    assert "Test Person" not in response.content.decode()
    assert other_patient.client_code not in response.content.decode()


def test_list_filters_by_query_and_status_and_pages(client_for: Any, personas: Any) -> None:
    _more_patients(personas, 5)
    client = client_for("nurse")

    page = client.get("/api/patients", {"clinic": "ZRH", "limit": 2, "offset": 2}).json()
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [p["client_code"] for p in page["items"]] == ["ZRH-0003", "ZRH-0004"]

    assert [p["client_code"] for p in client.get("/api/patients?q=4").json()["items"]] == [
        "ZRH-0004"
    ]
    assert client.get("/api/patients?status=enrolled").json()["count"] == 0
    assert client.get("/api/patients?status=referred&q=").json()["count"] == 5
    assert client.get("/api/patients?status=&clinic=").json()["count"] == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("status=asleep", "status"),
        ("q=" + "9" * 41, "q"),
    ],
)
def test_list_refuses_bad_parameters(client_for: Any, query: str, field: str) -> None:
    response = client_for("nurse").get(f"/api/patients?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == field


@pytest.mark.parametrize("clinic", ["OUT", "XXX", "nope!!"])
def test_list_of_a_foreign_or_unknown_clinic_is_not_found(client_for: Any, clinic: str) -> None:
    response = client_for("nurse").get("/api/patients", {"clinic": clinic})

    assert response.status_code in (404, 422)
    if response.status_code == 404:
        assert response.json() == {
            "code": "clinic_not_found",
            "message": "No such clinic among your clinics.",
            "field": "clinic",
        }


def test_list_needs_the_clinic_when_the_user_has_several(client_for: Any, personas: Any) -> None:
    add_membership(
        actor=None, user=personas["nurse"], clinic=personas.other_clinic, role=Role.NURSE
    )

    response = client_for("nurse").get("/api/patients")

    assert response.status_code == 400
    assert response.json()["code"] == "clinic_required"
    assert response.json()["field"] == "clinic"
    assert client_for("nurse").get("/api/patients?clinic=out").status_code == 200


# --- register --------------------------------------------------------------------------------


def test_register_creates_a_referred_patient_with_the_next_code(
    client_for: Any, patient: Patient
) -> None:
    response = send_json(client_for("counsellor"), "POST", "/api/patients", NEW_PATIENT)

    assert response.status_code == 201
    body = response.json()
    assert body["client_code"] == "ZRH-0002"
    assert body["status"] == "referred"
    assert [h["to_status"] for h in body["status_history"]] == ["referred"]
    assert "Alex Example" not in response.content.decode()
    identity = PatientIdentity.objects.get(patient__client_code="ZRH-0002")
    assert (identity.legal_name, identity.date_of_birth) == ("Alex Example", date(1980, 2, 29))


def test_a_retry_with_the_same_idempotency_key_returns_the_same_patient(client_for: Any) -> None:
    client = client_for("nurse")
    headers = {"headers": {"Idempotency-Key": "intake-form-7f3a9c"}}

    first = send_json(client, "POST", "/api/patients", NEW_PATIENT, **headers)
    second = send_json(client, "POST", "/api/patients", NEW_PATIENT, **headers)

    assert first.status_code == second.status_code == 201
    assert first.json()["client_code"] == second.json()["client_code"]
    assert Patient.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_idempotency_key_may_come_in_the_body(client_for: Any) -> None:
    client = client_for("nurse")
    body = {**NEW_PATIENT, "idempotency_key": "intake-body-key-1"}

    codes = {
        send_json(client, "POST", "/api/patients", body).json()["client_code"] for _ in range(2)
    }

    assert codes == {"ZRH-0001"}
    assert Patient.objects.count() == 1


def test_header_and_body_keys_that_differ_are_refused(client_for: Any) -> None:
    body = {**NEW_PATIENT, "idempotency_key": "intake-body-key-1"}

    response = send_json(
        client_for("nurse"),
        "POST",
        "/api/patients",
        body,
        headers={"Idempotency-Key": "other-key-22"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_mismatch"
    assert not Patient.objects.exists()


def test_a_malformed_idempotency_key_is_refused(client_for: Any) -> None:
    response = send_json(
        client_for("nurse"),
        "POST",
        "/api/patients",
        NEW_PATIENT,
        headers={"Idempotency-Key": "short"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"legal_name": "x" * 201}, 422, "invalid_input", "legal_name"),
        ({"legal_name": ""}, 422, "invalid_input", "legal_name"),
        ({"legal_name": "   "}, 400, "legal_name_required", "legal_name"),
        ({"legal_name": 42}, 422, "invalid_input", "legal_name"),
        ({"health_number": "1" * 41}, 422, "invalid_input", "health_number"),
        ({"health_number": "<script>"}, 400, "health_number_invalid", "health_number"),
        ({"date_of_birth": "17.05.1975"}, 422, "invalid_input", "date_of_birth"),
        ({"date_of_birth": 0}, 422, "invalid_input", "date_of_birth"),
        ({"date_of_birth": "1975-02-30"}, 422, "invalid_input", "date_of_birth"),
        ({"date_of_birth": "2099-01-01"}, 400, "date_of_birth_in_future", "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, 422, "date_out_of_range", "date_of_birth"),
        ({"sex": "robot"}, 422, "invalid_input", "sex"),
        ({"clinic": None}, 422, "invalid_input", "clinic"),
        ({"nickname": "Al"}, 422, "invalid_input", "nickname"),
    ],
)
def test_register_refuses_bad_input_with_the_field(
    client_for: Any, change: dict[str, Any], status: int, code: str, field: str
) -> None:
    response = send_json(client_for("nurse"), "POST", "/api/patients", {**NEW_PATIENT, **change})

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert not Patient.objects.exists()


def test_register_in_a_foreign_clinic_is_not_found(client_for: Any) -> None:
    response = send_json(
        client_for("nurse"), "POST", "/api/patients", {**NEW_PATIENT, "clinic": "OUT"}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "clinic_not_found"


# --- detail, identity ------------------------------------------------------------------------


def test_detail_has_the_status_history_and_no_identity(client_for: Any, patient: Patient) -> None:
    response = client_for("pharmacy_technician").get(f"/api/patients/{patient.client_code.lower()}")

    assert response.status_code == 200
    body = response.json()
    assert body["client_code"] == patient.client_code
    assert body["clinic"] == "ZRH"
    assert body["status_history"][0]["from_status"] is None
    assert "Test Person" not in response.content.decode()


def test_reading_the_identity_is_logged(client_for: Any, patient: Patient) -> None:
    from openhat.audit.models import AccessLog

    response = client_for("counsellor").get(f"/api/patients/{patient.client_code}/identity")

    assert response.status_code == 200
    assert response.json()["legal_name"] == "Test Person"
    assert response.json()["date_of_birth"] == "1975-05-17"
    access = AccessLog.objects.get()
    assert (access.patient_id, access.record) == (patient.pk, AccessedRecord.IDENTITY)


def test_update_identity(client_for: Any, patient: Patient) -> None:
    body = {"legal_name": "Test  Person-Renamed", "date_of_birth": "1975-05-18", "sex": "female"}

    response = send_json(
        client_for("nurse"), "PUT", f"/api/patients/{patient.client_code}/identity", body
    )

    assert response.status_code == 200
    assert response.json()["legal_name"] == "Test Person-Renamed"
    assert response.json()["health_number"] == ""
    assert PatientIdentity.objects.get(patient=patient).date_of_birth == date(1975, 5, 18)


def test_update_identity_needs_every_field(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("nurse"),
        "PUT",
        f"/api/patients/{patient.client_code}/identity",
        {"legal_name": "X"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "date_of_birth"


@pytest.mark.parametrize("code", ["ZRH-9999", "nonsense", "OUT-0001"])
def test_unknown_or_foreign_patients_are_not_found(
    client_for: Any, patient: Patient, other_patient: Patient, code: str
) -> None:
    client = client_for("manager")

    for response in (
        client.get(f"/api/patients/{code}"),
        client.get(f"/api/patients/{code}/identity"),
        client.get(f"/api/patients/{code}/photo"),
        send_json(client, "PUT", f"/api/patients/{code}/identity", {**NEW_PATIENT, "clinic": None}),
    ):
        assert response.status_code in (404, 422)
        assert code not in response.content.decode()
    response = client.get(f"/api/patients/{code}")
    assert response.json() == {
        "code": "patient_not_found",
        "message": "No such patient in your clinics.",
        "field": "client_code",
    }


# --- status ----------------------------------------------------------------------------------


def test_status_change_moves_the_patient_along(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic).isoformat()
    client = client_for("physician")
    url = f"/api/patients/{patient.client_code}/status"

    assert (
        send_json(
            client, "POST", url, {"to_status": "assessing", "effective_date": today}
        ).status_code
        == 200
    )
    response = send_json(
        client,
        "POST",
        url,
        {
            "to_status": "exited",
            "effective_date": today,
            "exit_reason": "transfer",
            "note": "moved to Bern",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["exit_date"], body["exit_reason"]) == ("exited", today, "transfer")
    assert [h["to_status"] for h in body["status_history"]] == ["referred", "assessing", "exited"]
    assert body["status_history"][-1]["note"] == "moved to Bern"


def test_an_illegal_transition_is_refused(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic).isoformat()

    response = send_json(
        client_for("manager"),
        "POST",
        f"/api/patients/{patient.client_code}/status",
        {"to_status": "enrolled", "effective_date": today},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "illegal_status_transition"
    assert response.json()["field"] == "to_status"
    assert StatusChange.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"to_status": "asleep", "effective_date": "2024-01-01"},
            422,
            "invalid_input",
            "to_status",
        ),
        (
            {"to_status": "assessing", "effective_date": "yesterday"},
            422,
            "invalid_input",
            "effective_date",
        ),
        (
            {"to_status": "assessing", "effective_date": "2099-01-01"},
            400,
            "effective_date_in_future",
            "effective_date",
        ),
        (
            {"to_status": "assessing", "effective_date": "{today}", "note": "n" * 2001},
            422,
            "invalid_input",
            "note",
        ),
        (
            {"to_status": "exited", "effective_date": "{today}"},
            400,
            "exit_reason_required",
            "exit_reason",
        ),
        (
            {"to_status": "exited", "effective_date": "{today}", "exit_reason": "bored"},
            422,
            "invalid_input",
            "exit_reason",
        ),
        (
            {"to_status": "assessing", "effective_date": "{today}", "by": "me"},
            422,
            "invalid_input",
            "by",
        ),
    ],
)
def test_status_change_refuses_bad_input(
    client_for: Any, patient: Patient, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    today = clinic_today(patient.clinic).isoformat()
    body = {key: (today if value == "{today}" else value) for key, value in body.items()}

    response = send_json(
        client_for("physician"), "POST", f"/api/patients/{patient.client_code}/status", body
    )

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_a_nurse_may_not_change_the_status(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("nurse"),
        "POST",
        f"/api/patients/{patient.client_code}/status",
        {"to_status": "assessing", "effective_date": clinic_today(patient.clinic).isoformat()},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


# --- photo -----------------------------------------------------------------------------------


def test_photo_upload_then_download(client_for: Any, patient: Patient) -> None:
    client = client_for("nurse")
    content = png_bytes()
    url = f"/api/patients/{patient.client_code}/photo"

    uploaded = client.post(url, {"photo": SimpleUploadedFile("id.png", content, "image/png")})

    assert uploaded.status_code == 201
    assert uploaded.json()["content_type"] == "image/png"
    assert uploaded.json()["size_bytes"] == len(content)
    downloaded = client.get(url)
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "image/png"
    assert downloaded["Cache-Control"] == "no-store"
    assert downloaded.content == content


def test_a_patient_without_a_photo_has_none_to_download(client_for: Any, patient: Patient) -> None:
    response = client_for("nurse").get(f"/api/patients/{patient.client_code}/photo")

    assert response.status_code == 404
    assert response.json()["code"] == "photo_not_found"


def test_a_file_that_is_not_an_image_is_refused(client_for: Any, patient: Patient) -> None:
    fake = SimpleUploadedFile("id.png", b"<?php echo 1; ?>", "image/png")

    response = client_for("nurse").post(
        f"/api/patients/{patient.client_code}/photo", {"photo": fake}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "photo_unreadable"
    assert not IdentityPhoto.objects.exists()


def test_an_oversized_photo_is_refused(client_for: Any, patient: Patient, settings: Any) -> None:
    settings.OPENHAT_PHOTO_MAX_BYTES = 100
    big = SimpleUploadedFile("id.png", png_bytes((64, 64)) + b"\0" * 200, "image/png")

    response = client_for("nurse").post(
        f"/api/patients/{patient.client_code}/photo", {"photo": big}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "photo_too_large"


def test_a_photo_upload_without_a_file_names_the_field(client_for: Any, patient: Patient) -> None:
    response = client_for("nurse").post(f"/api/patients/{patient.client_code}/photo", {})

    assert response.status_code == 422
    assert response.json()["field"] == "photo"
