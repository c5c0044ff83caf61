"""Enrolment pages: assessment with its check step, licence, consents, revocation, enrolment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from openhat.enrolment.models import Consent, EligibilityAssessment, Enrolment, PatientLicence
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.conftest import Personas
from tests.enrolment.helpers import (
    assess,
    licence,
    ready_for_enrolment,
    to_assessing,
    treatment_consent,
)

pytestmark = pytest.mark.django_db

ELIGIBLE_FORM = {
    "date_of_birth": "1975-05-17",
    "years_dependent": "12",
    "years_injecting": "10",
    "heroin_route": "injecting",
    "flag_severe_heroin_dependence": "yes",
    "flag_has_deficits": "yes",
    "pt0_kind": "methadone",
    "pt0_started_on": "2015-01-01",
    "pt0_ended_on": "2016-06-30",
    "pt0_max_daily_dose_mg": "90",
    "pt0_outcome": "failed",
    "pt1_kind": "residential",
    "pt1_started_on": "2018-03-01",
    "pt1_ended_on": "2018-05-31",
    "pt1_outcome": "abandoned",
    "use_pattern": "Street heroin IV three times a day.",
    "health_and_social_problems": "Hepatitis C; unstable housing.",
}


def _text(response: Any) -> str:
    return response.content.decode()


def test_assessment_form_prefills_the_date_of_birth(client_for: Any, patient: Patient) -> None:
    page = _text(client_for("physician").get(f"/patients/{patient.client_code}/eligibility/"))
    assert 'value="1975-05-17"' in page
    assert "Prior treatments" in page and "Treatment 4" in page


def test_check_shows_each_criterion_with_sources_and_saves_nothing(
    client_for: Any, patient: Patient
) -> None:
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/eligibility/", {**ELIGIBLE_FORM, "action": "check"}
    )
    page = _text(response)
    assert response.status_code == 200
    assert 'data-testid="criteria"' in page and "S1" in page and "Met" in page
    assert "Sign the assessment" in page
    assert not EligibilityAssessment.objects.exists()


def test_physician_signs_eligible_and_the_chart_shows_it(client_for: Any, patient: Patient) -> None:
    client = client_for("physician")
    response = client.post(
        f"/patients/{patient.client_code}/eligibility/",
        {**ELIGIBLE_FORM, "action": "sign", "decision": "eligible"},
    )
    assert response.status_code == 302
    assessment = EligibilityAssessment.objects.get()
    assert assessment.version == 1 and assessment.decision == "eligible"
    chart = _text(client.get(f"/patients/{patient.client_code}/"))
    assert 'data-testid="eligibility-decision">Eligible' in chart and "version 1" in chart


def test_reassessment_is_a_new_version_and_the_old_one_is_listed(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    assess(patient, personas["physician"])
    client = client_for("physician")
    client.post(
        f"/patients/{patient.client_code}/eligibility/",
        {**ELIGIBLE_FORM, "action": "sign", "decision": "eligible"},
    )
    assert list(EligibilityAssessment.objects.values_list("version", flat=True)) == [1, 2]
    assert 'data-testid="older-assessments"' in _text(
        client.get(f"/patients/{patient.client_code}/")
    )


def test_eligible_against_the_criteria_is_refused_on_the_decision(
    client_for: Any, patient: Patient
) -> None:
    data = {**ELIGIBLE_FORM, "years_dependent": "1", "action": "sign", "decision": "eligible"}
    response = client_for("physician").post(f"/patients/{patient.client_code}/eligibility/", data)
    assert response.status_code == 400
    assert "sign &#x27;not eligible&#x27;, or &#x27;exception&#x27;" in _text(response)
    assert not EligibilityAssessment.objects.exists()


def test_exception_needs_a_reason(client_for: Any, patient: Patient) -> None:
    data = {**ELIGIBLE_FORM, "years_dependent": "1", "action": "sign", "decision": "exception"}
    response = client_for("physician").post(f"/patients/{patient.client_code}/eligibility/", data)
    assert response.status_code == 400 and "An exception needs a written reason." in _text(response)
    data["exception_reason"] = "Severe somatic illness; the board agreed."
    assert (
        client_for("physician")
        .post(f"/patients/{patient.client_code}/eligibility/", data)
        .status_code
        == 302
    )
    assert EligibilityAssessment.objects.get().decision == "exception"


def test_a_treatment_ending_before_it_starts_is_shown_on_its_row(
    client_for: Any, patient: Patient
) -> None:
    data = {**ELIGIBLE_FORM, "pt0_ended_on": "2014-01-01", "action": "check"}
    response = client_for("physician").post(f"/patients/{patient.client_code}/eligibility/", data)
    assert response.status_code == 400
    assert 'id="id_pt0_ended_on_error"' in _text(response)


def test_a_nurse_cannot_assess(client_for: Any, patient: Patient) -> None:
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/eligibility/",
        {**ELIGIBLE_FORM, "action": "sign", "decision": "eligible"},
    )
    assert response.status_code == 403
    assert not EligibilityAssessment.objects.exists()


def test_licence_is_recorded_and_shown(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic)
    client = client_for("nurse")
    response = client.post(
        f"/patients/{patient.client_code}/licence/",
        {
            "number": "BAG-1",
            "authority": "Federal Office of Public Health",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert "BAG-1" in _text(client.get(f"/patients/{patient.client_code}/"))


def test_licence_ending_before_it_starts_saves_nothing(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic)
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/licence/",
        {
            "number": "BAG-1",
            "authority": "FOPH",
            "valid_from": today.isoformat(),
            "valid_until": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The licence cannot end before it starts." in _text(response)
    assert not PatientLicence.objects.exists()


def test_chart_empty_states_explain_the_next_step(client_for: Any, patient: Patient) -> None:
    page = _text(client_for("physician").get(f"/patients/{patient.client_code}/"))
    assert "No treatment consent yet: record it before enrolment." in page
    assert "No eligibility assessment yet" in page
    assert "No patient licence yet" in page


def test_treatment_consent_is_recorded(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic).isoformat()
    client = client_for("counsellor")
    response = client.post(
        f"/patients/{patient.client_code}/consents/new/", {"kind": "treatment", "given_on": today}
    )
    assert response.status_code == 302
    page = _text(client.get(f"/patients/{patient.client_code}/"))
    assert "No treatment consent yet" not in page and "active" in page


def test_consent_expiring_in_the_past_saves_nothing(client_for: Any, patient: Patient) -> None:
    today = clinic_today(patient.clinic)
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/consents/new/",
        {
            "kind": "treatment",
            "given_on": (today - timedelta(days=10)).isoformat(),
            "expires_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "is in the past; a consent must still hold" in _text(response)
    assert 'id="id_expires_on_error"' in _text(response)
    assert not Consent.objects.exists()


def test_release_consent_with_counselling_notes_and_more_is_refused(
    client_for: Any, patient: Patient
) -> None:
    today = clinic_today(patient.clinic)
    data = {
        "kind": "release_of_information",
        "given_on": today.isoformat(),
        "expires_on": (today + timedelta(days=90)).isoformat(),
        "recipient": "Family doctor",
        "purpose": "Continuity of care",
        "covers": ["prescriptions", "counselling_notes"],
    }
    client = client_for("nurse")
    response = client.post(f"/patients/{patient.client_code}/consents/new/", data)
    assert response.status_code == 400 and "Counselling notes need their own" in _text(response)
    assert not Consent.objects.exists()
    data["covers"] = ["prescriptions"]
    assert client.post(f"/patients/{patient.client_code}/consents/new/", data).status_code == 302
    assert Consent.objects.get().recipient == "Family doctor"


def test_revoking_asks_for_a_reason_and_keeps_the_consent(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    consent = treatment_consent(patient, personas["nurse"])
    client = client_for("nurse")
    url = f"/patients/{patient.client_code}/consents/{consent.pk}/revoke/"
    page = _text(client.get(url))
    assert "Revoking cannot be undone." in page and "Yes, revoke this consent" in page
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Patient withdrew."}).status_code == 302
    consent.refresh_from_db()
    assert consent.revocation.reason == "Patient withdrew."
    assert "revoked" in _text(client.get(f"/patients/{patient.client_code}/"))
    again = client.post(url, {"reason": "twice"})
    assert again.status_code == 400 and "already revoked" in _text(again)


def test_enrol_page_lists_missing_prerequisites(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    to_assessing(patient, personas["physician"])
    page = _text(client_for("physician").get(f"/patients/{patient.client_code}/enrol/"))
    assert "No treatment consent yet: record it before enrolment." in page
    assert "No eligibility assessment yet" in page


def test_enrolment_without_consent_shows_why_and_saves_nothing(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    physician = personas["physician"]
    patient = to_assessing(patient, physician)
    assess(patient, physician)
    licence(patient, physician)
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/enrol/",
        {"start_date": clinic_today(patient.clinic).isoformat()},
    )
    assert response.status_code == 400
    assert "No treatment consent yet: record it before enrolment." in _text(response)
    assert not Enrolment.objects.exists()
    patient.refresh_from_db()
    assert patient.status == "assessing"


def test_physician_enrols_a_ready_patient(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    ready_for_enrolment(patient, personas["physician"])
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/enrol/",
        {"start_date": clinic_today(patient.clinic).isoformat()},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.status == "enrolled" and Enrolment.objects.count() == 1


def test_a_nurse_cannot_enrol(client_for: Any, patient: Patient, personas: Personas) -> None:
    ready_for_enrolment(patient, personas["physician"])
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/enrol/",
        {"start_date": clinic_today(patient.clinic).isoformat()},
    )
    assert response.status_code == 403 and not Enrolment.objects.exists()


def test_the_verdict_and_the_covered_data_read_as_words(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    client = client_for("physician")
    checked = _text(
        client.post(
            f"/patients/{patient.client_code}/eligibility/",
            {**ELIGIBLE_FORM, "years_dependent": "1", "action": "check"},
        )
    )
    assert ">Not eligible</span>" in checked
    today = clinic_today(patient.clinic)
    client.post(
        f"/patients/{patient.client_code}/consents/new/",
        {
            "kind": "release_of_information",
            "given_on": today.isoformat(),
            "expires_on": (today + timedelta(days=90)).isoformat(),
            "recipient": "Family doctor",
            "purpose": "Continuity of care",
            "covers": ["dosing_records", "prescriptions"],
        },
    )
    chart = _text(client.get(f"/patients/{patient.client_code}/"))
    assert "Continuity of care: Dosing records, Prescriptions" in chart
