"""Eligibility, licences, consents and enrolment through the JSON API (real PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from openhat.enrolment.models import Consent, EligibilityAssessment, Enrolment, PatientLicence
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.enrolment.helpers import assess, licence, to_assessing, treatment_consent

from .conftest import send_json

pytestmark = pytest.mark.django_db

ELIGIBLE_FACTS: dict[str, Any] = {
    "date_of_birth": "1975-05-17",
    "years_dependent": "12",
    "years_injecting": 10,
    "prior_treatments": [
        {
            "kind": "methadone",
            "started_on": "2015-01-01",
            "ended_on": "2016-06-30",
            "outcome": "failed",
            "max_daily_dose_mg": "90",
        },
        {
            "kind": "residential",
            "started_on": "2018-03-01",
            "ended_on": "2018-05-31",
            "outcome": "abandoned",
        },
    ],
    "heroin_route": "injecting",
    "flags": {"severe_heroin_dependence": True, "has_deficits": True},
    "use_pattern": "Street heroin IV three times a day.",
    "health_and_social_problems": "Hepatitis C; unstable housing.",
}


def _path(patient: Patient, rest: str) -> str:
    return f"/api/patients/{patient.client_code}/{rest}"


def _today(patient: Patient) -> str:
    return clinic_today(patient.clinic).isoformat()


@pytest.fixture
def physician(personas: Any) -> User:
    return personas["physician"]


# --- eligibility ------------------------------------------------------------------------------


def test_a_physician_signs_an_assessment_and_reads_every_version(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("physician")
    first = send_json(
        client,
        "post",
        _path(patient, "eligibility"),
        {"facts": ELIGIBLE_FACTS, "decision": "eligible"},
    )
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["version"], body["decision"], body["engine_verdict"]) == (
        1,
        "eligible",
        "eligible",
    )
    assert body["signed_by"] == "physician_zrh" and body["result"]["criteria"]

    second = send_json(
        client,
        "post",
        _path(patient, "eligibility"),
        {"facts": {**ELIGIBLE_FACTS, "years_injecting": 1}, "decision": "not_eligible"},
    )
    assert second.status_code == 201, second.json()

    listed = client_for("pharmacist").get(_path(patient, "eligibility"))
    assert listed.status_code == 200
    versions = listed.json()
    assert [(v["version"], v["decision"]) for v in versions] == [
        (1, "eligible"),
        (2, "not_eligible"),
    ]
    assert versions[0]["facts"]["years_injecting"] == "10"


def test_an_exception_needs_a_reason_and_a_contradicted_decision_is_refused(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("physician")
    weak = {**ELIGIBLE_FACTS, "years_dependent": "1"}
    no_reason = send_json(
        client, "post", _path(patient, "eligibility"), {"facts": weak, "decision": "exception"}
    )
    contradicted = send_json(
        client, "post", _path(patient, "eligibility"), {"facts": weak, "decision": "eligible"}
    )
    with_reason = send_json(
        client,
        "post",
        _path(patient, "eligibility"),
        {"facts": weak, "decision": "exception", "exception_reason": "Severe comorbidity."},
    )

    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "exception_reason_required"
    assert contradicted.status_code == 400
    assert contradicted.json()["code"] == "decision_contradicts_criteria"
    assert with_reason.status_code == 201, with_reason.json()
    assert EligibilityAssessment.objects.filter(patient=patient).count() == 1


def test_a_nurse_cannot_sign_an_assessment(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("nurse"),
        "post",
        _path(patient, "eligibility"),
        {"facts": ELIGIBLE_FACTS, "decision": "eligible"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert not EligibilityAssessment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"facts": ELIGIBLE_FACTS, "decision": "eligible", "signed": True}, "signed"),
        ({"facts": {**ELIGIBLE_FACTS, "colour": "red"}, "decision": "eligible"}, "facts.colour"),
        ({"facts": ELIGIBLE_FACTS, "decision": "maybe"}, "decision"),
        ({"facts": {**ELIGIBLE_FACTS, "years_dependent": "many"}, "decision": "eligible"}, None),
        ({"facts": ELIGIBLE_FACTS, "decision": "eligible", "exception_reason": "x" * 2001}, None),
    ],
)
def test_bad_assessment_input_is_refused_and_nothing_is_saved(
    client_for: Any, patient: Patient, body: dict[str, Any], field: str | None
) -> None:
    response = send_json(client_for("physician"), "post", _path(patient, "eligibility"), body)
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "invalid_input"
    if field:
        assert response.json()["field"] == field
    assert not EligibilityAssessment.objects.exists()


def test_a_wrong_fact_is_named(client_for: Any, patient: Patient) -> None:
    facts = {
        **ELIGIBLE_FACTS,
        "prior_treatments": [
            {"kind": "witchcraft", "started_on": "2015-01-01", "outcome": "failed"}
        ],
    }
    response = send_json(
        client_for("physician"),
        "post",
        _path(patient, "eligibility"),
        {"facts": facts, "decision": "not_eligible"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_fact"
    assert response.json()["field"].startswith("prior_treatments[0]")


def test_malformed_json_is_a_clear_400(client_for: Any, patient: Patient) -> None:
    response = client_for("physician").post(
        _path(patient, "eligibility"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


# --- licences and consents --------------------------------------------------------------------


def test_licences_are_recorded_and_listed(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic)
    body = {
        "number": "BAG-2026-0042",
        "authority": "Federal Office of Public Health",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
    }
    created = send_json(client_for("nurse"), "post", _path(patient, "licences"), body)
    backwards = send_json(
        client_for("nurse"),
        "post",
        _path(patient, "licences"),
        {**body, "valid_until": (today - timedelta(days=1)).isoformat()},
    )

    assert created.status_code == 201, created.json()
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "licence_ends_before_start"
    listed = client_for("nurse").get(_path(patient, "licences")).json()
    assert [item["number"] for item in listed] == ["BAG-2026-0042"]
    # The licence number identifies the patient: roles that do not see identity get it hidden.
    audited = client_for("auditor").get(_path(patient, "licences")).json()
    assert [(item["number"], item["identifiers_hidden"]) for item in audited] == [(None, True)]
    assert PatientLicence.objects.count() == 1


def test_consents_are_recorded_listed_and_revoked(client_for: Any, patient: Patient) -> None:
    client = client_for("counsellor")
    today = _today(patient)
    treatment = send_json(
        client, "post", _path(patient, "consents"), {"kind": "treatment", "given_on": today}
    )
    release = send_json(
        client,
        "post",
        _path(patient, "consents"),
        {
            "kind": "release_of_information",
            "given_on": today,
            "expires_on": (clinic_today(patient.clinic) + timedelta(days=90)).isoformat(),
            "recipient": "Family doctor",
            "purpose": "Continuity of care",
            "covers": ["prescriptions", "dosing_records"],
        },
    )
    assert treatment.status_code == 201, treatment.json()
    assert release.status_code == 201, release.json()
    assert release.json()["covers"] == ["dosing_records", "prescriptions"]

    revoked = send_json(
        client,
        "post",
        _path(patient, f"consents/{release.json()['id']}/revoke"),
        {"reason": "The patient changed their mind."},
    )
    again = send_json(
        client,
        "post",
        _path(patient, f"consents/{release.json()['id']}/revoke"),
        {"reason": "Twice."},
    )
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["revocation"]["revoked_on"] == today
    assert again.status_code == 409
    assert again.json()["code"] == "consent_already_revoked"

    listed = client_for("pharmacist").get(_path(patient, "consents")).json()
    assert [(c["kind"], c["revocation"] is not None) for c in listed] == [
        ("treatment", False),
        ("release_of_information", True),
    ]


def test_a_consent_with_an_expiry_in_the_past_is_refused(client_for: Any, patient: Patient) -> None:
    yesterday = (clinic_today(patient.clinic) - timedelta(days=1)).isoformat()
    response = send_json(
        client_for("nurse"),
        "post",
        _path(patient, "consents"),
        {"kind": "treatment", "given_on": yesterday, "expires_on": yesterday},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "consent_expiry_in_past"
    assert response.json()["field"] == "expires_on"
    assert not Consent.objects.exists()


def test_counselling_notes_need_their_own_release(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("nurse"),
        "post",
        _path(patient, "consents"),
        {
            "kind": "release_of_information",
            "given_on": _today(patient),
            "expires_on": (clinic_today(patient.clinic) + timedelta(days=30)).isoformat(),
            "recipient": "Court",
            "purpose": "Report",
            "covers": ["counselling_notes", "dosing_records"],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "counselling_notes_need_own_consent"


def test_a_consent_of_another_patient_is_not_found(
    client_for: Any, patient: Patient, other_patient: Patient, personas: Any
) -> None:
    consent = treatment_consent(other_patient, personas.outsider)
    response = send_json(
        client_for("nurse"),
        "post",
        _path(patient, f"consents/{consent.pk}/revoke"),
        {"reason": "not mine"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "consent_not_found"


def test_a_pharmacist_cannot_record_a_consent(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("pharmacist"),
        "post",
        _path(patient, "consents"),
        {"kind": "treatment", "given_on": _today(patient)},
    )
    assert response.status_code == 403


# --- enrolment --------------------------------------------------------------------------------


def test_enrolment_after_assessment_consent_and_licence(
    client_for: Any, patient: Patient, physician: User
) -> None:
    to_assessing(patient, physician)
    assess(patient, physician)
    treatment_consent(patient, physician)
    licence(patient, physician)

    response = send_json(
        client_for("physician"), "post", _path(patient, "enrol"), {"start_date": _today(patient)}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["start_date"], body["assessment_version"]) == (
        "enrolled",
        _today(patient),
        1,
    )
    patient.refresh_from_db()
    assert patient.status == "enrolled"


def test_enrolment_without_consent_is_refused_and_nothing_changes(
    client_for: Any, patient: Patient, physician: User
) -> None:
    to_assessing(patient, physician)
    assess(patient, physician)
    licence(patient, physician)

    response = send_json(
        client_for("physician"), "post", _path(patient, "enrol"), {"start_date": _today(patient)}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "treatment_consent_required"
    assert response.json()["message"].startswith("No treatment consent yet")
    patient.refresh_from_db()
    assert patient.status == "assessing" and not Enrolment.objects.exists()


def test_a_nurse_cannot_enrol(client_for: Any, patient: Patient) -> None:
    response = send_json(
        client_for("nurse"), "post", _path(patient, "enrol"), {"start_date": _today(patient)}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("start_date", ["2026-13-01", 20260101, "01.01.2026"])
def test_a_bad_start_date_is_invalid_input(
    client_for: Any, patient: Patient, start_date: Any
) -> None:
    response = send_json(
        client_for("physician"), "post", _path(patient, "enrol"), {"start_date": start_date}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "start_date"


def test_the_outsider_sees_nothing(client_for: Any, patient: Patient) -> None:
    for rest in ("eligibility", "consents", "licences"):
        response = client_for("outsider").get(_path(patient, rest))
        assert response.status_code == 404
        assert patient.client_code not in response.content.decode()


# --- retries with an Idempotency-Key ------------------------------------------------------------


def _licence_body(patient: Patient) -> dict[str, Any]:
    today = clinic_today(patient.clinic)
    return {
        "number": "BAG-2026-7",
        "authority": "FOPH",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
    }


RETRIED = {
    "licences": ("nurse", _licence_body, PatientLicence, "id"),
    "consents": (
        "nurse",
        lambda patient: {"kind": "treatment", "given_on": _today(patient)},
        Consent,
        "id",
    ),
    "eligibility": (
        "physician",
        lambda patient: {"facts": ELIGIBLE_FACTS, "decision": "eligible"},
        EligibilityAssessment,
        "version",
    ),
}


@pytest.mark.parametrize("rest", RETRIED)
def test_a_retry_with_the_same_idempotency_key_returns_the_same_record(
    client_for: Any, patient: Patient, rest: str
) -> None:
    role, body, model, identity = RETRIED[rest]
    client = client_for(role)
    key = {"HTTP_IDEMPOTENCY_KEY": f"{rest}-retry-0001"}

    first = send_json(client, "post", _path(patient, rest), body(patient), **key)
    retry = send_json(client, "post", _path(patient, rest), body(patient), **key)
    other = send_json(
        client, "post", _path(patient, rest), body(patient), HTTP_IDEMPOTENCY_KEY=f"{rest}-0002"
    )

    assert first.status_code == retry.status_code == other.status_code == 201, retry.json()
    assert retry.json()[identity] == first.json()[identity]
    assert other.json()[identity] != first.json()[identity]
    assert model.objects.filter(patient=patient).count() == 2


@pytest.mark.parametrize("rest", RETRIED)
def test_a_malformed_idempotency_key_is_refused_and_nothing_is_saved(
    client_for: Any, patient: Patient, rest: str
) -> None:
    role, body, model, _ = RETRIED[rest]
    response = send_json(
        client_for(role), "post", _path(patient, rest), body(patient), HTTP_IDEMPOTENCY_KEY="short"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not model.objects.exists()


def test_a_key_reused_for_another_kind_of_record_is_a_conflict(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("nurse")
    key = {"HTTP_IDEMPOTENCY_KEY": "tablet-key-0042"}
    assert (
        send_json(client, "post", _path(patient, "licences"), _licence_body(patient), **key)
    ).status_code == 201
    consent = send_json(
        client,
        "post",
        _path(patient, "consents"),
        {"kind": "treatment", "given_on": _today(patient)},
        **key,
    )
    assert consent.status_code == 409
    assert consent.json()["code"] == "idempotency_key_reused"
    assert not Consent.objects.exists()
