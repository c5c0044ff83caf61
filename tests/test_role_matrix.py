"""The role x route matrix: every route of the app, for every role of clinic ZRH and the outsider.

The cases live in tests/access/ (format: tests/access/cases.py). This module
  1. fails when a route (page URL name, or API method + path) has no case, or a case no route;
  2. sends every case as every ZRH persona and as the outsider (manager of clinic OUT) and checks
     the status each gets, and that the outsider never sees the ZRH patient's code;
  3. sends every case that names a ZRH record as every ZRH persona with clinic OUT's record
     instead, which must be "not found".
"""

from __future__ import annotations

import importlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from openhat.api import api
from openhat.audit.models import AccessLog
from openhat.clinics.services import create_api_token
from openhat.enrolment.models import Consent
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today, upload_photo
from openhat.prescribing.services import sign_order, suspend_order
from tests.access.api import API_CASES as CORE_API_CASES
from tests.access.api import NEEDS_PHOTO
from tests.access.care_api import CARE_API_CASES
from tests.access.care_pages import CARE_PAGE_CASES, CareWorld, build_care
from tests.access.cases import ALL_ROLES, RouteCase
from tests.access.dosing_api import DOSING_API_CASES
from tests.access.dosing_board_pages import DOSING_BOARD_PAGE_CASES
from tests.access.dosing_session_pages import DOSING_SESSION_PAGE_CASES
from tests.access.fhir_release import (
    FHIR_RELEASE_API_CASES,
    FHIR_RELEASE_PAGE_CASES,
    ReleaseWorld,
    build_release,
)
from tests.access.identifiers import check_answer, give_every_patient_distinct_identifiers
from tests.access.interview_pages import (
    INTERVIEW_API_CASES,
    INTERVIEW_PAGE_CASES,
    InterviewWorld,
    build_interviews,
)
from tests.access.outcomes_pages import OUTCOMES_PAGE_CASES
from tests.access.pharmacy_api import PHARMACY_API_CASES
from tests.access.pharmacy_pages import PHARMACY_PAGE_CASES
from tests.access.pharmacy_reports import PHARMACY_REPORT_API_CASES, PHARMACY_REPORT_PAGE_CASES
from tests.access.pilot_api import PILOT_API_CASES
from tests.access.pilot_pages import PILOT_PAGE_CASES
from tests.access.public_report_pages import PUBLIC_REPORT_PAGE_CASES, build_public_report
from tests.access.research_pages import RESEARCH_API_CASES, RESEARCH_PAGE_CASES
from tests.access.screens_notes import SCREENS_NOTES_PAGE_CASES, NotesWorld, build_notes
from tests.access.staff_pages import STAFF_PAGE_CASES, StaffWorld, build_staff
from tests.conftest import (
    Personas,
    build_personas,
    confirmed_totp,
    register_out_patient,
    register_zrh_patient,
    sign_in,
)
from tests.dosing.world import DosingWorld, build_dosing
from tests.enrolment.helpers import (
    ready_for_enrolment,
)
from tests.pharmacy.world import PharmacyWorld, build_pharmacy
from tests.prescribing.conftest import dam, totp_code

OUTSIDER = "outsider"
ZRH_ROLES = sorted(ALL_ROLES)
# Served by ninja itself and tested in tests/api/test_errors.py; they hold no clinic data.
API_ROUTES_WITHOUT_CASES = frozenset({"api-root", "openapi-json", "openapi-view"})
IGNORED_PATH_PREFIXES = ("static/",)


def _load_page_cases() -> ModuleType | None:
    try:
        return importlib.import_module("tests.access.pages")
    except ModuleNotFoundError as error:
        if error.name != "tests.access.pages":
            raise
        return None


def _optional_cases(module: str, name: str) -> list[RouteCase]:
    """Cases of a module that may not be written yet (e.g. the dosing station's pages)."""
    try:
        return list(getattr(importlib.import_module(module), name))
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        return []


PAGES_MODULE = _load_page_cases()
PAGE_CASES: list[RouteCase] = (
    list(getattr(PAGES_MODULE, "PAGE_CASES", []))
    + PHARMACY_PAGE_CASES
    + PHARMACY_REPORT_PAGE_CASES
    + _optional_cases("tests.access.dosing_pages", "DOSING_PAGE_CASES")
    + DOSING_BOARD_PAGE_CASES
    + DOSING_SESSION_PAGE_CASES
    + STAFF_PAGE_CASES
    + INTERVIEW_PAGE_CASES
    + SCREENS_NOTES_PAGE_CASES
    + CARE_PAGE_CASES
    + PILOT_PAGE_CASES
    + FHIR_RELEASE_PAGE_CASES
    + OUTCOMES_PAGE_CASES
    + PUBLIC_REPORT_PAGE_CASES
    + RESEARCH_PAGE_CASES
)
API_CASES: list[RouteCase] = (
    CORE_API_CASES
    + PHARMACY_API_CASES
    + PHARMACY_REPORT_API_CASES
    + DOSING_API_CASES
    + INTERVIEW_API_CASES
    + CARE_API_CASES
    + PILOT_API_CASES
    + RESEARCH_API_CASES
    + FHIR_RELEASE_API_CASES
)
ALL_CASES: list[RouteCase] = API_CASES + PAGE_CASES


