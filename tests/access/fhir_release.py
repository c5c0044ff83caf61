"""The per-patient FHIR Bundle and the release-of-information routes in the role x route matrix
(format: tests/access/cases.py)."""

from __future__ import annotations

from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
OK = frozenset({200})

FHIR_RELEASE_API_CASES = [
    RouteCase(
        "api:GET /api/patients/{code}/fhir/bundle",
        "GET",
        "/api/patients/{code}/fhir/bundle",
        CHART_READERS,
        OK,
    ),
]
FHIR_RELEASE_PAGE_CASES: list[RouteCase] = []
