"""Prescribing's database backstops, tested directly (tests/backstops.py): a copy of a valid row
with one change, written past every service, is refused under the constraint's name; the
unchanged copy with its unique keys moved is accepted. Versions and events refuse UPDATE, so
copies are inserted, never edited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from openhat.prescribing.models import OrderEvent, OrderLine, OrderVersion
from openhat.prescribing.services import sign_order, suspend_order
from tests.backstops import assert_accepted, assert_refused, declared, far, same
from tests.prescribing.conftest import dam, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, enrolled: Any) -> dict[str, models.Model]:
    physician = personas["physician"]
    version = sign_order(
        actor=physician, patient=enrolled, order=dam(), totp_code=totp_code(physician)
    )
    event = suspend_order(actor=physician, line=version.line, reason="admitted to hospital")
    return {
        "line": OrderLine.objects.get(pk=version.line_id),
        "version": version,
        "event": event,
    }


MOVED = {
    "line": {},
    # the line, not the number: any number but 1 needs a version it supersedes
    "version": lambda row: far(row, "line_id"),
    "event": {},
}

CASES = {
    "order_line_drug_known": ("line", {"drug": "opium"}),
    "order_line_state_known": ("line", {"state": "paused"}),
    "order_version_number": ("version", same("line_id")),
    # An unknown drug has no allowed routes either; PostgreSQL checks constraints in the order of
    # their names, so this one is reported (and, were it dropped, the routes one would be).
    "order_version_drug_known": ("version", {"drug": "opium"}),
    "order_version_phase_known": ("version", {"phase": "holiday"}),
    "order_version_a_route": ("version", {"routes": []}),
    "order_version_routes_allowed": ("version", {"drug": "methadone"}),  # still given IV
    "order_version_windows_known": ("version", {"windows": ["morning", "night"]}),
    "order_version_dose_min_not_negative": ("version", {"dose_min_mg": Decimal("-1")}),
    "order_version_dose_max_positive": (
        "version",
        {"dose_min_mg": Decimal("0"), "dose_max_mg": Decimal("0")},
    ),
    "order_version_dose_min_not_above_max": (
        "version",
        lambda row: {"dose_min_mg": row.dose_max_mg + Decimal("0.001")},
    ),
    "order_version_daily_max_positive": ("version", {"daily_max_mg": Decimal("0")}),
    "order_version_a_session": ("version", {"sessions_per_day": 0}),
    "order_version_ends_after_start": ("version", lambda row: {"ends_at": row.starts_at}),
    "order_version_supersedes_all_but_the_first": ("version", {"number": 2}),
    "order_event_kind_known": ("event", {"kind": "paused"}),
    "order_event_has_reason": ("event", {"reason": ""}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


def test_a_first_version_that_supersedes_one_is_refused_too(rows: dict[str, Any]) -> None:
    constraint = "order_version_supersedes_all_but_the_first"
    changes = {"supersedes_id": rows["version"].pk}
    assert_refused(rows, MOVED, {constraint: ("version", changes)}, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([OrderLine, OrderVersion, OrderEvent]) == set(CASES)
