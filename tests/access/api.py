"""The JSON API routes of the role x route matrix (format: tests/access/cases.py).

One RouteCase per API operation; `route` is "api:<METHOD> <path as in /api/openapi.json>".
Roles are the personas of clinic ZRH; the outsider is the manager of clinic OUT. Routes about the
caller's own account (me, clinics, tokens) answer the outsider normally.

Placeholders besides those of cases.py, filled by tests/test_role_matrix.py:
  {today}     (in data) the clinic's local date, ISO: a status change may not be in the future
  {token_id}  (in a path) an API token of the signed-in user
  {photo}     (a data value) a fresh small PNG upload
  {totp}      (in data) the signed-in user's current authenticator code
  {ready_code} a ZRH patient being assessed with every enrolment prerequisite, with an active
              order {line_id}, a suspended order {suspended_line_id} and a treatment consent
              {consent_id} (built by tests/test_role_matrix.py)
"""

from __future__ import annotations

from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
PATIENT_EDITORS = frozenset({"physician", "nurse", "counsellor", "manager"})
IDENTITY_READERS = frozenset({"physician", "nurse", "counsellor", "manager"})
STATUS_CHANGERS = frozenset({"physician", "manager"})
CONSENT_RECORDERS = frozenset({"physician", "nurse", "counsellor", "manager"})
PHYSICIANS = frozenset({"physician"})

OK = frozenset({200})
CREATED = frozenset({201})

NEW_PATIENT = {
    "clinic": "{clinic}",
    "legal_name": "Matrix Person",
    "date_of_birth": "1981-03-04",
    "sex": "unknown",
    "health_number": "",
}
IDENTITY = {
    "legal_name": "Test Person Corrected",
    "date_of_birth": "1975-05-17",
    "sex": "female",
    "health_number": "756.1234.5678.97",
}

ELIGIBLE_FACTS = {
    "date_of_birth": "1975-05-17",
    "years_dependent": "12",
    "years_injecting": "10",
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
}
TITRATION_ORDER = {
    "drug": "dam",
    "routes": ["iv"],
    "dose_min": "15",
    "dose_max": "30",
    "sessions_per_day": 2,
    "daily_max": "60",
    "phase": "titration",
    "reason": "matrix titration",
}
PATIENT = "/api/patients/{code}"
READY = "/api/patients/{ready_code}"
READY_SECRETS = ("{code}", "{ready_code}")
LINE_ROUTE = "api:POST /api/patients/{code}/orders/{line_id}"

# Routes for which the ZRH patient gets an ID photo before the request.
NEEDS_PHOTO = frozenset({"api:GET /api/patients/{code}/photo", "patients:photo"})

