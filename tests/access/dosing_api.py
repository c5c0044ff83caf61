"""Role x route cases for the dosing station's JSON API (format: tests/access/cases.py; the
placeholders of the dosing world are listed in tests/dosing/world.py)."""

from __future__ import annotations

from tests.access.cases import RouteCase

DOSING_API_CASES: list[RouteCase] = []
