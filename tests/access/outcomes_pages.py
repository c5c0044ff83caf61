"""The clinic outcomes report's routes in the role x route matrix (format: tests/access/cases.py).

Managers, physicians and auditors see the report; researchers see it aggregated; the other roles
are refused. The outsider (manager of clinic OUT) gets the report of their own clinic, which shows
no ZRH record.
"""

from __future__ import annotations

from tests.access.cases import RouteCase

OK = frozenset({200})
READERS = frozenset({"physician", "manager", "auditor", "researcher"})

OUTCOMES_PAGE_CASES = [
    RouteCase("outcomes:report", "GET", "/research/outcomes/", READERS, outsider_status=OK),
    RouteCase(
        "outcomes:report_pdf", "GET", "/research/outcomes/report.pdf", READERS, outsider_status=OK
    ),
    RouteCase(
        "outcomes:report_csv",
        "GET",
        "/research/outcomes/retention.csv",
        READERS,
        outsider_status=OK,
    ),
]
