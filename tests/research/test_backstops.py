"""Research studies' and exports' database backstops, tested directly (tests/backstops.py): a copy
of a valid row with one change, written past every service, is refused under the constraint's
name; the copy with only its unique keys moved is accepted. Both tables refuse UPDATE, so copies
are inserted, never edited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import models

from openhat.research.models import ResearchExport, ResearchStudy
from tests.backstops import Cases, assert_accepted, assert_refused, declared, same
from tests.research.world import research_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, models.Model]:
    research_rows(personas, monkeypatch, tmp_path / "secrets")  # a study and an export of it
    export = ResearchExport.objects.get(clinic=personas.clinic)
    return {"study": export.study, "export": export}


MOVED: dict[str, Any] = {
    "study": lambda row: {"key": f"{row.key}-moved", "name": f"{row.name} moved"},
    "export": {},
}

CASES: Cases = {
    "study_key_per_clinic": ("study", same("key")),
    # the name is unique ignoring case: the same name in capitals is refused
    "study_name_per_clinic": ("study", lambda row: {"name": row.name.upper()}),
    "study_key_shape": ("study", {"key": "Moved key"}),
    "study_name_present": ("study", {"name": ""}),
    "study_date_mode_known": ("study", {"date_mode": "exact"}),
    "research_export_kind_known": ("export", {"kind": "spreadsheet"}),
    "research_export_date_mode_known": ("export", {"date_mode": "exact"}),
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
    assert declared([ResearchStudy, ResearchExport]) == set(CASES)
