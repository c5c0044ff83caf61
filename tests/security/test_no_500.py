"""No input gives a 500: the cases of the fuzzing report, then the same class on every route.

The named cases come first (each was a 500): far dates on the board, the ledger and FHIR, a NUL in
a patient's path, 1e30 as a pharmacy quantity, Arabic-Indic digits as a dose, a decimal comma.
Then every write of the role matrix (tests/access/, pages and API alike) is sent with each
hostile number in each of its number fields and each hostile date in each of its date fields, and
every read with hostile query values: never a 5xx, and a refused write records nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from openhat.audit.models import AuditEvent
from openhat.pharmacy.models import LedgerEntry
from tests.access.cases import RouteCase
from tests.conftest import sign_in
from tests.test_role_matrix import (  # noqa: F401  (fixtures used below)
    ALL_CASES,
    World,
    send,
    shared_world,
    world,
)

pytestmark = pytest.mark.django_db

ROLE_PREFERENCE = ("nurse", "physician", "pharmacist", "manager", "counsellor")


def _client(world: World, role: str) -> Client:  # noqa: F811
    return sign_in(Client(), world.personas[role])


def _error_code(response: Any) -> str | None:
    if response["Content-Type"].startswith("application/json"):
        return response.json().get("code")
    return None


# --- the named cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "statuses", "code"),
    [
        ("nurse", "/api/clinics/ZRH/dosing/board?day=0001-01-01", {422}, "date_out_of_range"),
        ("nurse", "/api/clinics/ZRH/dosing/board?day=9999-12-31", {422}, "date_out_of_range"),
        ("nurse", "/api/clinics/ZRH/dosing/board?day=2020-01-01", {400}, "day_out_of_range"),
        ("nurse", "/dosing/?day=0001-01-01", {400}, None),
        ("nurse", "/dosing/?day=9999-12-31", {400}, None),
        ("nurse", "/dosing/day-sheet/?day=9999-12-31", {200, 400}, None),
        ("pharmacist", "/pharmacy/ledger/?until=9999-12-31", {400}, None),
        ("pharmacist", "/pharmacy/ledger/?since=0001-01-01", {400}, None),
        (
            "pharmacist",
            "/api/clinics/ZRH/pharmacy/ledger?until=9999-12-31",
            {422},
            "date_out_of_range",
        ),
        (
            "physician",
            "/api/clinics/ZRH/fhir/Patient/{patient}/MedicationAdministration?to=9999-12-31",
            {400},
            "date_out_of_range",
        ),
        (
            "physician",
            "/api/clinics/ZRH/fhir/Patient/{patient}/MedicationAdministration?from=0001-01-01",
            {400},
            "date_out_of_range",
        ),
        ("nurse", "/patients/%00/", {404}, None),
        ("nurse", "/patients/%00/identity/", {404}, None),
        ("nurse", "/api/patients/%00", {404}, "not_found"),
        ("nurse", "/patients/?q=%00", {400}, None),
        ("nurse", "/api/patients?q=%01", {400}, "control_character"),  # the middleware
    ],
)
def test_a_reported_500_is_now_a_clear_refusal(
    world: World,  # noqa: F811
    role: str,
    path: str,
    statuses: set[int],
    code: str | None,
) -> None:
    response = _client(world, role).get(path.replace("{patient}", world.patient.client_code))

    assert response.status_code in statuses, response.content[:300]
    if code is not None:
        assert _error_code(response) == code


def test_the_ledger_page_names_the_date_it_refuses(world: World) -> None:  # noqa: F811
    response = _client(world, "pharmacist").get("/pharmacy/ledger/?until=9999-12-31")

    assert b"Choose a date from" in response.content


PHARMACY_QUANTITY = {
    "lot": "{methadone_lot_id}",
    "from_location": "{safe_id}",
    "to_location": "{dosing_room_id}",
    "unit": "ml",
}


@pytest.mark.parametrize(
    ("quantity", "status", "code"),
    [
        ("1e30", 422, "number_not_plain"),
        (1e30, 422, "number_out_of_range"),
        ("1,5", 422, "decimal_comma"),
        ("١٠", 422, "digits_not_ascii"),  # noqa: RUF001
        ("99999999999999999999", 422, "number_too_large"),
    ],
)
def test_a_hostile_pharmacy_quantity_is_refused_by_the_api(
    world: World,  # noqa: F811
    quantity: object,
    status: int,
    code: str,
) -> None:
    body = {**PHARMACY_QUANTITY, "quantity": quantity}
    filled = json.loads(world.fill(json.dumps(body), "pharmacist"))
    before = LedgerEntry.objects.count()

    response = _client(world, "pharmacist").post(
        "/api/clinics/ZRH/pharmacy/transfers", filled, content_type="application/json"
    )

    assert response.status_code == status, response.content[:300]
    assert _error_code(response) == code
    assert LedgerEntry.objects.count() == before


def test_a_decimal_comma_on_a_page_is_answered_with_use_a_point(world: World) -> None:  # noqa: F811
    data = {
        "stock": world.fill("{methadone_lot_id}:{safe_id}", "pharmacist"),
        "to_location": world.fill("{dosing_room_id}", "pharmacist"),
        "amount": "1,5",
        "unit": "ml",
    }
    before = LedgerEntry.objects.count()

    response = _client(world, "pharmacist").post("/pharmacy/transfer/", data)

    assert response.status_code < 500
    assert b"with a point, not a comma: 1.5" in response.content
    assert LedgerEntry.objects.count() == before


def test_arabic_indic_digits_are_not_taken_as_a_dose(world: World) -> None:  # noqa: F811
    path = world.fill("/api/clinics/ZRH/dosing/sessions/{dosing_session_id}/decision", "nurse")
    body = {"drug": "dam", "route": "iv", "dose_mg": "١٢٠"}

    response = _client(world, "nurse").post(path, body, content_type="application/json")

    assert response.status_code == 422, response.content[:300]
    assert _error_code(response) == "digits_not_ascii"
    assert "0 to 9" in response.json()["message"]


# --- the same class everywhere ----------------------------------------------------------------

NUMBER_FIELD = re.compile(
    r"^(quantity|amount(_\d+)?|vials|strength|reorder_level_mg|dose_mg|dose_min|dose_max|"
    r"daily_max|breath_alcohol_mg_per_l|naloxone_dose_mg|counted|max_daily_dose_mg|"
    r"daily_dose_mg|years_\w+|share_of_\w+)$"
)
DATE_FIELD = re.compile(r"^(\w+_on|\w+_date|valid_from|valid_until|since|until|day)$")
HOSTILE_NUMBERS = ("1e30", "١٢٠", "1,5", "99999999999999999999", "NaN")
HOSTILE_DATES = ("9999-12-31", "0001-01-01")


def _role_for(case: RouteCase) -> str | None:
    return next((role for role in ROLE_PREFERENCE if role in case.allowed), None)


def _fields(data: Any, pattern: re.Pattern[str], prefix: str = "") -> list[str]:
    """Paths ("facts.years_dependent", "lines.0.counted") of the fields whose name matches."""
    found: list[str] = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        path = f"{prefix}{key}"
        if isinstance(value, dict | list):
            found += _fields(value, pattern, f"{path}.")
        elif isinstance(key, str) and pattern.match(key):
            found.append(path)
    return found


def _replaced(data: Any, path: str, value: object) -> Any:
    copied = json.loads(json.dumps(data))
    *parents, last = path.split(".")
    target = copied
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return copied


def _writes(pattern: re.Pattern[str], values: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(case, field, value, id=f"{case.method} {case.path} {field}={value!r}")
        for case in ALL_CASES
        if case.method != "GET" and _role_for(case) is not None
        for field in _fields(case.data, pattern)
        for value in values
    ]


def _send_changed(matrix: World, case: RouteCase, field: str, value: str) -> tuple[Any, int, int]:
    """The answer, and the audit events before and after (signing in writes one, so it comes
    first)."""
    role = _role_for(case)
    assert role is not None
    client = _client(matrix, role)
    changed = RouteCase(
        case.route,
        case.method,
        case.path,
        case.allowed,
        data=_replaced(case.data, field, value),
        json=case.json,
    )
    before = AuditEvent.objects.count()
    response = send(client, matrix, changed, role)
    return response, before, AuditEvent.objects.count()


@pytest.mark.parametrize(("case", "field", "value"), _writes(NUMBER_FIELD, HOSTILE_NUMBERS))
def test_no_write_takes_a_hostile_number(
    world: World,  # noqa: F811
    case: RouteCase,
    field: str,
    value: str,
) -> None:
    response, before, after = _send_changed(world, case, field, value)

    assert response.status_code < 500, response.content[:300]
    assert after == before, f"{field}={value!r} was recorded"


@pytest.mark.parametrize(("case", "field", "value"), _writes(DATE_FIELD, HOSTILE_DATES))
def test_no_write_takes_a_date_out_of_range(
    world: World,  # noqa: F811
    case: RouteCase,
    field: str,
    value: str,
) -> None:
    response, before, after = _send_changed(world, case, field, value)

    assert response.status_code < 500, response.content[:300]
    assert after == before, f"{field}={value!r} was recorded"


HOSTILE_QUERIES = {
    "far future": "9999-12-31",
    "year one": "0001-01-01",
    "an exponent": "1e30",
    "a huge number": "99999999999999999999",
    "other digits": "٢٠٢٦",
}
QUERY_NAMES = (
    "day", "since", "until", "from", "to", "on", "year", "month", "limit", "offset", "product",
    "lot", "location", "window", "q", "kind", "status", "group", "clinic",
)  # fmt: skip


@pytest.mark.parametrize(
    ("case", "value"),
    [
        pytest.param(case, value, id=f"{case.path} {name}")
        for case in ALL_CASES
        if case.method == "GET" and _role_for(case) is not None
        for name, value in HOSTILE_QUERIES.items()
    ],
)
def test_no_read_fails_on_hostile_query_values(
    world: World,  # noqa: F811
    case: RouteCase,
    value: str,
) -> None:
    role = _role_for(case)
    assert role is not None
    path = world.fill(case.path, role)
    query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
    separator = "&" if "?" in path else "?"

    response = _client(world, role).get(f"{path}{separator}{query}")

    assert response.status_code < 500, response.content[:300]
