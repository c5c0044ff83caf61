"""The possible-duplicate warning on a correction of identifying data: the page and the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.api.conftest import send_json
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

REASON = "Different person: father and son share the name."
# The `patient` fixture's person, spelt differently.
SAME_PERSON = {"legal_name": "TEST  PERSON", "date_of_birth": "1975-05-17", "sex": "male"}


@pytest.fixture
def second(personas: Personas) -> Patient:
    return register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput("Sam Second", date(1980, 1, 1), "male", ""),
    )


def _name_of(patient: Patient) -> str:
    return PatientIdentity.objects.get(patient=patient).legal_name


def test_api_answers_409_naming_the_match_then_saves_on_confirmation(
    client_for: Any, patient: Patient, second: Patient
) -> None:
    client = client_for("nurse")
    path = f"/api/patients/{second.client_code}/identity"

    refused = send_json(client, "PUT", path, SAME_PERSON)

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "possible_duplicate"
    assert [(m["client_code"], m["matched_on"]) for m in body["matches"]] == [
        (patient.client_code, ["name_and_date_of_birth"])
    ]
    assert _name_of(second) == "Sam Second"
    assert AccessLog.objects.filter(patient=patient, record=AccessedRecord.IDENTITY).count() == 1

    confirmed_body = {
        **SAME_PERSON,
        "duplicate_confirmation": body["confirmation"],
        "duplicate_reason": REASON,
    }
    confirmed = send_json(client, "PUT", path, confirmed_body, HTTP_IDEMPOTENCY_KEY="fix-dup-0001")

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["legal_name"] == "TEST PERSON"
    # A retry with the same key answers the same and confirms nothing twice.
    retry = send_json(client, "PUT", path, confirmed_body, HTTP_IDEMPOTENCY_KEY="fix-dup-0001")
    assert retry.status_code == 200
    assert retry.json()["legal_name"] == "TEST PERSON"
    assert AuditEvent.objects.filter(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED).count() == 1
    assert (
        AuditEvent.objects.filter(
            code=AuditCode.PATIENT_IDENTITY_UPDATED, object_id=str(second.pk)
        ).count()
        == 1
    )


def test_api_confirmation_without_reason_is_400_and_saves_nothing(
    client_for: Any, patient: Patient, second: Patient
) -> None:
    client = client_for("nurse")
    path = f"/api/patients/{second.client_code}/identity"
    token = send_json(client, "PUT", path, SAME_PERSON).json()["confirmation"]

    response = send_json(client, "PUT", path, {**SAME_PERSON, "duplicate_confirmation": token})

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_reason_required"
    assert _name_of(second) == "Sam Second"


def test_page_shows_the_match_and_saves_after_the_confirmation(
    client_for: Any, patient: Patient, second: Patient
) -> None:
    client = client_for("nurse")
    url = f"/patients/{second.client_code}/identity/"
    form = {**SAME_PERSON, "health_number": ""}

    warned = client.post(url, form)

    assert warned.status_code == 409
    page = warned.content.decode()
    assert 'data-testid="possible-duplicate"' in page
    assert "Nothing was saved yet" in page
    assert patient.client_code in page and "Test Person" in page
    assert "Save as a different person" in page
    assert _name_of(second) == "Sam Second"
    token = warned.context["duplicate"].confirmation

    no_reason = client.post(url, {**form, "duplicate_confirmation": token})
    assert no_reason.status_code == 400
    assert "Write why this is a different person" in no_reason.content.decode()
    assert 'data-testid="possible-duplicate"' in no_reason.content.decode()
    assert _name_of(second) == "Sam Second"

    done = client.post(url, {**form, "duplicate_confirmation": token, "duplicate_reason": REASON})
    assert done.status_code == 302
    assert _name_of(second) == "TEST PERSON"
    assert AuditEvent.objects.filter(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED).count() == 1


def test_page_saves_a_correction_without_a_match_at_once(
    client_for: Any, patient: Patient, second: Patient
) -> None:
    response = client_for("nurse").post(
        f"/patients/{second.client_code}/identity/",
        {"legal_name": "Sam Seconda", "date_of_birth": "1980-01-01", "sex": "male"},
    )

    assert response.status_code == 302
    assert _name_of(second) == "Sam Seconda"
