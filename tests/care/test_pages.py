"""The care pages through the test client: counsellors write, nurses and physicians read, every
read of a patient's care record is logged, bad input is a 400 with the field, never a 500."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from openhat.audit.models import AccessLog
from openhat.care.models import CareGoal, CarePlan, CarePlanReview, PartnerService, Referral
from openhat.patients.models import Patient
from tests.care.conftest import plan_referral, start_plan
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _goal_form(today: date, **changes: str) -> dict[str, str]:
    values = {
        "domain": "housing",
        "goal": "A room of my own",
        "patient_words": "Somewhere quiet",
        "actions": "Call the housing office",
        "owner": "shared",
        "target_on": (today + timedelta(days=60)).isoformat(),
        "status": "in_progress",
        "review_note": "",
        "idempotency_key": "page-goal-00000001",
    }
    values.update(changes)
    return values


def test_a_counsellor_starts_a_plan_adds_a_goal_and_reviews_it(
    personas: Personas, patient: Patient, client_for: Any, today: date
) -> None:
    client = client_for("counsellor")
    code = patient.client_code

    empty = client.get(f"/care/patients/{code}/")
    assert empty.status_code == 200
    assert b"No care plan yet" in empty.content

    assert client.post(f"/care/patients/{code}/start/").status_code == 302
    response = client.post(f"/care/patients/{code}/goals/new/", _goal_form(today))
    assert response.status_code == 302
    goal = CareGoal.objects.get()
    page = client.get(f"/care/patients/{code}/")
    assert b"Somewhere quiet" in page.content

    response = client.post(
        f"/care/patients/{code}/review/",
        {
            "note": "Went well",
            f"goal_{goal.pk}_status": "achieved",
            f"goal_{goal.pk}_note": "moved in",
            "idempotency_key": "page-review-000001",
        },
    )
    assert response.status_code == 302
    assert CarePlanReview.objects.count() == 1
    goal.refresh_from_db()
    assert goal.status == "achieved"


@pytest.mark.parametrize("role", ["nurse", "physician"])
def test_nurses_and_physicians_read_but_see_no_write_buttons(
    personas: Personas, patient: Patient, client_for: Any, role: str
) -> None:
    start_plan(personas, patient)
    before = AccessLog.objects.filter(patient=patient, record="care_record").count()

    page = client_for(role).get(f"/care/patients/{patient.client_code}/")

    assert page.status_code == 200
    assert b"Review the plan" not in page.content
    assert b"Plan a referral" not in page.content
    assert AccessLog.objects.filter(patient=patient, record="care_record").count() == before + 1
    assert client_for(role).post(f"/care/patients/{patient.client_code}/start/").status_code == 403


@pytest.mark.parametrize("role", ["researcher", "pharmacist", "auditor"])
def test_roles_without_care_get_nothing(
    personas: Personas, patient: Patient, client_for: Any, role: str
) -> None:
    start_plan(personas, patient)
    page = client_for(role).get(f"/care/patients/{patient.client_code}/")
    assert page.status_code == 403
    assert not AccessLog.objects.filter(record="care_record").exists()


def test_another_clinics_patient_is_404(
    personas: Personas, other_patient: Patient, client_for: Any
) -> None:
    page = client_for("counsellor").get(f"/care/patients/{other_patient.client_code}/")
    assert page.status_code == 404
    assert other_patient.client_code.encode() not in page.content


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"domain": "astrology"}, b"Select a valid choice"),
        ({"target_on": "31.12.2026"}, b"Enter a valid date"),
        ({"target_on": "0001-01-01"}, b"date"),
        ({"goal": ""}, b"required"),
        ({"goal": "bad\x01text"}, b"control character"),
    ],
)
def test_bad_goal_input_is_a_400_and_writes_nothing(
    personas: Personas,
    patient: Patient,
    client_for: Any,
    today: date,
    changes: dict[str, str],
    field_text: bytes,
) -> None:
    start_plan(personas, patient)
    response = client_for("counsellor").post(
        f"/care/patients/{patient.client_code}/goals/new/", _goal_form(today, **changes)
    )
    assert response.status_code == 400
    assert field_text in response.content
    assert not CareGoal.objects.exists()


def test_a_referral_is_planned_sent_only_with_consent_and_ended_with_confirmation(
    personas: Personas, patient: Patient, partner: PartnerService, client_for: Any, today: date
) -> None:
    client = client_for("counsellor")
    code = patient.client_code
    response = client.post(
        f"/care/patients/{code}/referrals/new/",
        {
            "kind": "housing",
            "partner": str(partner.pk),
            "reason": "Needs a room",
            "sends_data": ["identity"],
            "follow_up_on": (today + timedelta(days=7)).isoformat(),
            "idempotency_key": "page-referral-0001",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    url = f"/care/patients/{code}/referrals/{referral.pk}/"

    refused = client.post(
        url, {"status": "sent", "follow_up_on": (today + timedelta(days=3)).isoformat()}
    )
    assert refused.status_code == 400
    assert b"no release-of-information consent for Housing First Zurich" in refused.content
    assert Referral.objects.get().status == "planned"

    unconfirmed = client.post(url, {"status": "declined", "note": "changed plans"})
    assert unconfirmed.status_code == 400
    assert Referral.objects.get().status == "planned"
    confirmed = client.post(
        url, {"status": "declined", "note": "changed plans", "confirm_final": "on"}
    )
    assert confirmed.status_code == 302
    assert Referral.objects.get().status == "declined"


def test_a_referral_of_another_patient_is_404(
    personas: Personas, patient: Patient, partner: PartnerService, client_for: Any
) -> None:
    from tests.conftest import register_zrh_patient

    referral = plan_referral(personas, register_zrh_patient(personas), partner, sends_data=[])
    response = client_for("counsellor").get(
        f"/care/patients/{patient.client_code}/referrals/{referral.pk}/"
    )
    assert response.status_code == 404


def test_partner_directory_by_counsellors_and_managers(personas: Personas, client_for: Any) -> None:
    data = {"name": "Legal aid desk", "kinds": ["legal_aid"], "is_active": "on"}
    assert client_for("manager").post("/care/partners/new/", data).status_code == 302
    assert client_for("nurse").post("/care/partners/new/", data).status_code == 403
    assert client_for("nurse").get("/care/partners/").status_code == 200
    assert client_for("researcher").get("/care/partners/").status_code == 403
    duplicate = client_for("counsellor").post("/care/partners/new/", data)
    assert duplicate.status_code == 400
    assert b"already lists" in duplicate.content
    assert PartnerService.objects.count() == 1


def test_the_chart_links_to_the_care_plan_for_readers_only(
    personas: Personas, patient: Patient, client_for: Any
) -> None:
    link = f"/care/patients/{patient.client_code}/".encode()
    assert link in client_for("nurse").get(f"/patients/{patient.client_code}/").content
    assert link not in client_for("pharmacist").get(f"/patients/{patient.client_code}/").content
    assert CarePlan.objects.count() == 0
