"""Role x route cases for the pharmacy's registers and reports, pages and API (format:
tests/access/cases.py; placeholders of the pharmacy in tests/pharmacy/world.py).

Registers and reports are read by everyone who may see all of the clinic's stock (VIEW_STOCK):
pharmacists, physicians, pharmacy technicians, managers and auditors. Nurses see the dosing room's
stock only, so not the registers; counsellors and researchers see no stock.

The pages work in the session's clinic: the outsider (manager of OUT) gets OUT's own consumption,
inventory and losses, and 404 for the register of a ZRH product. The API names the clinic, so the
outsider asking for ZRH, and every ZRH role asking for OUT, gets 404.
"""

from __future__ import annotations

from tests.access.cases import RouteCase

STOCK_READERS = frozenset({"physician", "pharmacist", "pharmacy_technician", "manager", "auditor"})
OWN_CLINIC = frozenset({200})
REPORTS = "/pharmacy/reports"
REGISTER_QUERY = "?product={solution_product_id}"


def _page(name: str, path: str, *, outsider_status: frozenset[int] = OWN_CLINIC) -> RouteCase:
    return RouteCase(
        f"pharmacy_reports:{name}", "GET", path, STOCK_READERS, outsider_status=outsider_status
    )


NOT_FOUND = frozenset({404})

PHARMACY_REPORT_PAGE_CASES: list[RouteCase] = [
    _page("index", f"{REPORTS}/"),
    _page("register", f"{REPORTS}/register/{REGISTER_QUERY}", outsider_status=NOT_FOUND),
    _page("register_csv", f"{REPORTS}/register/csv/{REGISTER_QUERY}", outsider_status=NOT_FOUND),
    _page("register_pdf", f"{REPORTS}/register/pdf/{REGISTER_QUERY}", outsider_status=NOT_FOUND),
    _page("consumption", f"{REPORTS}/consumption/"),
    _page("consumption_csv", f"{REPORTS}/consumption/csv/"),
    _page("inventory", f"{REPORTS}/inventory/"),
    _page("inventory_csv", f"{REPORTS}/inventory/csv/"),
    _page("losses", f"{REPORTS}/losses/"),
    _page("losses_csv", f"{REPORTS}/losses/csv/"),
]

API = "/api/clinics/{clinic}/pharmacy"


def _api(operation: str, query: str = "") -> RouteCase:
    return RouteCase(
        f"api:GET {API}/{operation}", "GET", f"{API}/{operation}{query}", STOCK_READERS
    )


PHARMACY_REPORT_API_CASES: list[RouteCase] = [
    _api("register", "?product={product_id}"),
    _api("consumption"),
    _api("inventory"),
    _api("losses"),
]
