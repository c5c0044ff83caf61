"""Role x route cases for the dosing board, its refresh fragment and the day sheet (format:
tests/access/cases.py; the dosing placeholders are in tests/dosing/world.py).

Who: every role that reads charts (VIEW_DOSING: physician, nurse, pharmacist, pharmacy
technician, counsellor, manager, auditor); researchers never see a board or a sheet. These pages
list the caller's own clinic, so the outsider (manager of clinic OUT) gets OUT's board and sheet,
in which nothing of ZRH may appear.
"""

from __future__ import annotations

from tests.access.cases import ALL_ROLES, RouteCase

DOSING_READERS = ALL_ROLES - {"researcher"}
OK = frozenset({200})
# Any ZRH client code (they all start so); the outsider's pages are clinic OUT's.
ZRH_PATIENTS = ("{code}", "ZRH-")

DOSING_BOARD_PAGE_CASES: list[RouteCase] = [
    RouteCase(
        "dosing:board",
        "GET",
        "/dosing/?window={dosing_window}&day={dosing_day}",
        DOSING_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    RouteCase(
        "dosing:board_rows",
        "GET",
        "/dosing/rows/?window={dosing_window}&day={dosing_day}",
        DOSING_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    RouteCase(
        "dosing:day_sheet",
        "GET",
        "/dosing/day-sheet/?day={dosing_day}",
        DOSING_READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
]
