"""Role x route cases for the pharmacy's JSON API (format: tests/access/cases.py; placeholders of the
pharmacy in tests/pharmacy/world.py)."""

from __future__ import annotations

from tests.access.cases import RouteCase

PHARMACY_API_CASES: list[RouteCase] = []
