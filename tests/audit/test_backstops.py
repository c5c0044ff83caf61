"""The audit trail's and access log's database backstops, tested directly (tests/backstops.py): a
copy of a valid row with one change, written past every service, is refused under the
constraint's name; the unchanged copy with its unique keys moved is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.audit.services import record_access
from tests.backstops import assert_accepted, assert_refused, declared, far, same

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Any) -> dict[str, models.Model]:
    read = record_access(actor=personas["nurse"], patient=patient, record=AccessedRecord.IDENTITY)
    return {"event": AuditEvent.objects.latest("pk"), "access": read}


MOVED = {
    "event": lambda row: far(row, "chain_seq"),
    "access": lambda row: far(row, "chain_seq"),
}

CASES = {
    "audit_event_chain_position": ("event", same("chain_seq")),
    "access_log_chain_position": ("access", same("chain_seq")),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([AuditEvent, AccessLog]) == set(CASES)
