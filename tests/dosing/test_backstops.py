"""Each of the dosing record's database backstops, tested directly (as the pharmacy's are, in
tests/pharmacy/test_backstops.py): a copy of a valid row with one change, written past every
service, is refused under the constraint's name; the unchanged copy with its unique keys moved is
accepted. The station's records refuse UPDATE, so copies are inserted, never edited.

`rows` is one session, drawn and given; `station_records` (the shared shape of
tests/backstops.py) adds decisions, an override, a spill, a refusal, a sign-off and an adverse
event, of a second patient with a dosing history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, models

from openhat.dosing.models import (
    Administration,
    AdverseEvent,
    DosePreparation,
    DosingSession,
    ObservationSignOff,
    SessionAssessment,
    SessionDecision,
    SessionException,
    SessionOverride,
)
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.services.exceptions import end_without_dose, record_spill
from openhat.dosing.services.overrides import override_session
from tests import backstops
from tests.backstops import assert_accepted, assert_refused, far, same
from tests.dosing.factories import decided, drawn, titrated
from tests.pharmacy.test_backstops import copy_of, insert
from tests.prescribing.conftest import totp_code

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


@pytest.fixture
def station_records(personas: Any, station: Any) -> dict[str, models.Model]:
    """A patient with two days of doses, each signed off; today a held session, lifted by an
    override, its dose spilled (witnessed waste), then refused. And an adverse event in which
    naloxone was given."""
    nurse, physician = personas["nurse"], personas["physician"]
    other = titrated(personas, station)
    session, held = decided(personas, other.patient, sedation_score=4)
    after = override_session(
        actor=physician,
        session_id=session.pk,
        decision_id=held.pk,
        rule_ids=["sedation_hold"],
        reason="Known to score 4 when tired; alert and talking.",
        totp_code=totp_code(physician),
        allowed_dose_mg="15",
    )
    drawn(personas, other, session, after, after.max_dose_mg)
    spill = record_spill(actor=nurse, session_id=session.pk, witness=personas["pharmacist"])
    refusal = end_without_dose(actor=nurse, session_id=session.pk, kind="refused")
    event = record_adverse_event(
        actor=nurse,
        patient=other.patient,
        kind="overdose",
        severity="severe",
        outcome="recovered",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
    )
    return {
        "decision": held,
        "override": SessionOverride.objects.get(session=session),
        "spill": spill,
        "refusal": refusal,
        "sign_off": ObservationSignOff.objects.latest("pk"),
        "adverse_event": event,
    }


STATION_MOVED = {
    "decision": lambda row: far(row, "chain_seq"),
    "override": {},
    "spill": lambda row: far(row, "preparation_id", "waste_entry_id"),
    "refusal": {},
    "sign_off": lambda row: far(row, "session_id", "assessment_id"),
    "adverse_event": lambda row: far(row, "chain_seq"),
}

STATION_CASES = {
    "session_decision_chain_position": ("decision", same("chain_seq")),
    "override_reason_written": ("override", {"reason": ""}),
    "override_names_findings": ("override", {"rule_ids": []}),
    "override_allowed_dose_positive": ("override", {"allowed_dose_mg": Decimal("0")}),
    "spill_is_witnessed_waste": ("spill", {"witness_id": None}),
    "exception_by_a_person": ("refusal", {"by_id": None}),
    "sign_off_physician_with_second_factor": ("sign_off", lambda row: {"physician_id": row.by_id}),
    "naloxone_dose_and_route_when_given": ("adverse_event", {"naloxone_dose_mg": None}),
    "adverse_event_chain_position": ("adverse_event", same("chain_seq")),
}


@pytest.mark.parametrize("constraint", sorted(STATION_CASES))
def test_the_database_refuses_a_station_record_that_breaks_the_constraint(
    station_records: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(station_records, STATION_MOVED, STATION_CASES, constraint)


NALOXONE = "naloxone_dose_and_route_when_given"


@pytest.mark.parametrize(
    ("name", "changes", "constraint"),
    [
        ("spill", {"preparation_id": None}, "spill_is_witnessed_waste"),
        ("spill", {"waste_entry_id": None}, "spill_is_witnessed_waste"),
        # a refusal holds no drawn dose, so calling it a spill is refused
        ("refusal", {"kind": "spilled"}, "spill_is_witnessed_waste"),
        # a second factor checked with no physician named
        (
            "sign_off",
            lambda row: {"second_factor_verified_at": row.at},
            "sign_off_physician_with_second_factor",
        ),
        ("adverse_event", {"naloxone_route": ""}, NALOXONE),
        ("adverse_event", {"naloxone_dose_mg": Decimal("0")}, NALOXONE),
        ("adverse_event", {"naloxone_given": False}, NALOXONE),
    ],
)
def test_each_other_half_is_refused_too(
    station_records: dict[str, models.Model], name: str, changes: Any, constraint: str
) -> None:
    assert_refused(station_records, STATION_MOVED, {constraint: (name, changes)}, constraint)


def test_naloxone_not_given_with_neither_dose_nor_route_is_accepted(
    station_records: dict[str, models.Model],
) -> None:
    """The control for the naloxone cases: the other whole shape of the row is valid."""
    none_given = {"naloxone_given": False, "naloxone_dose_mg": None, "naloxone_route": ""}
    assert_accepted(
        station_records,
        {**STATION_MOVED, "adverse_event": lambda row: {**far(row, "chain_seq"), **none_given}},
        "adverse_event",
    )


def test_a_session_closed_by_the_clock_needs_no_person(
    station_records: dict[str, models.Model],
) -> None:
    """The control for `exception_by_a_person`: only a session left open has no one's name."""
    by_the_clock = {"kind": "not_completed", "by_id": None}
    assert_accepted(station_records, {**STATION_MOVED, "refusal": by_the_clock}, "refusal")


@pytest.mark.parametrize("name", sorted(STATION_MOVED))
def test_the_unchanged_station_record_is_accepted(
    station_records: dict[str, models.Model], name: str
) -> None:
    assert_accepted(station_records, STATION_MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    declared = backstops.declared(
        [
            Administration,
            DosePreparation,
            SessionAssessment,
            DosingSession,
            SessionDecision,
            SessionOverride,
            SessionException,
            ObservationSignOff,
            AdverseEvent,
        ]
    )
    assert declared == set(CASES) | set(STATION_CASES)
