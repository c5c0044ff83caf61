"""The research exports page and the clinic's FHIR export in the role x route matrix (format: tests/access/cases.py).

Only researchers open it, make exports and download them (Capability.EXPORT_RESEARCH); every
other role of ZRH gets 403, and so does the outsider (a manager, in clinic OUT). The matrix world
has no study: a researcher's export for an unknown study is refused as "not found" with the page,
and a download of an export that does not exist is "not found". tests/research/test_views.py
makes and downloads real exports.
"""

from __future__ import annotations

from tests.access.cases import RouteCase

RESEARCHERS = frozenset({"researcher"})
FORBIDDEN = frozenset({403})
NOT_FOUND = frozenset({404})


def _case(method: str, route: str, path: str, **extra: object) -> RouteCase:
    return RouteCase(
        route=route,
        method=method,
        path=path,
        allowed=RESEARCHERS,
        outsider_status=FORBIDDEN,
        outsider_must_not_see=(),
        **extra,  # type: ignore[arg-type]
    )


RESEARCH_API_CASES = [
    # The clinic's own full FHIR export: managers only; clinic OUT's manager does not see ZRH.
    RouteCase(
        route="api:GET /api/clinics/{clinic}/fhir/export",
        method="GET",
        path="/api/clinics/{clinic}/fhir/export",
        allowed=frozenset({"manager"}),
    ),
]
RESEARCH_PAGE_CASES = [
    _case("GET", "research:exports", "/research/exports/"),
    _case(
        "POST",
        "research:exports",
        "/research/exports/",
        data={"study": "no-such-study", "kind": "tables"},
        ok_status=NOT_FOUND,
    ),
    _case("GET", "research:download", "/research/exports/999999/download/", ok_status=NOT_FOUND),
]