def case_id(case: RouteCase) -> str:
    return case.route if case.route.startswith("api:") else f"{case.method} {case.route}"


# --- 1. every route has a case ---------------------------------------------------------------


@dataclass(frozen=True)
class PageRoute:
    name: str | None
    route: str


def _walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[PageRoute]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue  # the JSON API is enumerated from its OpenAPI schema below
            inner_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner_namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith(IGNORED_PATH_PREFIXES):
                continue
            yield PageRoute(f"{namespace}{entry.name}" if entry.name else None, route)


def page_routes() -> list[PageRoute]:
    return list(_walk(get_resolver().url_patterns))


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"api:{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_api_operation_has_exactly_one_case() -> None:
    case_routes = Counter(case.route for case in API_CASES)

    missing = sorted(api_operations() - set(case_routes))
    stale = sorted(set(case_routes) - api_operations())
    duplicated = sorted(route for route, count in case_routes.items() if count > 1)

    assert not missing, f"API operations without a case in tests/access/api.py: {missing}"
    assert not stale, f"cases in tests/access/api.py for no API operation: {stale}"
    assert not duplicated, f"API operations with more than one case: {duplicated}"
    for case in API_CASES:
        assert case.route.split(" ")[0] == f"api:{case.method}", (
            f"{case.route}: method {case.method}"
        )


def test_every_api_url_is_an_operation_in_the_schema() -> None:
    """An operation hidden from the OpenAPI schema would escape the matrix: none may exist."""
    resolver = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "api"
    )
    urls = {
        str(entry.pattern)
        for entry in resolver.url_patterns
        if entry.name not in API_ROUTES_WITHOUT_CASES
    }
    schema_paths = {path.removeprefix("/api/") for path in api.get_openapi_schema()["paths"]}

    assert len(urls) == len(schema_paths), (sorted(urls), sorted(schema_paths))


def test_every_page_route_is_named() -> None:
    unnamed = [route.route for route in page_routes() if route.name is None]

    assert not unnamed, f"page routes without a URL name cannot be in the matrix: {unnamed}"


@pytest.mark.skipif(
    PAGES_MODULE is None, reason="tests/access/pages.py (PAGE_CASES) is not written yet"
)
def test_every_page_route_has_a_case_and_every_case_a_route() -> None:
    names = {route.name for route in page_routes() if route.name}
    case_names = {case.route for case in PAGE_CASES}
    duplicated = sorted(
        f"{method} {route}"
        for (route, method), count in Counter((c.route, c.method) for c in PAGE_CASES).items()
        if count > 1
    )

    assert not sorted(names - case_names), (
        f"page routes without a case: {sorted(names - case_names)}"
    )
    assert not sorted(case_names - names), f"page cases for no route: {sorted(case_names - names)}"
    assert not duplicated, f"page routes with more than one case per method: {duplicated}"


# --- 2. every role, every route --------------------------------------------------------------


