"""The public report's database backstops, tested directly (tests/backstops.py): a copy of a valid
row with one change, written past every service, is refused under the constraint's name; the copy
with only its unique keys moved is accepted. Frozen reports refuse UPDATE, so copies are inserted,
never edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from openhat.outcomes import public_services
from openhat.outcomes.models import (
    MAXIMUM_PUBLIC_THRESHOLD,
    MINIMUM_PUBLIC_THRESHOLD,
    PublicReport,
    PublicReportSettings,
)
from tests.backstops import Cases, assert_accepted, assert_refused, declared, far, same
from tests.outcomes.public_world import public_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    settings = public_services.set_threshold(
        actor=personas["manager"], clinic=personas.clinic, threshold=MINIMUM_PUBLIC_THRESHOLD
    )
    public_rows(personas)  # a community log entry and a frozen report of last month
    return {"settings": settings, "report": PublicReport.objects.get(clinic=personas.clinic)}


MOVED: dict[str, Any] = {
    "settings": lambda row: far(row, "clinic_id"),
    "report": lambda row: far(row, "version"),
}

CASES: Cases = {
    "public_threshold_range": ("settings", {"small_cell_threshold": MINIMUM_PUBLIC_THRESHOLD - 1}),
    "public_report_version_unique": ("report", same("version")),
    "public_report_version_1": ("report", {"version": 0}),
    "public_report_period_month": ("report", {"period": "2026-13"}),
    "public_report_sha256": ("report", lambda row: {"content_sha256": row.content_sha256.upper()}),
    "public_report_content_json": ("report", {"content": "[]"}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_a_threshold_above_the_range_and_an_empty_report_are_refused_too(
    rows: dict[str, models.Model],
) -> None:
    above = {
        "public_threshold_range": (
            "settings",
            {"small_cell_threshold": MAXIMUM_PUBLIC_THRESHOLD + 1},
        )
    }
    assert_refused(rows, MOVED, above, "public_threshold_range")
    empty = {"public_report_content_json": ("report", {"content": ""})}
    assert_refused(rows, MOVED, empty, "public_report_content_json")


def test_the_ends_of_the_threshold_range_are_accepted(rows: dict[str, models.Model]) -> None:
    """The controls for the range case."""
    for threshold in (MINIMUM_PUBLIC_THRESHOLD, MAXIMUM_PUBLIC_THRESHOLD):
        ends = {
            "settings": lambda row, t=threshold: {
                **far(row, "clinic_id"),
                "small_cell_threshold": t,
            }
        }
        assert_accepted(rows, ends, "settings")


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([PublicReportSettings, PublicReport]) == set(CASES)
