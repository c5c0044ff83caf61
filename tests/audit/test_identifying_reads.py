"""Identifying reads: the date of birth in eligibility, the licence number, the identity echoed by a
correction and a dosing session's screens are shown only to the roles allowed and logged for them.

(The route walk over every route is in tests/test_role_matrix.py with tests/access/identifiers.py;
these tests pin each fix to the routes the issue named.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.dosing.services.sessions import check_in
from openhat.patients.models import Patient
from tests.conftest import Personas, sign_in
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.enrolment.helpers import assess, licence, to_assessing

pytestmark = pytest.mark.django_db

BORN = "1975-05-17"  # the test patient's date of birth (tests/conftest.py)
LICENCE_NUMBER = "BAG-2026-0042"  # tests/enrolment/helpers.py
NO_IDENTITY = ["pharmacist", "pharmacy_technician", "auditor"]
IDENTITY = ["physician", "nurse", "counsellor", "manager"]


def rows(patient: Patient, record: AccessedRecord) -> list[tuple[str, str]]:
    return list(
        AccessLog.objects.filter(patient=patient, record=record)
        .order_by("pk")
        .values_list("actor__username", "route")
    )


@pytest.fixture
def assessed(personas: Personas, patient: Patient) -> Patient:
    physician = personas["physician"]
    to_assessing(patient, physician)
    assess(patient, physician)
    licence(patient, physician)
    return patient


def client(personas: Personas, role: str) -> Client:
    return sign_in(Client(), personas[role])


@pytest.mark.parametrize("role", NO_IDENTITY)
def test_eligibility_hides_the_date_of_birth_from_roles_without_identity(
    personas: Personas, assessed: Patient, role: str
) -> None:
    response = client(personas, role).get(f"/api/patients/{assessed.client_code}/eligibility")

    assert response.status_code == 200
    body = response.content.decode()
    assert BORN not in body
    (only,) = response.json()
    assert only["facts"]["date_of_birth"] is None
    assert only["identifiers_hidden"] is True
    age = next(c for c in only["result"]["criteria"] if "age" in c["evidence"])
    assert "[date of birth hidden]" in age["evidence"]
    assert rows(assessed, AccessedRecord.ELIGIBILITY) == []


@pytest.mark.parametrize("role", IDENTITY)
def test_eligibility_shows_the_date_of_birth_to_identity_roles_and_logs_it(
    personas: Personas, assessed: Patient, role: str
) -> None:
    path = f"/api/patients/{assessed.client_code}/eligibility"
    response = client(personas, role).get(path)

    (only,) = response.json()
    assert only["facts"]["date_of_birth"] == BORN and only["identifiers_hidden"] is False
    assert rows(assessed, AccessedRecord.ELIGIBILITY) == [(f"{role}_zrh", f"GET {path}")]


@pytest.mark.parametrize("role", NO_IDENTITY)
def test_licences_hide_the_number_from_roles_without_identity(
    personas: Personas, assessed: Patient, role: str
) -> None:
    response = client(personas, role).get(f"/api/patients/{assessed.client_code}/licences")

    (only,) = response.json()
    assert only["number"] is None and only["identifiers_hidden"] is True
    assert only["valid_until"]  # the pharmacy still sees that a licence is in force
    assert LICENCE_NUMBER not in response.content.decode()
    assert rows(assessed, AccessedRecord.LICENCE) == []


def test_licences_show_the_number_to_identity_roles_and_log_it(
    personas: Personas, assessed: Patient
) -> None:
    path = f"/api/patients/{assessed.client_code}/licences"
    (only,) = client(personas, "nurse").get(path).json()

    assert only["number"] == LICENCE_NUMBER
    assert rows(assessed, AccessedRecord.LICENCE) == [("nurse_zrh", f"GET {path}")]


def test_no_licence_and_no_date_of_birth_log_nothing(personas: Personas, patient: Patient) -> None:
    nurse = client(personas, "nurse")
    assert nurse.get(f"/api/patients/{patient.client_code}/licences").json() == []
    assert nurse.get(f"/api/patients/{patient.client_code}/eligibility").json() == []
    assert not AccessLog.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("role", NO_IDENTITY)
def test_the_chart_hides_the_licence_number_and_date_of_birth(
    personas: Personas, assessed: Patient, role: str
) -> None:
    page = client(personas, role).get(f"/patients/{assessed.client_code}/").content.decode()

    assert LICENCE_NUMBER not in page and BORN not in page
    assert "number hidden from your role" in page
    assert not AccessLog.objects.filter(patient=assessed).exists()


def test_correcting_identity_over_the_api_logs_the_identity_it_answers_with(
    personas: Personas, patient: Patient
) -> None:
    path = f"/api/patients/{patient.client_code}/identity"
    body = {
        "legal_name": "Test Person",
        "date_of_birth": "1975-05-18",
        "sex": "female",
        "health_number": "756.1234.5678.97",
    }
    response = client(personas, "counsellor").put(
        path, json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200 and response.json()["date_of_birth"] == "1975-05-18"
    assert rows(patient, AccessedRecord.IDENTITY) == [("counsellor_zrh", f"PUT {path}")]


def test_signing_eligibility_over_the_api_logs_the_date_of_birth_it_answers_with(
    personas: Personas, patient: Patient
) -> None:
    from tests.access.api import ELIGIBLE_FACTS

    path = f"/api/patients/{patient.client_code}/eligibility"
    response = client(personas, "physician").post(
        path,
        json.dumps({"facts": ELIGIBLE_FACTS, "decision": "eligible"}),
        content_type="application/json",
    )

    assert response.status_code == 201 and response.json()["facts"]["date_of_birth"] == BORN
    assert rows(patient, AccessedRecord.ELIGIBILITY) == [("physician_zrh", f"POST {path}")]


@pytest.fixture
def session(personas: Personas, station: Any) -> Any:
    return check_in(actor=personas["nurse"], patient=station.patient, identity_confirmed=True)


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
def test_a_session_screen_logs_a_read_of_the_dosing_record(
    personas: Personas, session: Any, role: str
) -> None:
    path = f"/dosing/sessions/{session.pk}/"
    response = client(personas, role).get(path)

    assert response.status_code == 200
    assert rows(session.patient, AccessedRecord.DOSING_RECORD) == [(f"{role}_zrh", f"GET {path}")]


def test_the_session_over_the_api_logs_a_read_of_the_dosing_record(
    personas: Personas, session: Any
) -> None:
    path = f"/api/clinics/ZRH/dosing/sessions/{session.pk}"
    response = client(personas, "pharmacist").get(path)

    assert response.status_code == 200
    assert rows(session.patient, AccessedRecord.DOSING_RECORD) == [
        ("pharmacist_zrh", f"GET {path}")
    ]


def test_a_session_of_another_clinic_is_not_found_and_logs_nothing(
    personas: Personas, session: Any
) -> None:
    response = sign_in(Client(), personas.outsider).get(f"/dosing/sessions/{session.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.exists()