@dataclass
class World:
    personas: Personas
    patient: Patient
    other_patient: Patient
    # A second ZRH patient, being assessed with everything enrolment needs, with an active and a
    # suspended order ({ready_code}, {consent_id}, {line_id}, {suspended_line_id}).
    ready: Ready
    # ZRH's stock: products, locations, lots, entries, a count and a discrepancy.
    pharmacy: PharmacyWorld
    # ZRH's dosing station: sessions decided and in observation, an adverse event
    # (placeholders in tests/dosing/world.py).
    dosing: DosingWorld
    # A membership to manage and an open invitation (tests/access/staff_pages.py).
    staff: StaffWorld
    # A patient whose intake interview is due ({interview_code}; tests/access/interview_pages.py).
    interviews: InterviewWorld
    # A counselling note of the ZRH patient ({note_id}, tests/access/screens_notes.py).
    notes: NotesWorld
    # The ZRH patient's care plan, a goal, a planned referral and a partner (tests/access/care_pages.py).
    care: CareWorld
    # A release consent and a release of the ZRH patient ({release_id}; tests/access/fhir_release.py).
    release: ReleaseWorld

    def fill(self, text: str, role: str, *, record_of: str = "ZRH") -> str:
        """Fill the placeholders; `record_of="OUT"` points {code} and {clinic} at clinic OUT."""
        code = self.other_patient.client_code if record_of == "OUT" else self.patient.client_code
        clinic = (
            self.personas.other_clinic.code if record_of == "OUT" else self.personas.clinic.code
        )
        if "{totp}" in text:
            text = text.replace("{totp}", totp_code(self.personas[role]))
        if "{physician_totp}" in text:  # a physician signing on another's screen (the station)
            text = text.replace("{physician_totp}", totp_code(self.personas["physician"]))
        if "{token_id}" in text:
            token, _ = create_api_token(actor=self.personas[role], name="matrix token to revoke")
            text = text.replace("{token_id}", str(token.pk))
        ready_code = self.other_patient.client_code if record_of == "OUT" else self.ready.code
        for placeholder, value in self.pharmacy.placeholders().items():
            text = text.replace(placeholder, value)
        for placeholder, value in self.dosing.placeholders().items():
            text = text.replace(placeholder, value)
        for placeholder, value in self.staff.placeholders().items():
            text = text.replace(placeholder, value)
        for placeholder, value in self.care.placeholders().items():
            text = text.replace(placeholder, value)
        other_code = self.other_patient.client_code
        for placeholder, value in self.interviews.placeholders(record_of, other_code).items():
            text = text.replace(placeholder, value)
        for placeholder, value in {
            **self.notes.placeholders(),
            **self.release.placeholders(),
        }.items():
            text = text.replace(placeholder, value)
        return (
            text.replace("{code}", code)
            .replace("{ready_code}", ready_code)
            .replace("{consent_id}", str(self.ready.consent_id))
            .replace("{line_id}", str(self.ready.line_id))
            .replace("{suspended_line_id}", str(self.ready.suspended_line_id))
            .replace("{other_code}", self.other_patient.client_code)
            .replace("{clinic}", clinic)
            .replace("{today}", clinic_today(self.personas.clinic).isoformat())
        )

    def fill_data(self, value: Any, role: str, *, record_of: str = "ZRH") -> Any:
        if value == "{photo}":
            return SimpleUploadedFile("photo.png", small_png(), "image/png")
        if isinstance(value, str):
            return self.fill(value, role, record_of=record_of)
        if isinstance(value, dict):
            return {
                key: self.fill_data(item, role, record_of=record_of) for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.fill_data(item, role, record_of=record_of) for item in value]
        return value


@dataclass(frozen=True)
class Ready:
    code: str
    consent_id: int
    line_id: int
    suspended_line_id: int


