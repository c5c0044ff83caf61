"""Schemathesis over the whole OpenAPI description, as a nurse and as a physician with API tokens.

Every operation of /api/openapi.json gets a bounded, seeded run of generated requests (valid and
invalid) and fails on any 5xx, an undocumented status, a wrong content type or a body that does
not match the documented schema. The path names real records of clinic ZRH (the role matrix's
world: patients, orders, stock, sessions), so bodies and queries reach the services rather than
stopping at "not found"; hostile path values are the role matrix's and test_errors.py's business.

Requests go through Django's test handler inside the test's transaction, so whatever the run
writes is rolled back with it. The run prints how many requests it made and how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openhat.api import api
from openhat.clinics.services import create_api_token
from tests.parallel import SCHEMATHESIS_FIGURES as FIGURES
from tests.test_role_matrix import API_CASES, World, shared_world  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

# Bounded: generated requests per operation and role (the coverage phase adds its own boundary
# cases, some eighty per operation); raise it locally to search harder.
EXAMPLES_PER_OPERATION = 10
SEED = 13
ROLES = ("nurse", "physician")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0


TALLY = Tally()


class _DjangoTestApp:
    """A WSGI app over Django's test handler: the test's database connection and transaction
    stay open (Django's plain WSGI handler would close the connection after each request)."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        response = self.handler(environ)
        TALLY.requests += 1
        TALLY.seconds += time.perf_counter() - started
        headers = [(name, value) for name, value in response.items()]
        headers += [
            ("Set-Cookie", cookie.output(header="").strip()) for cookie in response.cookies.values()
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response


def _config(*, coverage: bool) -> schemathesis.config.SchemathesisConfig:
    return schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # Unexpected methods are test_errors.py's (a JSON 405); every run would repeat them.
            "phases": {"coverage": {"enabled": coverage, "unexpected-methods": []}},
        }
    )


# Each operation is run in full (the coverage phase's boundary values, then generated requests)
# as its main role, the nurse where the nurse may call it and else the physician, and with
# generated requests as the other role.
full_schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(), config=_config(coverage=True)
)
fuzzed_schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(), config=_config(coverage=False)
)
full_schema.app = fuzzed_schema.app = _DjangoTestApp()
MAIN_ROLE = {
    case.route.removeprefix("api:"): "nurse" if "nurse" in case.allowed else "physician"
    for case in API_CASES
}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> None:
    """Thousands of requests a minute from two tokens: the API's rate limit would answer most."""
    settings.OPENHAT_API_RATE_PER_TOKEN = 0
    settings.OPENHAT_API_RATE_PER_ADDRESS = 0


@pytest.fixture(scope="module")
def run_figures() -> Iterator[None]:
    started = time.perf_counter()
    yield
    # For the run's summary (tests/conftest.py prints it, from whichever xdist worker ran this).
    FIGURES.write_text(
        f"schemathesis: {TALLY.requests} requests in {time.perf_counter() - started:.1f} s "
        f"({TALLY.seconds:.1f} s inside the app), seed {SEED}\n"
    )


@pytest.fixture(scope="module")
def tokens(shared_world: World) -> dict[str, str]:  # noqa: F811
    return {
        role: create_api_token(actor=shared_world.personas[role], name=f"schemathesis {role}")[1]
        for role in ROLES
    }


def _records(world: World) -> dict[str, str]:
    """Path parameters, by name, pointed at real records of clinic ZRH."""
    pharmacy = world.pharmacy.placeholders()
    dosing = world.dosing.placeholders()
    return {
        "clinic": world.personas.clinic.code,
        "code": world.ready.code,
        "consent_id": str(world.ready.consent_id),
        "line_id": str(world.ready.line_id),
        "patient_id": world.patient.client_code,
        "product_id": pharmacy["{product_id}"],
        "entry_id": pharmacy["{entry_id}"],
        "count_id": pharmacy["{count_id}"],
        "discrepancy_id": pharmacy["{discrepancy_id}"],
        "session_id": dosing["{dosing_session_id}"],
        "administration_id": dosing["{dosing_administration_id}"],
        "event_id": dosing["{adverse_event_id}"],
    }


HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _call(case: Any, role: str, world: World, tokens: dict[str, str]) -> None:
    records = _records(world)
    for name in list(case.path_parameters or {}):
        if name in records:
            case.path_parameters[name] = records[name]
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"}, checks=CHECKS)


def _main_role(case: Any) -> str:
    return MAIN_ROLE[f"{case.operation.method.upper()} {case.operation.path}"]


@full_schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_documented_as_its_main_role(
    case: Any,
    shared_world: World,  # noqa: F811
    tokens: dict[str, str],
    run_figures: None,
) -> None:
    _call(case, _main_role(case), shared_world, tokens)


@fuzzed_schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_documented_as_the_other_role(
    case: Any,
    shared_world: World,  # noqa: F811
    tokens: dict[str, str],
    run_figures: None,
) -> None:
    main = _main_role(case)
    _call(case, next(role for role in ROLES if role != main), shared_world, tokens)
