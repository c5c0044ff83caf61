"""The outcome interviews' database backstops, tested directly (tests/backstops.py): a copy of a
valid row with one change, written past every service, is refused under the constraint's name;
the unchanged copy with its unique keys moved is accepted. Interviews refuse UPDATE, so copies are
inserted, never edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from openhat.core.clock import clinic_today
from openhat.interviews import services
from openhat.interviews.models import Instrument, Interview, InterviewSettings
from openhat.interviews.schedule import Windows
from tests.backstops import assert_accepted, assert_refused, declared, far, same
from tests.interviews.helpers import answers, enrolled_since

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    counsellor = personas["counsellor"]
    patient = enrolled_since(personas, 100)  # month 3 is due
    missed = services.record_missed(
        actor=counsellor, patient=patient, time_point="intake", reason="in_custody"
    )
    completed = services.record_interview(
        actor=counsellor,
        patient=patient,
        time_point="month_3",
        interviewed_on=clinic_today(patient.clinic),
        answers=answers(),
    )
    settings = services.update_settings(
        actor=personas["manager"],
        clinic=personas.clinic,
        instrument_key="openhat-core",
        windows=Windows(),
    )
    return {
        "instrument": Instrument.objects.get(pk=completed.instrument_id),
        "settings": settings,
        "completed": completed,
        "missed": missed,
    }


MOVED = {
    "instrument": lambda row: far(row, "version"),
    "settings": lambda row: far(row, "clinic_id"),
    "completed": lambda row: far(row, "patient_id"),
    "missed": lambda row: far(row, "patient_id"),
}

CASES = {
    "instrument_key_version": ("instrument", same("version")),
    "instrument_recall_28_or_30": ("instrument", {"recall_days": 31}),
    "instrument_version_from_1": ("instrument", {"version": 0}),
    "interview_intake_window_bounded": ("settings", {"intake_closes_after": 31}),
    "interview_follow_up_window_bounded": ("settings", {"follow_up_opens_before": 46}),
    "interview_exit_window_bounded": ("settings", {"exit_opens_before": 91}),
    "one_interview_per_time_point": ("completed", same("patient_id")),
    "interview_time_point_known": ("completed", {"time_point": "month_0"}),
    "interview_completed_or_missed_with_reason": ("completed", {"missed_reason": "refused"}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("completed", {"instrument_id": None}),
        ("missed", {"answers": {"cannabis_days": 3}}),
        ("missed", {"missed_reason": "forgot"}),
        ("missed", {"missed_reason": ""}),
        ("missed", {"status": "completed"}),
    ],
)
def test_each_other_half_of_an_interview_is_refused_too(
    rows: dict[str, Any], name: str, changes: dict[str, Any]
) -> None:
    constraint = "interview_completed_or_missed_with_reason"
    assert_refused(rows, MOVED, {constraint: (name, changes)}, constraint)


def test_a_missed_interview_with_the_instrument_is_refused(rows: dict[str, Any]) -> None:
    constraint = "interview_completed_or_missed_with_reason"
    changes = {"instrument_id": rows["instrument"].pk}
    assert_refused(rows, MOVED, {constraint: ("missed", changes)}, constraint)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("intake_opens_before", 181, "interview_intake_window_bounded"),
        ("follow_up_closes_after", 46, "interview_follow_up_window_bounded"),
        ("exit_closes_after", 91, "interview_exit_window_bounded"),
    ],
)
def test_each_other_window_edge_is_refused(
    rows: dict[str, models.Model], field: str, value: int, constraint: str
) -> None:
    assert_refused(rows, MOVED, {constraint: ("settings", {field: value})}, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([Instrument, InterviewSettings, Interview]) == set(CASES)
