"""The JSON API routes of the role x route matrix (format: tests/access/cases.py).

One RouteCase per API operation; `route` is "api:<METHOD> <path as in /api/openapi.json>".
Roles are the personas of clinic ZRH; the outsider is the manager of clinic OUT. Routes about the
caller's own account (me, clinics, tokens) answer the outsider normally.

Placeholders besides those of cases.py, filled by tests/test_role_matrix.py:
  {today}     (in data) the clinic's local date, ISO: a status change may not be in the future
  {token_id}  (in a path) an API token of the signed-in user
  {photo}     (a data value) a fresh small PNG upload
"""

from __future__ import annotations

from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
PATIENT_EDITORS = frozenset({"physician", "nurse", "counsellor", "manager"})
IDENTITY_READERS = frozenset({"physician", "nurse", "counsellor", "manager"})
STATUS_CHANGERS = frozenset({"physician", "manager"})

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
]
