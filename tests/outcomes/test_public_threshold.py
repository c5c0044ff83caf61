"""The clinic's small-cell threshold for its public report: 10 by default, never below 5."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError, PermissionDenied
from openhat.outcomes import public_services as services
from openhat.outcomes.models import PublicReportSettings
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_default_is_ten(personas: Any) -> None:
    assert services.threshold_of(personas.clinic) == 10


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (4, "threshold_below_minimum"),
        (0, "threshold_below_minimum"),
        (101, "threshold_above_maximum"),
    ],
)
def test_a_threshold_out_of_range_is_refused(personas: Any, value: int, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.set_threshold(actor=personas["manager"], clinic=personas.clinic, threshold=value)
    assert refused.value.code == code
    assert services.threshold_of(personas.clinic) == 10


def test_a_manager_sets_it_with_an_audit_event(personas: Any) -> None:
    services.set_threshold(actor=personas["manager"], clinic=personas.clinic, threshold=5)

    assert services.threshold_of(personas.clinic) == 5
    event = AuditEvent.objects.get(code=AuditCode.PUBLIC_REPORT_THRESHOLD_SET)
    assert event.data["small_cell_threshold"] == {"before": 10, "after": 5}


def test_only_managers_set_it(personas: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.set_threshold(actor=personas["auditor"], clinic=personas.clinic, threshold=12)


def test_the_database_refuses_a_threshold_below_five(personas: Any) -> None:
    services.set_threshold(actor=personas["manager"], clinic=personas.clinic, threshold=12)
    with pytest.raises(IntegrityError, match="public_threshold_range"), transaction.atomic():
        PublicReportSettings.objects.filter(clinic=personas.clinic).update(small_cell_threshold=4)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("4", "at least 5"), ("ten", "is not a number"), ("", "Give the threshold")],
)
def test_the_form_says_what_is_wrong(personas: Any, typed: str, message: str) -> None:
    client = sign_in(Client(), personas["manager"])

    response = client.post("/public-reports/threshold/", {"small_cell_threshold": typed})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert services.threshold_of(personas.clinic) == 10


def test_the_form_saves_a_valid_threshold(personas: Any) -> None:
    client = sign_in(Client(), personas["manager"])

    response = client.post("/public-reports/threshold/", {"small_cell_threshold": "7"})

    assert response.status_code == 302
    assert services.threshold_of(personas.clinic) == 7
