"""Every API write is safe to retry: one test over all writes, found in the OpenAPI description.

For each write (POST, PUT, PATCH, DELETE) of /api/openapi.json, sent as a role allowed to make it
with the role matrix's valid request (tests/access/):
  - the description offers an `Idempotency-Key` header;
  - a repeat with the same key answers as the first request did and writes no row anywhere;
  - the same key with a different request is 409 `idempotency_key_reused` and writes nothing.
A new write without a key, or without a row in CHANGED below, fails here.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from openhat.api import api
from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.patients.services import clinic_today
from openhat.pharmacy.services import receive_stock
from tests.access.cases import RouteCase
from tests.conftest import USUAL_WINDOWS, sign_in
from tests.test_role_matrix import (  # noqa: F401  (fixtures used below)
    API_CASES,
    World,
    shared_world,
    world,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "put", "patch", "delete"}
# The role that makes each write, first that the matrix allows.
ROLE_PREFERENCE = ("physician", "nurse", "pharmacist", "manager", "counsellor")
KEY = "retry-table-0001"

# How to change each write's request (a valid one: the key is checked before the work), as
# (field, value) set on the JSON body ("a.b" in a nested object); "+" appends to the field's text.
# "path" asks for the matrix's placeholder again (a token: a new one), "photo" sends another
# image, "query" adds a query string.
CHANGED: dict[str, tuple[str, Any]] = {
    "POST /api/tokens": ("name", "+ second"),
    "POST /api/planner/scenarios": ("title", "+ second"),
    "DELETE /api/tokens/{token_id}": ("path", None),
    "POST /api/patients": ("legal_name", "+ Second"),
    "PUT /api/patients/{code}/identity": ("legal_name", "+ Second"),
    "POST /api/patients/{code}/status": ("note", "a second request"),
    "POST /api/patients/{code}/photo": ("photo", None),
    "POST /api/patients/{code}/merge": ("reason", "+ again"),
    "POST /api/patients/{code}/eligibility": ("facts.years_dependent", "13"),
    "POST /api/patients/{code}/licences": ("number", "+-2"),
    "POST /api/patients/{code}/consents": ("note", "a second request"),
    "POST /api/patients/{code}/consents/{consent_id}/revoke": ("reason", "+ again"),
    "POST /api/patients/{code}/enrol": ("start_date", "2000-01-01"),
    "POST /api/patients/{code}/orders": ("reason", "+ again"),
    "POST /api/patients/{code}/orders/{line_id}/supersede": ("reason", "+ again"),
    "POST /api/patients/{code}/orders/{line_id}/suspend": ("reason", "+ again"),
    "POST /api/patients/{code}/orders/{line_id}/resume": ("reason", "+ again"),
    "POST /api/patients/{code}/orders/{line_id}/stop": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/pharmacy/products": ("name", "+ second"),
    "POST /api/clinics/{clinic}/pharmacy/products/{product_id}/reorder-level": (
        "reorder_level_mg",
        "60000",
    ),
    "POST /api/clinics/{clinic}/pharmacy/locations": ("name", "+ second"),
    "POST /api/clinics/{clinic}/pharmacy/receipts": ("lot_number", "+-2"),
    "POST /api/clinics/{clinic}/pharmacy/transfers": ("quantity", "11"),
    "POST /api/clinics/{clinic}/pharmacy/reconstitutions": ("vials", "2"),
    "POST /api/clinics/{clinic}/pharmacy/dose-issues": ("quantity", "40"),
    "POST /api/clinics/{clinic}/pharmacy/dose-returns": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/pharmacy/waste": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/pharmacy/adjustments": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/pharmacy/destructions": ("reason", "+ again"),
    # Every field is checked against the stock before the key is looked up (another lot, location
    # or quarantine is refused on its own terms first), so this request differs in its query.
    "POST /api/clinics/{clinic}/pharmacy/expiry-removals": ("query", "?again=1"),
    "POST /api/clinics/{clinic}/pharmacy/entries/{entry_id}/reversal": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/pharmacy/counts": ("note", "a second request"),
    "POST /api/clinics/{clinic}/pharmacy/discrepancies/{discrepancy_id}/closure": (
        "investigation_note",
        "+ again",
    ),
    "POST /api/clinics/{clinic}/dosing/sessions": ("patient_id", "{dosing_patient_id}"),
    "POST /api/clinics/{clinic}/dosing/sessions/out-of-window": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/assessment": ("notes", "+ again"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/decision": ("dose_mg", "150"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/preparation": ("dose_mg", "1"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/administration": (
        "site",
        "right_arm",
    ),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/sign-off": ("notes", "+ again"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/exceptions": ("notes", "+ again"),
    "POST /api/clinics/{clinic}/dosing/sessions/{session_id}/override": ("reason", "+ again"),
    "POST /api/clinics/{clinic}/dosing/adverse-events": ("description", "+ again"),
    "POST /api/clinics/{clinic}/dosing/adverse-events/{event_id}/sign-off": ("note", "+ again"),
    "POST /api/patients/{code}/care-plan": ("started_on", "{today}"),
    "POST /api/patients/{code}/care-plan/goals": ("goal", "+ again"),
    "PUT /api/patients/{code}/care-plan/goals/{goal_id}": ("goal", "+ again"),
    "POST /api/patients/{code}/care-plan/reviews": ("note", "+ again"),
    "POST /api/patients/{code}/referrals": ("reason", "+ again"),
    "POST /api/patients/{code}/referrals/{referral_id}/status": ("note", "a second request"),
    "POST /api/patients/{code}/referrals/{referral_id}/follow-up": ("note", "a second request"),
    "POST /api/clinics/{clinic}/partner-services": ("name", "+ second"),
    "PUT /api/clinics/{clinic}/partner-services/{partner_id}": ("note", "a second request"),
    "POST /api/patients/{code}/interviews": ("note", "a second request"),
    "POST /api/patients/{code}/interviews/missed": ("note", "a second request"),
    "PUT /api/clinics/{clinic}/interview-settings": ("exit_closes_after", 31),
    "POST /api/patients/{code}/releases": ("categories", ["identity"]),
}


def api_writes() -> dict[str, dict[str, Any]]:
    """Every write of the OpenAPI description, as "METHOD /path": its operation."""
    return {
        f"{method.upper()} {path}": operation
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    }


WRITES = sorted(api_writes())
CASES: dict[str, RouteCase] = {case.route.removeprefix("api:"): case for case in API_CASES}


def test_every_write_of_the_description_has_a_change_in_the_table() -> None:
    assert sorted(set(WRITES) - set(CHANGED)) == [], "add the new write to CHANGED"
    assert sorted(set(CHANGED) - set(WRITES)) == [], "CHANGED names a write that is gone"


@pytest.mark.parametrize("write", WRITES)
def test_every_write_takes_an_idempotency_key(write: str) -> None:
    parameters = api_writes()[write].get("parameters", [])

    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters), (
        f"{write} takes no Idempotency-Key: a retried request would write twice"
    )


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> None:
    """The rate limit counts each request in a table; the retry must be the only thing compared."""
    settings.OPENHAT_API_RATE_PER_TOKEN = 0
    settings.OPENHAT_API_RATE_PER_ADDRESS = 0


@contextlib.contextmanager
def _prepared(matrix: World, write: str, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """What a write needs beyond the matrix's world (whose expiry removal and out-of-window
    session are refusals)."""
    if write.endswith("/out-of-window"):
        with _outside_the_windows(matrix):
            yield data
        return
    if not write.endswith("/expiry-removals"):
        yield data
        return
    personas, formulary = matrix.personas, matrix.pharmacy.formulary
    expiring = receive_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.methadone.pk,
        location_id=formulary.dosing_room.pk,
        lot_number="RETRY-SHORT",
        supplier="Test supplier",
        expires_on=clinic_today(personas.clinic),
        receipt_document="DN-RETRY",
        amount=20,
        unit="ml",
    ).first.lot
    with clock.backdated(clock.now() + timedelta(days=2)):
        yield {**data, "lot": expiring.pk, "location": formulary.dosing_room.pk}


@contextlib.contextmanager
def _outside_the_windows(matrix: World) -> Iterator[None]:
    """ZRH with its usual windows, at the next 22:00 there (at most a day ahead, the orders in
    force and the station's stock usable): no window is open, so the session is the physician's."""
    clinic = matrix.personas.clinic
    Clinic.objects.filter(pk=clinic.pk).update(**USUAL_WINDOWS)
    clinic.refresh_from_db()
    local = clock.now().astimezone(clinic.zone)
    evening = datetime.combine(local.date(), time(22), clinic.zone)
    moment = evening if evening > local else evening + timedelta(days=1)
    with clock.backdated(moment.astimezone(UTC)):  # in UTC, as the real clock gives it
        yield


# A retry that answers with identifying data shows it again, and that read is logged like any
# other (the access log); every other table must stay as the first request left it.
READS_LOGGED = {"audit.AccessLog"}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label not in READS_LOGGED
    }


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _send(client: Client, case: RouteCase, path: str, data: Any) -> Any:
    method = case.method.lower()
    headers = {"Idempotency-Key": KEY}
    if case.json:
        return getattr(client, method)(
            path, data=json.dumps(data), content_type="application/json", headers=headers
        )
    if method == "delete":
        return client.delete(path, headers=headers)
    upload = {
        key: SimpleUploadedFile("photo.png", value, "image/png")
        if isinstance(value, bytes)
        else value
        for key, value in data.items()
    }
    return client.post(path, upload, headers=headers)


def _filled(matrix: World, case: RouteCase, role: str) -> tuple[str, Any]:
    path = matrix.fill(case.path, role)
    data = {
        key: _png((90, 160, 120)) if value == "{photo}" else matrix.fill_data(value, role)
        for key, value in case.data.items()
    }
    return path, data


def _changed(
    matrix: World, write: str, case: RouteCase, role: str, path: str, data: Any
) -> tuple[str, Any]:
    field, value = CHANGED[write]
    changed = copy.deepcopy(data)
    if field == "path":
        return matrix.fill(case.path, role), changed
    if field == "query":
        return path + value, changed
    if "." in field:
        outer, inner = field.split(".")
        changed[outer][inner] = value
    elif field == "photo":
        changed["photo"] = _png((200, 30, 30))
    elif isinstance(value, str) and value.startswith("+"):
        changed[field] = f"{changed[field]}{value[1:]}"
    else:
        changed[field] = matrix.fill(value, role) if isinstance(value, str) else value
    return path, changed


def _answer(response: Any) -> Any:
    body = response.json()
    if isinstance(body, dict):
        body.pop("secret", None)  # a token's secret is shown once: null in the retry's answer
    return body


@pytest.mark.parametrize("write", WRITES)
def test_a_retried_write_answers_as_the_first_and_writes_nothing_more(
    write: str,
    world: World,  # noqa: F811
) -> None:
    case = CASES[write]
    role = next(role for role in ROLE_PREFERENCE if role in case.allowed)
    client = sign_in(Client(), world.personas[role])
    path, data = _filled(world, case, role)
    # Made before the first request: asking for a placeholder again may make a record (a token).
    other_path, other_data = _changed(world, write, case, role, path, data)

    with _prepared(world, write, data) as data:
        other_data = {**other_data, **{k: data[k] for k in ("lot", "location") if k in data}}
        first = _send(client, case, path, data)
        assert 200 <= first.status_code < 300, first.content[:300]
        written = _row_counts()

        again = _send(client, case, path, data)

        assert again.status_code == first.status_code, again.content[:300]
        assert _answer(again) == _answer(first)
        assert _row_counts() == written

        reused = _send(client, case, other_path, other_data)

        assert reused.status_code == 409, reused.content[:300]
        assert reused.json()["code"] == "idempotency_key_reused"
        assert _row_counts() == written
