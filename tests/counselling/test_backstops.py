"""Counselling notes' database backstops, tested directly (tests/backstops.py): a copy of a valid
note with one change, written past every service, is refused under the constraint's name; the
unchanged copy is accepted. Notes refuse UPDATE, so copies are inserted, never edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from openhat.counselling.models import CounsellingNote
from openhat.counselling.services import write_note
from tests.backstops import FAR, assert_accepted, assert_refused, declared

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Any) -> dict[str, models.Model]:
    note = write_note(actor=personas["counsellor"], patient=patient, body="Talked about housing.")
    return {"note": note}


MOVED: dict[str, Any] = {"note": {}}

CASES = {
    "note_has_body": ("note", {"body": ""}),
    "note_body_bounded": ("note", {"body": "x" * 20_001}),
    "note_does_not_correct_itself": (
        "note",
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


def test_a_note_at_the_limit_and_a_correction_of_another_are_accepted(
    rows: dict[str, models.Model],
) -> None:
    """The controls for the length and correction cases."""
    note = rows["note"]
    at_limit = {"note": {"body": "x" * 20_000, "corrects_id": note.pk}}
    assert_accepted(rows, at_limit, "note")


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([CounsellingNote]) == set(CASES)
