"""The pilot planner's JSON API in the role x route matrix (format: tests/access/cases.py).

Like its pages, the planner's API asks for no clinical role: every signed-in user or token, the
outsider too, gets the same answers. The scenario read uses a well-formed key no scenario has
(tests/pilot/test_api.py reads real ones).
"""

from __future__ import annotations

from openhat import planner
from tests.access.cases import ALL_ROLES, RouteCase
from tests.access.pilot_pages import UNKNOWN_KEY

OK = frozenset({200})
CREATED = frozenset({201})
NOT_FOUND = frozenset({404})

_INPUTS = planner.LocalInputs.example_us_city().to_dict()


def _everyone(method: str, path: str, **extra: object) -> RouteCase:
    ok = extra.pop("ok_status", OK)
    return RouteCase(
        route=f"api:{method} {path.split('?')[0]}",
        method=method,
        path=path,
        allowed=ALL_ROLES,
        ok_status=ok,  # type: ignore[arg-type]
        outsider_status=ok,  # type: ignore[arg-type]
        outsider_must_not_see=(),
        **extra,  # type: ignore[arg-type]
    )


PILOT_API_CASES = [
    _everyone("GET", "/api/planner/example"),
    _everyone(
        "POST",
        "/api/planner/scenarios",
        data={"title": "Matrix scenario", "inputs": _INPUTS},
        json=True,
        ok_status=CREATED,
    ),
    RouteCase(
        route="api:GET /api/planner/scenarios/{share_key}/plan",
        method="GET",
        path=f"/api/planner/scenarios/{UNKNOWN_KEY}/plan",
        allowed=ALL_ROLES,
        ok_status=NOT_FOUND,
        outsider_status=NOT_FOUND,
        outsider_must_not_see=(),
    ),
    RouteCase(
        route="api:GET /api/planner/scenarios/{share_key}",
        method="GET",
        path=f"/api/planner/scenarios/{UNKNOWN_KEY}",
        allowed=ALL_ROLES,
        ok_status=NOT_FOUND,
        outsider_status=NOT_FOUND,
        outsider_must_not_see=(),
    ),
]
