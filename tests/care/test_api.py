"""The care API and its FHIR exports: writes with Idempotency-Key, stable error codes, reads
logged, bad input never a 500, and FHIR resources that fhir.resources.R4B accepts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from openhat.audit.models import AccessLog
from openhat.care.models import CareGoal, PartnerService, Referral
from openhat.patients.models import Patient
from tests.care.conftest import plan_referral, release_consent, start_plan
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: Any, key: str | None = None, method: str = "post") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


def test_a_counsellor_works_the_plan_over_the_api(
    personas: Personas, patient: Patient, client_for: Any, today: date
) -> None:
    client = client_for("counsellor")
    base = f"/api/patients/{patient.client_code}/care-plan"

    started = _post(client, base, {}, key="api-start-000001")
    again = _post(client, base, {}, key="api-start-000001")
    assert (started.status_code, again.status_code) == (201, 201)
    assert started.json()["next_review_on"] == again.json()["next_review_on"]

    goal = {
        "domain": "legal",
        "goal": "Settle the fines",
        "owner": "counsellor",
        "target_on": (today + timedelta(days=30)).isoformat(),
        "patient_words": "I want the letters to stop.",
    }
    first = _post(client, f"{base}/goals", goal, key="api-goal-0000001")
    repeat = _post(client, f"{base}/goals", goal, key="api-goal-0000001")
    assert first.status_code == repeat.status_code == 201
    assert first.json()["id"] == repeat.json()["id"]
    assert CareGoal.objects.count() == 1

    reused = _post(client, f"{base}/goals", {**goal, "goal": "Other"}, key="api-goal-0000001")
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")

    review = _post(
        client,
        f"{base}/reviews",
        {
            "note": "Payment plan agreed",
            "goals": [{"goal_id": first.json()["id"], "status": "achieved"}],
        },
    )
    assert review.status_code == 201
    plan = client.get(base).json()
    assert plan["goals"][0]["status"] == "achieved"
    assert plan["goals"][0]["patient_words"] == "I want the letters to stop."
    assert plan["reviews"][0]["reviewed_by"] == "counsellor_zrh"


def test_reads_are_logged_and_a_missing_plan_is_404(
    personas: Personas, patient: Patient, client_for: Any
) -> None:
    client = client_for("nurse")
    missing = client.get(f"/api/patients/{patient.client_code}/care-plan")
    assert (missing.status_code, missing.json()["code"]) == (404, "care_plan_not_found")
    start_plan(personas, patient)
    before = AccessLog.objects.filter(patient=patient, record="care_record").count()

    assert client.get(f"/api/patients/{patient.client_code}/care-plan").status_code == 200
    assert client.get(f"/api/patients/{patient.client_code}/referrals").status_code == 200

    assert AccessLog.objects.filter(patient=patient, record="care_record").count() == before + 2


def test_sending_without_consent_is_refused_with_its_code_then_allowed_with_one(
    personas: Personas, patient: Patient, partner: PartnerService, client_for: Any, today: date
) -> None:
    client = client_for("counsellor")
    referral = plan_referral(personas, patient, partner, sends_data=["identity", "medical_notes"])
    path = f"/api/patients/{patient.client_code}/referrals/{referral.pk}/status"
    body = {"status": "sent", "follow_up_on": (today + timedelta(days=5)).isoformat()}

    refused = _post(client, path, body)
    assert refused.status_code == 400
    assert refused.json()["code"] == "referral_consent_missing"
    assert "covers identity" in refused.json()["message"]
    assert "covers medical notes" in refused.json()["message"]

    consent = release_consent(personas, patient, covers=["identity", "medical_notes"])
    sent = _post(client, path, body)
    assert sent.status_code == 200
    assert (sent.json()["status"], sent.json()["sent_under_consents"]) == ("sent", [consent.pk])

    illegal = _post(client, path, {"status": "planned"})
    assert (illegal.status_code, illegal.json()["code"]) == (
        409,
        "referral_transition_not_allowed",
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("referrals", {"kind": "housing"}),
        ("referrals", {"kind": "x", "partner_id": 1, "reason": "r", "follow_up_on": "2026-01-01"}),
        (
            "referrals",
            {
                "kind": "housing",
                "partner_id": 99999999999,
                "reason": "r",
                "follow_up_on": "2026-01-01",
            },
        ),
        (
            "referrals",
            {"kind": "housing", "partner_id": 1, "reason": "r", "follow_up_on": "01.01.2026"},
        ),
        (
            "referrals",
            {"kind": "housing", "partner_id": 1, "reason": "a\x00b", "follow_up_on": "2026-01-01"},
        ),
        (
            "referrals",
            {
                "kind": "housing",
                "partner_id": 1,
                "reason": "r",
                "follow_up_on": "2026-01-01",
                "extra": 1,
            },
        ),
        (
            "referrals",
            {"kind": "housing", "partner_id": 1, "reason": "r", "follow_up_on": "9999-12-31"},
        ),
        (
            "referrals",
            {
                "kind": "housing",
                "partner_id": 1,
                "reason": "r",
                "follow_up_on": "2026-01-01",
                "sends_data": ["dna"],
            },
        ),
        (
            "care-plan/goals",
            {"domain": "legal", "goal": "g", "owner": "x", "target_on": "2026-01-01"},
        ),
        (
            "care-plan/goals",
            {"domain": "legal", "goal": "", "owner": "patient", "target_on": "2026-01-01"},
        ),
        (
            "care-plan/goals",
            {"domain": "legal", "goal": "g" * 301, "owner": "patient", "target_on": "2026-01-01"},
        ),
        (
            "care-plan/goals/99999999999",
            {"domain": "legal", "goal": "g", "owner": "patient", "target_on": "2026-01-01"},
        ),
        ("care-plan/reviews", {"note": ""}),
        ("care-plan/reviews", {"note": "n", "goals": [{"goal_id": 0, "status": "achieved"}]}),
        ("care-plan/reviews", "not an object"),
        ("referrals/99999999999/status", {"status": "sent"}),
    ],
)
def test_bad_input_is_a_4xx_with_a_code_and_writes_nothing(
    personas: Personas, patient: Patient, client_for: Any, path: str, body: Any
) -> None:
    start_plan(personas, patient)
    method = "put" if path.startswith("care-plan/goals/") else "post"

    response = _post(
        client_for("counsellor"), f"/api/patients/{patient.client_code}/{path}", body, method=method
    )

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) == {"code", "message", "field"}
    assert not Referral.objects.exists()
    assert not CareGoal.objects.exists()


def test_fhir_care_plan_and_service_requests_validate(
    personas: Personas, patient: Patient, partner: PartnerService, client_for: Any, today: date
) -> None:
    from openhat.care import services
    from tests.care.conftest import goal_input

    plan = start_plan(personas, patient)
    services.add_goal(actor=personas["counsellor"], plan=plan, goal=goal_input(status="achieved"))
    services.review_care_plan(actor=personas["counsellor"], plan=plan, note_text="Good progress")
    planned = plan_referral(personas, patient, partner, sends_data=[])
    declined = plan_referral(personas, patient, partner, sends_data=[])
    services.change_referral_status(
        actor=personas["counsellor"], referral=declined, status="declined", note_text="No"
    )
    client = client_for("physician")

    care = client.get(f"/api/patients/{patient.client_code}/fhir/care-plan")
    requests = client.get(f"/api/patients/{patient.client_code}/fhir/service-requests")

    assert care["Content-Type"] == requests["Content-Type"] == "application/fhir+json"
    care_bundle = Bundle.model_validate_json(care.content)
    resource = care_bundle.entry[0].resource
    assert resource.get_resource_type() == "CarePlan"
    assert resource.subject.identifier.value == patient.client_code
    goal = resource.contained[0]
    assert goal.lifecycleStatus == "completed"
    assert goal.achievementStatus.coding[0].code == "achieved"
    assert any("own words" in note.text for note in goal.note)
    assert len(resource.activity) == 2
    by_id = {
        e.resource.identifier[0].value: e.resource
        for e in Bundle.model_validate_json(requests.content).entry
    }
    assert (by_id[str(planned.pk)].status, by_id[str(planned.pk)].intent) == ("draft", "plan")
    assert by_id[str(declined.pk)].status == "revoked"
    assert by_id[str(planned.pk)].category[0].coding[0].code == "3457005"
    body = care.content.decode() + requests.content.decode()
    assert "Test Person" not in body
