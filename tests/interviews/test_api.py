"""The interviews over JSON and FHIR: writes with an Idempotency-Key, refusals with their codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from openhat.core.clock import clinic_today
from openhat.interviews.models import Interview
from tests.conftest import Personas, sign_in
from tests.interviews.helpers import answers, enrolled_since

pytestmark = pytest.mark.django_db


@pytest.fixture
def counsellor(personas: Personas) -> Client:
    return sign_in(Client(), personas["counsellor"])


def _post(client: Client, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body, default=str), content_type="application/json", **headers
    )


def _body(patient: Any, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "time_point": "intake",
        "interviewed_on": clinic_today(patient.clinic).isoformat(),
        "answers": answers(),
    }
    body.update(changes)
    return body


def test_an_interview_is_recorded_once_per_key(personas: Personas, counsellor: Client) -> None:
    patient = enrolled_since(personas, 2)
    path = f"/api/patients/{patient.client_code}/interviews"
    first = _post(counsellor, path, _body(patient), key="api-interview-0001")
    again = _post(counsellor, path, _body(patient), key="api-interview-0001")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Interview.objects.count() == 1
    read = counsellor.get(path).json()
    assert [p["status"] for p in read["schedule"] if p["code"] == "intake"] == ["done"]
    assert read["interviews"][0]["answers"]["street_heroin_days"] == 20


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"answers": answers(street_heroin_days=31)}, 400, "days_exceed_recall_period"),
        ({"answers": answers(arrests=-1)}, 400, "answer_negative"),
        ({"answers": answers(injecting_days=2.5)}, 422, "invalid_input"),
        ({"time_point": "month_6"}, 400, "interview_outside_window"),
        ({"time_point": "week_2"}, 422, "invalid_input"),
        ({"surprise": 1}, 422, "invalid_input"),
    ],
)
def test_bad_input_gets_its_code_and_nothing_is_written(
    personas: Personas, counsellor: Client, changes: dict[str, Any], status: int, code: str
) -> None:
    patient = enrolled_since(personas, 2)
    refused = _post(
        counsellor, f"/api/patients/{patient.client_code}/interviews", _body(patient, **changes)
    )
    assert refused.status_code == status, refused.content
    assert refused.json()["code"] == code
    assert not Interview.objects.exists()


def test_a_missed_interview_without_a_reason_is_refused(
    personas: Personas, counsellor: Client
) -> None:
    patient = enrolled_since(personas, 2)
    path = f"/api/patients/{patient.client_code}/interviews/missed"
    refused = _post(counsellor, path, {"time_point": "intake", "reason": ""})
    assert (refused.status_code, refused.json()["code"]) == (400, "missed_reason_required")
    made = _post(
        counsellor, path, {"time_point": "intake", "reason": "in_custody"}, key="missed-key-0001"
    )
    assert made.status_code == 201 and made.json()["missed_reason"] == "in_custody"


def test_the_instrument_is_served_with_its_items_and_recall_period(counsellor: Client) -> None:
    instruments = counsellor.get("/api/interview-instruments").json()
    core = next(i for i in instruments if i["key"] == "openhat-core")
    assert core["recall_days"] == 30
    days = next(i for i in core["items"] if i["code"] == "street_heroin_days")
    assert (days["type"], days["minimum"], days["maximum"]) == ("days", 0, 30)


def test_the_fhir_questionnaire_and_responses_validate(
    personas: Personas, counsellor: Client
) -> None:
    questionnaire = counsellor.get("/api/interview-instruments/openhat-core/1/fhir")
    assert questionnaire["Content-Type"] == "application/fhir+json"
    parsed = Questionnaire.model_validate_json(questionnaire.content)
    assert parsed.url == "urn:openhat:questionnaire:openhat-core" and parsed.version == "1"
    linked = {item.linkId for group in parsed.item or [] for item in group.item or []}
    assert {"street_heroin_days", "housing_status", "eq5d_vas"} <= linked

    patient = enrolled_since(personas, 2)
    _post(counsellor, f"/api/patients/{patient.client_code}/interviews", _body(patient))
    bundle = Bundle.model_validate_json(
        counsellor.get(f"/api/patients/{patient.client_code}/interviews/fhir").content
    )
    assert bundle.total == 1
    response = bundle.entry[0].resource  # type: ignore[index]
    assert response.questionnaire == "urn:openhat:questionnaire:openhat-core|1"
    assert response.subject.identifier.value == patient.client_code
    answered = {item.linkId: item.answer[0] for group in response.item for item in group.item}
    assert answered["street_heroin_days"].valueInteger == 20
    assert answered["shared_needles"].valueBoolean is False
    assert answered["housing_status"].valueCoding.code == "shelter"
    assert "eq5d_vas" not in answered  # not answered: left out, never sent as empty


def test_a_manager_sets_the_windows_over_the_api(personas: Personas) -> None:
    manager = sign_in(Client(), personas["manager"])
    path = "/api/clinics/ZRH/interview-settings"
    assert manager.get(path).json()["follow_up_closes_after"] == 30  # the default
    body = {
        "instrument_key": "openhat-core",
        "intake_opens_before": 30,
        "intake_closes_after": 14,
        "follow_up_opens_before": 10,
        "follow_up_closes_after": 46,
        "exit_opens_before": 14,
        "exit_closes_after": 30,
    }
    refused = manager.put(path, data=json.dumps(body), content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (400, "window_out_of_range")
    body["follow_up_closes_after"] = 21
    saved = manager.put(path, data=json.dumps(body), content_type="application/json")
    assert saved.status_code == 200 and saved.json()["follow_up_closes_after"] == 21
