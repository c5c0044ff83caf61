"""The matrix cases of the community log, the managers' public-report pages and the public report
itself (format: tests/access/cases.py).

The community log is for managers, physicians, nurses and counsellors; the public report's pages
for managers (MANAGE_SETTINGS); the public pages answer everyone, signed in or not (the signed-out
visitor: tests/outcomes/test_public_report.py). The world freezes last month's report of ZRH
(`build_public_report`); clinic OUT has none, so its public pages are "not found".
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from typing import Any

from django.utils import timezone

from openhat.community.services import record_entry
from openhat.outcomes import public_services
from openhat.outcomes.public_counts import Month
from tests.access.cases import ALL_ROLES, RouteCase

LOG_KEEPERS = frozenset({"manager", "physician", "nurse", "counsellor"})
MANAGERS = frozenset({"manager"})
OK = frozenset({200})
REDIRECT = frozenset({302})
REFUSED = frozenset({400})
# Last month in Zurich when the cases were made; the world freezes this very month.
_TODAY = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Europe/Zurich")).date()
PERIOD = Month.of(_TODAY.year, _TODAY.month).shifted(-1).key
REPORT = f"/public/clinics/{{clinic}}/reports/{PERIOD}/"

ENTRY_FORM = {
    "occurred_on": "{today}",
    "category": "meeting",
    "description": "Matrix: met the neighbours.",
    "action_taken": "Listened.",
    "action": "save",
}


def _public(route: str, path: str) -> RouteCase:
    return RouteCase(route, "GET", path, ALL_ROLES, OK, outsider_status=OK)


PUBLIC_REPORT_PAGE_CASES = [
    RouteCase("community:log", "GET", "/community/", LOG_KEEPERS, OK, outsider_status=OK),
    RouteCase("community:new_entry", "GET", "/community/new/", LOG_KEEPERS, OK, outsider_status=OK),
    RouteCase(
        "community:new_entry",
        "POST",
        "/community/new/",
        LOG_KEEPERS,
        REDIRECT,
        outsider_status=REDIRECT,
        data=ENTRY_FORM,
    ),
    RouteCase("public_reports:list", "GET", "/public-reports/", MANAGERS, OK, outsider_status=OK),
    RouteCase(
        "public_reports:threshold",
        "GET",
        "/public-reports/threshold/",
        MANAGERS,
        OK,
        outsider_status=OK,
    ),
    RouteCase(
        "public_reports:threshold",
        "POST",
        "/public-reports/threshold/",
        MANAGERS,
        REDIRECT,
        outsider_status=REDIRECT,
        data={"small_cell_threshold": "12"},
    ),
    RouteCase(
        "public_reports:period",
        "GET",
        f"/public-reports/{PERIOD}/",
        MANAGERS,
        OK,
        outsider_status=OK,
    ),
    # ZRH's month is frozen already with these figures: freezing again answers with version 1
    # (302). OUT's month is empty, and figures other than those shown are refused (400).
    RouteCase(
        "public_reports:period",
        "POST",
        f"/public-reports/{PERIOD}/",
        MANAGERS,
        REDIRECT,
        outsider_status=REFUSED,
        data={"sha256": "0" * 64, "confirm": "on"},
    ),
    # A clinic's list of published months is a page for any clinic (an empty state for one that
    # has published nothing), so it names ZRH outright rather than {clinic}.
    _public("public:index", "/public/clinics/ZRH/reports/"),
    _public("public:report", REPORT),
    _public("public:pdf", f"{REPORT}report.pdf"),
    _public("public:report_version", f"{REPORT}v1/"),
    _public("public:pdf_version", f"{REPORT}v1/report.pdf"),
]


def build_public_report(personas: Any) -> None:
    """A community log entry in PERIOD and PERIOD frozen for ZRH (version 1)."""
    manager = personas["manager"]
    record_entry(
        actor=manager,
        clinic=personas.clinic,
        occurred_on=Month.of(int(PERIOD[:4]), int(PERIOD[5:])).first + timedelta(days=1),
        category="complaint",
        description="Matrix: litter near the entrance.",
        action_taken="Swept it.",
    )
    shown = public_services.preview(actor=manager, clinic=personas.clinic, period=PERIOD)
    public_services.freeze(
        actor=manager, clinic=personas.clinic, period=PERIOD, expected_sha256=shown.sha256
    )
