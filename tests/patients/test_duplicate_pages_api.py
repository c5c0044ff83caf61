"""The possible-duplicate warning over the JSON API and on the registration page."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.patients.models import Patient
from tests.api.conftest import send_json

pytestmark = pytest.mark.django_db

SAME_PERSON = {
    "clinic": "ZRH",
    "legal_name": "TEST  PERSON",
    "date_of_birth": "1975-05-17",
    "sex": "female",
    "health_number": "",
}


def test_api_answers_409_naming_the_match_then_registers_on_confirmation(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("nurse")

    refused = send_json(client, "post", "/api/patients", SAME_PERSON)

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "possible_duplicate"
    assert body["matches"] == [
        {
            "visible": True,
            "matched_on": ["name_and_date_of_birth"],
            "client_code": patient.client_code,
            "clinic": "ZRH",
            "status": "Referred",
            "legal_name": "Test Person",
            "date_of_birth": "1975-05-17",
            "health_number": "756.1234.5678.97",
            "merged_into": "",
        }
    ]
    assert Patient.objects.count() == 1
    assert AccessLog.objects.filter(patient=patient, record=AccessedRecord.IDENTITY).count() == 1

    confirmed = send_json(
        client,
        "post",
        "/api/patients",
        {
            **SAME_PERSON,
            "duplicate_confirmation": body["confirmation"],
            "duplicate_reason": "A different person with the same name and birthday.",
        },
    )

    assert confirmed.status_code == 201, confirmed.json()
    assert Patient.objects.count() == 2


def test_api_confirmation_without_reason_is_400_and_registers_nothing(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("nurse")
    token = send_json(client, "post", "/api/patients", SAME_PERSON).json()["confirmation"]

    response = send_json(
        client, "post", "/api/patients", {**SAME_PERSON, "duplicate_confirmation": token}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_reason_required"
    assert Patient.objects.count() == 1


def test_api_warns_another_clinic_without_identifiers(client_for: Any, patient: Patient) -> None:
    """The OUT manager registers the ZRH patient's person: told only that a record exists."""
    response = send_json(
        client_for("outsider"), "post", "/api/patients", {**SAME_PERSON, "clinic": "OUT"}
    )

    assert response.status_code == 409
    assert response.json()["matches"] == [{"visible": False}]
    text = response.content.decode()
    for secret in (patient.client_code, "Test Person", "756.1234", "ZRH"):
        assert secret not in text
    assert not AccessLog.objects.filter(patient=patient).exists()


def test_page_shows_the_match_and_registers_after_the_confirmation(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("nurse")
    form = {
        "legal_name": "test person",
        "date_of_birth": "1975-05-17",
        "sex": "female",
        "health_number": "",
        "idempotency_key": "new-patient-dup-1",
    }

    warned = client.post("/patients/new/", form)

    assert warned.status_code == 409
    page = warned.content.decode()
    assert 'data-testid="possible-duplicate"' in page
    assert patient.client_code in page and "Test Person" in page
    assert "Register as a different person" in page
    assert Patient.objects.count() == 1
    token = warned.context["duplicate"].confirmation

    no_reason = client.post("/patients/new/", {**form, "duplicate_confirmation": token})
    assert no_reason.status_code == 400
    assert "Write why this is a different person" in no_reason.content.decode()
    assert 'data-testid="possible-duplicate"' in no_reason.content.decode()
    assert Patient.objects.count() == 1

    done = client.post(
        "/patients/new/",
        {
            **form,
            "duplicate_confirmation": token,
            "duplicate_reason": "Different person: father and son share the name.",
        },
    )
    assert done.status_code == 302
    assert Patient.objects.count() == 2


def test_page_warns_another_clinic_without_identifiers(client_for: Any, patient: Patient) -> None:
    response = client_for("outsider").post(
        "/patients/new/",
        {
            "legal_name": "Test Person",
            "date_of_birth": "1975-05-17",
            "sex": "female",
            "health_number": "",
            "idempotency_key": "new-patient-dup-2",
        },
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "may not see" in page
    for secret in (patient.client_code, "756.1234"):
        assert secret not in page
    assert not AccessLog.objects.filter(patient=patient).exists()
