"""Role x route cases for the pharmacy's pages (format: tests/access/cases.py; placeholders of the
pharmacy in tests/pharmacy/world.py)."""

from __future__ import annotations

from tests.access.cases import RouteCase

PHARMACY_PAGE_CASES: list[RouteCase] = []
