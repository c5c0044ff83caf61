"""The pilot planner's pages in the role x route matrix (format: tests/access/cases.py).

The planner holds no patient data and asks for no clinical role: every signed-in user, of any
role and of any clinic (the outsider too), gets the same pages. A shared scenario's link is its
only key; the matrix sends a well-formed key no scenario has, which is "not found" to everyone
(tests/pilot/test_views.py opens real links).
"""

from __future__ import annotations

from openhat import planner
from openhat.pilot import scenario_json
from openhat.pilot.forms import initial_values
from tests.access.cases import ALL_ROLES, RouteCase

OK = frozenset({200})
NOT_FOUND = frozenset({404})
UNKNOWN_KEY = ("N0tAScenarioKey" * 3)[:43]  # shaped like a real key (43 characters)

_EXAMPLE = planner.LocalInputs.example_us_city()
_FORM = {**initial_values(_EXAMPLE), "scenario_title": "Matrix scenario", "action": "show"}
_FILE = scenario_json.dumps("Matrix scenario", _EXAMPLE, planner.PARAMETERS_VERSION)


def _everyone(route: str, method: str, path: str, **extra: object) -> RouteCase:
    return RouteCase(
        route=route,
        method=method,
        path=path,
        allowed=ALL_ROLES,
        outsider_status=extra.pop("outsider_status", OK),  # type: ignore[arg-type]
        outsider_must_not_see=(),
        **extra,  # type: ignore[arg-type]
    )


PILOT_PAGE_CASES = [
    _everyone("pilot:start", "GET", "/planner/"),
    _everyone("pilot:start", "POST", "/planner/", data=_FORM),
    _everyone("pilot:load", "GET", "/planner/load/"),
    _everyone("pilot:load", "POST", "/planner/load/", data={"text": _FILE}),
    _everyone(
        "pilot:scenario",
        "GET",
        f"/planner/s/{UNKNOWN_KEY}/",
        ok_status=NOT_FOUND,
        outsider_status=NOT_FOUND,
    ),
    _everyone(
        "pilot:scenario_pdf",
        "GET",
        f"/planner/s/{UNKNOWN_KEY}/brief.pdf",
        ok_status=NOT_FOUND,
        outsider_status=NOT_FOUND,
    ),
    _everyone(
        "pilot:scenario_export",
        "GET",
        f"/planner/s/{UNKNOWN_KEY}/scenario.json",
        ok_status=NOT_FOUND,
        outsider_status=NOT_FOUND,
    ),
]
