"""Role x route cases for the pharmacy's registers and reports, pages and API (format:
tests/access/cases.py; placeholders of the pharmacy in tests/pharmacy/world.py)."""

from __future__ import annotations

from tests.access.cases import RouteCase

PHARMACY_REPORT_PAGE_CASES: list[RouteCase] = []
PHARMACY_REPORT_API_CASES: list[RouteCase] = []
