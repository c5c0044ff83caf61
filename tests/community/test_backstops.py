"""The community log's database backstops, tested directly (tests/backstops.py): a copy of a valid
entry with one change, written past every service, is refused under the constraint's name; the
unchanged copy is accepted. Entries refuse UPDATE, so copies are inserted, never edited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import models

from openhat.community.models import (
    MAX_ACTION_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    CommunityLogEntry,
)
from openhat.community.services import record_entry
from openhat.core.clock import clinic_today
from tests.backstops import FAR, Cases, assert_accepted, assert_refused, declared

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    entry = record_entry(
        actor=personas["manager"],
        clinic=personas.clinic,
        occurred_on=clinic_today(personas.clinic) - timedelta(days=1),
        category="incident",
        description="Two people argued loudly at the tram stop opposite.",
        action_taken="A nurse went out and calmed things down.",
    )
    return {"entry": entry}


MOVED: dict[str, Any] = {"entry": {}}

CASES: Cases = {
    "community_category_known": ("entry", {"category": "gossip"}),
    "community_has_description": ("entry", {"description": ""}),
    "community_description_bounded": ("entry", {"description": "x" * (MAX_DESCRIPTION_LENGTH + 1)}),
    "community_has_action": ("entry", {"action_taken": ""}),
    "community_action_bounded": ("entry", {"action_taken": "x" * (MAX_ACTION_LENGTH + 1)}),
    "community_does_not_correct_itself": (
        "entry",
        lambda row: {"id": row.pk + FAR, "corrects_id": row.pk + FAR},
    ),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_texts_at_the_limit_and_a_correction_of_another_entry_are_accepted(
    rows: dict[str, models.Model],
) -> None:
    """The controls for the length and correction cases."""
    entry = rows["entry"]
    at_limit = {
        "entry": {
            "description": "x" * MAX_DESCRIPTION_LENGTH,
            "action_taken": "x" * MAX_ACTION_LENGTH,
            "corrects_id": entry.pk,
        }
    }
    assert_accepted(rows, at_limit, "entry")


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([CommunityLogEntry]) == set(CASES)
