"""A local run of PAGE_CASES (tests/test_role_matrix.py runs them with the API cases too)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openhat.patients.models import Patient
from tests.access.cases import ALL_ROLES, RouteCase
from tests.access.pages import PAGE_CASES
from tests.conftest import Personas


def _fill(text: str, patient: Patient, other_patient: Patient) -> str:
    return (
        text.replace("{code}", patient.client_code)
        .replace("{other_code}", other_patient.client_code)
        .replace("{clinic}", "ZRH")
    )


def _send(client: Client, case: RouteCase, patient: Patient, other_patient: Patient) -> Any:
    path = _fill(case.path, patient, other_patient)
    if case.method == "GET":
        return client.get(path)
    data = {
        key: _fill(value, patient, other_patient) if isinstance(value, str) else value
        for key, value in case.data.items()
    }
    return client.post(path, data)


def test_every_page_route_has_a_case() -> None:
    from django.urls import get_resolver

    names = {
        f"{namespace}:{name}"
        for namespace in ("accounts", "patients", "audit")
        for name in get_resolver().namespace_dict[namespace][1].reverse_dict
        if isinstance(name, str)
    }
    assert names <= {case.route for case in PAGE_CASES}


ROLES = [*sorted(ALL_ROLES), "outsider"]


# One test per case and role, so each starts from fresh fixtures (a status change or a lockout
# by one role must not decide the next role's answer).
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda case: f"{case.method} {case.route}")
def test_page_case(
    case: RouteCase,
    role: str,
    personas: Personas,
    client_for: Any,
    patient: Patient,
    other_patient: Patient,
) -> None:
    response = _send(client_for(role), case, patient, other_patient)
    if role == "outsider":
        assert response.status_code in case.outsider_status
        body = response.content.decode(errors="replace")
        for text in case.outsider_must_not_see:
            assert _fill(text, patient, other_patient) not in body
    else:
        expected = case.ok_status if role in case.allowed else case.denied_status
        assert response.status_code in expected