API_CASES: list[RouteCase] = [
    # --- the caller's own account ---------------------------------------------------------------
    RouteCase("api:GET /api/me", "GET", "/api/me", ALL_ROLES, OK, outsider_status=OK),
    RouteCase(
        "api:GET /api/clinics",
        "GET",
        "/api/clinics",
        ALL_ROLES,
        OK,
        outsider_status=OK,
        outsider_must_not_see=("{code}", "{clinic}"),
    ),
    RouteCase("api:GET /api/tokens", "GET", "/api/tokens", ALL_ROLES, OK, outsider_status=OK),
    RouteCase(
        "api:POST /api/tokens",
        "POST",
        "/api/tokens",
        ALL_ROLES,
        CREATED,
        outsider_status=CREATED,
        data={"name": "matrix device"},
        json=True,
    ),
    RouteCase(
        "api:DELETE /api/tokens/{token_id}",
        "DELETE",
        "/api/tokens/{token_id}",
        ALL_ROLES,
        OK,
        outsider_status=OK,
    ),
    # --- patients -------------------------------------------------------------------------------
    RouteCase("api:GET /api/patients", "GET", "/api/patients?clinic={clinic}", CHART_READERS, OK),
    RouteCase(
        "api:POST /api/patients",
        "POST",
        "/api/patients",
        PATIENT_EDITORS,
        CREATED,
        data=NEW_PATIENT,
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/merge",
        "POST",
        "/api/patients/{code}/merge",
        frozenset({"physician", "manager"}),
        OK,
        data={
            "survivor": "{ready_code}",
            "reason": "matrix: the same person twice",
            "totp_code": "{totp}",
        },
        json=True,
        outsider_must_not_see=("{code}", "{ready_code}"),
    ),
    RouteCase("api:GET /api/patients/{code}", "GET", "/api/patients/{code}", CHART_READERS, OK),
    RouteCase(
        "api:GET /api/patients/{code}/identity",
        "GET",
        "/api/patients/{code}/identity",
        IDENTITY_READERS,
        OK,
    ),
    RouteCase(
        "api:PUT /api/patients/{code}/identity",
        "PUT",
        "/api/patients/{code}/identity",
        PATIENT_EDITORS,
        OK,
        data=IDENTITY,
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/status",
        "POST",
        "/api/patients/{code}/status",
        STATUS_CHANGERS,
        OK,
        data={"to_status": "assessing", "effective_date": "{today}"},
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/photo",
        "POST",
        "/api/patients/{code}/photo",
        PATIENT_EDITORS,
        CREATED,
        data={"photo": "{photo}"},
    ),
    RouteCase(
        "api:GET /api/patients/{code}/photo",
        "GET",
        "/api/patients/{code}/photo",
        IDENTITY_READERS,
        OK,
    ),
    # --- eligibility, licences, consents, enrolment ----------------------------------------------
    RouteCase(
        "api:GET /api/patients/{code}/eligibility",
        "GET",
        f"{PATIENT}/eligibility",
        CHART_READERS,
        OK,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/eligibility",
        "POST",
        f"{PATIENT}/eligibility",
        PHYSICIANS,
        CREATED,
        data={"facts": ELIGIBLE_FACTS, "decision": "eligible"},
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/licences", "GET", f"{PATIENT}/licences", CHART_READERS, OK
    ),
    RouteCase(
        "api:POST /api/patients/{code}/licences",
        "POST",
        f"{PATIENT}/licences",
        CONSENT_RECORDERS,
        CREATED,
        data={
            "number": "BAG-MATRIX-1",
            "authority": "Federal Office of Public Health",
            "valid_from": "{today}",
            "valid_until": "2099-12-31",
        },
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/consents", "GET", f"{PATIENT}/consents", CHART_READERS, OK
    ),
    RouteCase(
        "api:POST /api/patients/{code}/consents",
        "POST",
        f"{PATIENT}/consents",
        CONSENT_RECORDERS,
        CREATED,
        data={"kind": "treatment", "given_on": "{today}"},
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/consents/{consent_id}/revoke",
        "POST",
        f"{READY}/consents/{{consent_id}}/revoke",
        CONSENT_RECORDERS,
        OK,
        data={"reason": "matrix revocation"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/enrol",
        "POST",
        f"{READY}/enrol",
        PHYSICIANS,
        CREATED,
        data={"start_date": "{today}"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    # --- orders ---------------------------------------------------------------------------------
    RouteCase("api:GET /api/patients/{code}/orders", "GET", f"{PATIENT}/orders", CHART_READERS, OK),
    RouteCase(
        "api:POST /api/patients/{code}/orders",
        "POST",
        f"{READY}/orders",
        PHYSICIANS,
        CREATED,
        data={**TITRATION_ORDER, "totp_code": "{totp}"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        f"{LINE_ROUTE}/supersede",
        "POST",
        f"{READY}/orders/{{line_id}}/supersede",
        PHYSICIANS,
        CREATED,
        data={**TITRATION_ORDER, "expected_version": 1, "totp_code": "{totp}"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        f"{LINE_ROUTE}/suspend",
        "POST",
        f"{READY}/orders/{{line_id}}/suspend",
        PHYSICIANS,
        OK,
        data={"reason": "matrix suspension"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        f"{LINE_ROUTE}/resume",
        "POST",
        f"{READY}/orders/{{suspended_line_id}}/resume",
        PHYSICIANS,
        OK,
        data={"reason": "matrix resumption", "totp_code": "{totp}"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        f"{LINE_ROUTE}/stop",
        "POST",
        f"{READY}/orders/{{line_id}}/stop",
        PHYSICIANS,
        OK,
        data={"reason": "matrix stop"},
        json=True,
        outsider_must_not_see=READY_SECRETS,
    ),
    RouteCase(
        "api:GET /api/orders/expiring",
        "GET",
        "/api/orders/expiring?clinic={clinic}",
        CHART_READERS,
        OK,
    ),
    # --- FHIR -----------------------------------------------------------------------------------
    RouteCase(
        "api:GET /api/patients/{code}/fhir/medication-requests",
        "GET",
        f"{PATIENT}/fhir/medication-requests",
        CHART_READERS,
        OK,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/fhir/consents",
        "GET",
        f"{PATIENT}/fhir/consents",
        CHART_READERS,
        OK,
    ),
    RouteCase(
        "api:GET /api/clinics/{clinic}/fhir/MedicationAdministration/{administration_id}",
        "GET",
        "/api/clinics/{clinic}/fhir/MedicationAdministration/{dosing_administration_id}",
        CHART_READERS,
        OK,
    ),
    RouteCase(
        "api:GET /api/clinics/{clinic}/fhir/Patient/{patient_id}/MedicationAdministration",
        "GET",
        "/api/clinics/{clinic}/fhir/Patient/{dosing_observing_patient_id}/MedicationAdministration",
        CHART_READERS,
        OK,
    ),
]