def build_ready(personas: Personas) -> Ready:
    """A patient being assessed, assessed eligible, consented and licensed, with an active DAM
    order and a suspended one: what the enrolment and order pages need to succeed."""
    physician = personas["physician"]
    patient = ready_for_enrolment(register_zrh_patient(personas), physician)
    consent = Consent.objects.get(patient=patient, kind="treatment")
    active = sign_order(
        actor=physician, patient=patient, order=dam(), totp_code=totp_code(physician)
    )
    suspended = sign_order(
        actor=physician, patient=patient, order=dam(), totp_code=totp_code(physician)
    )
    suspend_order(actor=physician, line=suspended.line, reason="matrix: in hospital")
    return Ready(patient.client_code, consent.pk, active.line_id, suspended.line_id)


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (90, 160, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def shared_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The personas and both patients, made once for the module inside a transaction that is
    rolled back at the end; each test runs in a savepoint within it (pytest-django's `db`), so
    what one test writes is gone before the next. Building them per test would cost ~4x the time.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            personas = build_personas()
            for role in [*ZRH_ROLES, OUTSIDER]:
                confirmed_totp(personas[role])
            patient = register_zrh_patient(personas)
            other_patient = register_out_patient(personas)
            ready = build_ready(personas)
            pharmacy = build_pharmacy(personas)
            dosing = build_dosing(personas, pharmacy)
            interviews = build_interviews(personas)
            give_every_patient_distinct_identifiers(
                {
                    personas.clinic.pk: personas["physician"],
                    other_patient.clinic_id: personas.outsider,
                }
            )
            staff = build_staff(personas)
            notes = build_notes(personas, patient)
            care = build_care(personas, patient)
            release = build_release(personas, patient)
            build_public_report(personas)
            yield World(
                personas,
                patient,
                other_patient,
                ready,
                pharmacy,
                dosing,
                staff,
                interviews,
                notes,
                care,
                release,
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world: World, db: Any) -> World:
    return shared_world


@pytest.fixture
def signed_in(world: World) -> Any:
    def make(role: str) -> Client:
        return sign_in(Client(), world.personas[role])

    return make


def send(
    client: Client, world: World, case: RouteCase, role: str, *, record_of: str = "ZRH"
) -> Any:
    path = world.fill(case.path, role, record_of=record_of)
    data = world.fill_data(case.data, role, record_of=record_of)
    method = case.method.lower()
    if case.json:
        return getattr(client, method)(path, data=json.dumps(data), content_type="application/json")
    if method in ("get", "head", "delete", "options"):
        return getattr(client, method)(path)
    if method == "post":
        return client.post(path, data)
    # Django's test client sends PUT/PATCH bodies raw; encode them as a form.
    from urllib.parse import urlencode

    return getattr(client, method)(
        path, urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def _body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def _describe(response: Any) -> str:
    return f"got {response.status_code}: {_body_text(response)[:300]!r}"


MATRIX = [
    pytest.param(case, role, id=f"{case_id(case)} | {role}")
    for case in ALL_CASES
    for role in [*ZRH_ROLES, OUTSIDER]
]


@pytest.mark.parametrize(("case", "role"), MATRIX)
def test_role_gets_the_expected_answer(
    case: RouteCase, role: str, world: World, signed_in: Any
) -> None:
    if case.route in NEEDS_PHOTO:
        upload_photo(actor=world.personas["nurse"], patient=world.patient, content=small_png())
    logged_after = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = send(signed_in(role), world, case, role)

    if role == OUTSIDER:
        expected = case.outsider_status
    elif role in case.allowed:
        expected = case.ok_status
    else:
        expected = case.denied_status
    assert response.status_code in expected, (
        f"{case_id(case)} as {role}: expected {sorted(expected)}, {_describe(response)}"
    )
    if role == OUTSIDER:
        body = _body_text(response)
        for secret in case.outsider_must_not_see:
            text = world.fill(secret, role)
            assert text not in body, f"{case_id(case)}: the outsider's answer contains {text!r}"
            assert text not in response.get("Location", ""), (
                f"{case_id(case)}: redirect names {text!r}"
            )
    # The identifier walk (tests/access/identifiers.py): whatever identifies a patient in the
    # answer was logged for this user, patient and route, and only roles that see identity get it.
    check_answer(
        response,
        user=world.personas[role],
        method=case.method,
        path=response.request["PATH_INFO"],
        logged_after=logged_after,
        label=f"{case_id(case)} as {role}",
    )


# --- 3. ZRH staff asking for clinic OUT's records ----------------------------------------------


def _names_a_zrh_record(case: RouteCase) -> bool:
    return (
        "{code}" in case.path
        or "{ready_code}" in case.path
        or "{interview_code}" in case.path
        or "{clinic}" in case.path
        or "{clinic}" in json.dumps(case.data, default=str)
    )


REVERSE = [
    pytest.param(case, role, id=f"{case_id(case)} | {role} asks for OUT")
    for case in ALL_CASES
    if _names_a_zrh_record(case)
    for role in ZRH_ROLES
]


@pytest.mark.parametrize(("case", "role"), REVERSE)
def test_another_clinics_record_is_not_found(
    case: RouteCase, role: str, world: World, signed_in: Any
) -> None:
    response = send(signed_in(role), world, case, role, record_of="OUT")

    assert response.status_code == 404, (
        f"{case_id(case)} as {role} for clinic OUT: {_describe(response)}"
    )
    assert world.other_patient.client_code not in _body_text(response)
    world.other_patient.refresh_from_db()
    assert world.other_patient.status == "referred"


# --- a page method without a case must not be answered --------------------------------------

PAGE_METHODS = ("GET", "POST")


def _unlisted_page_methods() -> list[Any]:
    listed: dict[str, set[str]] = {}
    sample: dict[str, RouteCase] = {}
    for case in PAGE_CASES:
        listed.setdefault(case.route, set()).add(case.method)
        sample.setdefault(case.route, case)
    return [
        pytest.param(sample[route], method, id=f"{method} {route}")
        for route, methods in listed.items()
        for method in PAGE_METHODS
        if method not in methods
    ]


@pytest.mark.parametrize(("case", "method"), _unlisted_page_methods())
def test_a_page_method_without_a_case_is_not_allowed(
    case: RouteCase, method: str, world: World, signed_in: Any
) -> None:
    """The matrix lists the methods each page answers; any other method must be a 405, so a view
    cannot quietly accept (say) a POST that no case checks."""
    role = sorted(case.allowed)[0] if case.allowed else "manager"
    unlisted = RouteCase(
        case.route, method, case.path, case.allowed, data=case.data, json=case.json
    )

    response = send(signed_in(role), world, unlisted, role)

    assert response.status_code == 405, f"{method} {case.route} as {role}: {_describe(response)}"
