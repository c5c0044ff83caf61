"""Role x route cases for the care API and its FHIR exports (format: tests/access/cases.py;
placeholders from tests/access/care_pages.CareWorld)."""

from __future__ import annotations

from tests.access.care_pages import (
    COUNSELLORS,
    DIRECTORY_KEEPERS,
    DIRECTORY_READERS,
    PARTNER_NAME,
    READERS,
)
from tests.access.cases import RouteCase

OK = frozenset({200})
CREATED = frozenset({201})
PATIENT = "/api/patients/{code}"
REFERRAL = f"{PATIENT}/referrals/{{referral_id}}"
GOAL = {"domain": "income", "goal": "Benefits", "owner": "patient", "target_on": "{today}"}
PARTNER = {"name": "Matrix API partner", "kinds": ["legal_aid"]}

CARE_API_CASES: list[RouteCase] = [
    RouteCase("api:GET /api/patients/{code}/care-plan", "GET", f"{PATIENT}/care-plan", READERS),
    RouteCase(
        "api:POST /api/patients/{code}/care-plan",
        "POST",
        "/api/patients/{ready_code}/care-plan",  # {code} has a plan already
        COUNSELLORS,
        CREATED,
        data={},
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/care-plan/goals",
        "POST",
        f"{PATIENT}/care-plan/goals",
        COUNSELLORS,
        CREATED,
        data=GOAL,
        json=True,
    ),
    RouteCase(
        "api:PUT /api/patients/{code}/care-plan/goals/{goal_id}",
        "PUT",
        f"{PATIENT}/care-plan/goals/{{goal_id}}",
        COUNSELLORS,
        OK,
        data=GOAL,
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/care-plan/reviews",
        "POST",
        f"{PATIENT}/care-plan/reviews",
        COUNSELLORS,
        CREATED,
        data={"note": "Reviewed over the API"},
        json=True,
    ),
    RouteCase("api:GET /api/patients/{code}/referrals", "GET", f"{PATIENT}/referrals", READERS),
    RouteCase(
        "api:POST /api/patients/{code}/referrals",
        "POST",
        f"{PATIENT}/referrals",
        COUNSELLORS,
        CREATED,
        data={
            "kind": "housing",
            "partner_id": "{partner_id}",
            "reason": "API referral",
            "follow_up_on": "{today}",
        },
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/referrals/{referral_id}", "GET", f"{REFERRAL}", READERS
    ),
    RouteCase(
        "api:POST /api/patients/{code}/referrals/{referral_id}/status",
        "POST",
        f"{REFERRAL}/status",
        COUNSELLORS,
        OK,
        data={"status": "sent", "follow_up_on": "{today}"},
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/referrals/{referral_id}/follow-up",
        "POST",
        f"{REFERRAL}/follow-up",
        COUNSELLORS,
        OK,
        data={"follow_up_on": "{today}"},
        json=True,
    ),
    RouteCase(
        "api:GET /api/clinics/{clinic}/partner-services",
        "GET",
        "/api/clinics/{clinic}/partner-services",
        DIRECTORY_READERS,
        outsider_must_not_see=(PARTNER_NAME,),
    ),
    RouteCase(
        "api:POST /api/clinics/{clinic}/partner-services",
        "POST",
        "/api/clinics/{clinic}/partner-services",
        DIRECTORY_KEEPERS,
        CREATED,
        data=PARTNER,
        json=True,
    ),
    RouteCase(
        "api:PUT /api/clinics/{clinic}/partner-services/{partner_id}",
        "PUT",
        "/api/clinics/{clinic}/partner-services/{partner_id}",
        DIRECTORY_KEEPERS,
        OK,
        data={"name": PARTNER_NAME, "kinds": ["housing"]},
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/fhir/care-plan", "GET", f"{PATIENT}/fhir/care-plan", READERS
    ),
    RouteCase(
        "api:GET /api/patients/{code}/fhir/service-requests",
        "GET",
        f"{PATIENT}/fhir/service-requests",
        READERS,
    ),
]
