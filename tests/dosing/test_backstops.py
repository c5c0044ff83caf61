"""Each of the dosing record's database backstops, tested directly (as the pharmacy's are, in
tests/pharmacy/test_backstops.py): a copy of a valid row with one change, written past every
service, is refused under the constraint's name; the unchanged copy with its unique keys moved is
accepted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, models

from openhat.dosing.models import Administration, DosePreparation, DosingSession, SessionAssessment
from openhat.dosing.services.administer import administer
from tests.dosing.factories import decided, drawn
from tests.pharmacy.test_backstops import copy_of, insert

pytestmark = pytest.mark.django_db

FAR = 10_000_000  # a key no row holds (foreign keys are checked at commit; the copy never is)


def _moved(row: models.Model, *names: str) -> dict[str, Any]:
    return {
        name: (getattr(row, name) + FAR if getattr(row, name) is not None else None)
        for name in names
    }


@pytest.fixture
def rows(personas: Any, station: Any) -> dict[str, models.Model]:
    session, decision = decided(personas, station.patient, dose_mg="15")
    preparation = drawn(personas, station, session, decision, "15")
    given = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="15",
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
        preparation_id=preparation.pk,
    )
    return {
        "administration": given,
        "preparation": preparation,
        "assessment": SessionAssessment.objects.filter(session=session).latest("pk"),
        "open_session": session,
    }


CASES: dict[str, tuple[str, Any]] = {
    "administration_dose_positive": ("administration", {"dose_mg": Decimal("0")}),
    "administration_remainder_booked": (
        "administration",
        {"remainder_mg": Decimal("5"), "remainder_entry_id": None},
    ),
    "preparation_dose_positive": ("preparation", {"dose_mg": Decimal("-1")}),
    "assessment_sedation_1_to_4": ("assessment", {"sedation_score": 5}),
    "one_open_session_per_patient": ("open_session", {}),
    "out_of_window_by_a_physician_with_a_reason": (
        "open_session",
        {"out_of_window_reason": "the patient came late"},
    ),
    # Every other unique key moved, so only the chain position repeats.
    "administration_chain_position": (
        "administration",
        lambda row: _moved(
            row,
            "session_id",
            "decision_id",
            "issued_entry_id",
            "preparation_id",
            "remainder_entry_id",
        ),
    ),
}

MOVED_KEYS = {
    "administration": lambda row: _moved(
        row,
        "session_id",
        "decision_id",
        "issued_entry_id",
        "preparation_id",
        "remainder_entry_id",
        "chain_seq",
    ),
    "preparation": lambda row: _moved(row, "issued_entry_id"),
    "assessment": lambda row: {},
    "open_session": lambda row: _moved(row, "patient_id"),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    name, changes = CASES[constraint]
    row = rows[name]
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"):
        insert(copy_of(row, **(changes(row) if callable(changes) else changes)))


def test_a_sedation_score_of_zero_is_refused_too(rows: dict[str, models.Model]) -> None:
    with pytest.raises(IntegrityError, match="assessment_sedation_1_to_4"):
        insert(copy_of(rows["assessment"], sedation_score=0))


@pytest.mark.parametrize("name", sorted(MOVED_KEYS))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    row = rows[name]
    insert(copy_of(row, **MOVED_KEYS[name](row)))


def test_every_constraint_of_these_models_has_a_case() -> None:
    declared = {
        constraint.name
        for model in (Administration, DosePreparation, SessionAssessment, DosingSession)
        for constraint in model._meta.constraints
    }
    assert declared == set(CASES)
