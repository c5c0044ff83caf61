"""Sessions that do not go to plan (docs/domain.md §3.5 step 7): refused, held, left before the dose,
spilled (witnessed waste, then a new draw), left before observation ended, vomited an oral dose."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.models import (
    Administration,
    ExceptionKind,
    SessionException,
    SessionState,
)
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.exceptions import (
    end_without_dose,
    record_left_early,
    record_spill,
    record_vomited,
)
from openhat.dosing.services.sessions import check_in, decide_session, sign_off
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.services import reverse_movement
from tests.conftest import register_zrh_patient
from tests.dosing.factories import counts, decided, drawn, open_session, oral_methadone, refused
from tests.dosing.test_api import next_morning
from tests.pharmacy.conftest import held
from tests.prescribing.conftest import enrol


def _give(personas, session, decision, dose="15", **changes):
    kwargs = dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        site="left_arm",
    )
    kwargs.update(changes)
    return administer(**kwargs)


@pytest.mark.parametrize(
    ("kind", "notes"),
    [("refused", ""), ("held", "pinpoint pupils, slurred speech"), ("left_before_dose", "")],
)
def test_ending_a_session_before_the_dose(personas, station, kind, notes):
    session = open_session(personas, station.patient)
    entries = LedgerEntry.objects.count()

    row = end_without_dose(actor=personas["nurse"], session_id=session.pk, kind=kind, notes=notes)

    assert row.kind == kind and row.notes == notes and row.waste_entry is None
    assert row.witness is None and row.by == personas["nurse"]
    session.refresh_from_db()
    assert session.state == SessionState.NO_DOSE and session.ended_at == row.at
    assert session.end_reason == ExceptionKind(kind).label
    assert LedgerEntry.objects.count() == entries
    event = AuditEvent.objects.get(code=AuditCode.SESSION_EXCEPTION)
    assert event.object_id == str(row.pk) and event.data["kind"] == kind


def test_a_hold_needs_its_reason(personas, station):
    session = open_session(personas, station.patient)
    refused(
        end_without_dose,
        "notes_required",
        actor=personas["nurse"],
        session_id=session.pk,
        kind="held",
        notes="   ",
    )
    session.refresh_from_db()
    assert session.state == SessionState.ASSESSED


@pytest.mark.parametrize("kind", ["spilled", "vomited", "left_early", "lost", ""])
def test_only_the_ways_of_ending_without_a_dose_end_without_a_dose(personas, station, kind):
    session = open_session(personas, station.patient)
    refused(
        end_without_dose,
        "unknown_exception",
        actor=personas["nurse"],
        session_id=session.pk,
        kind=kind,
    )


@pytest.mark.parametrize("kind", ["refused", "held", "left_before_dose"])
def test_a_drawn_dose_is_wasted_witnessed_when_the_session_ends(personas, station, kind):
    session, decision = decided(personas, station.patient)
    preparation = drawn(personas, station, session, decision, "15")
    room = station.formulary.dosing_room
    stock = held(station.solution, room)
    kwargs = dict(
        actor=personas["nurse"], session_id=session.pk, kind=kind, notes="patient changed mind"
    )
    refused(end_without_dose, "witness_required", **kwargs)
    refused(end_without_dose, "witness_is_actor", **kwargs, witness=personas["nurse"])

    row = end_without_dose(**kwargs, witness=personas["pharmacist"])

    waste = row.waste_entry
    assert waste.kind == EntryKind.WASTE and waste.quantity_mg == Decimal("-15")
    assert waste.witness == personas["pharmacist"] and row.witness == personas["pharmacist"]
    assert waste.returns_entry == preparation.issued_entry
    assert held(station.solution, room) == stock  # booked back and out: stock falls once
    # Every mg issued is wasted with a witness (docs/domain.md §7 invariant 4).
    linked = LedgerEntry.objects.filter(returns_entry=preparation.issued_entry)
    assert sum(e.quantity_mg for e in linked.filter(kind=EntryKind.WASTE)) == Decimal("-15")
    session.refresh_from_db()
    assert session.state == SessionState.NO_DOSE
    assert not Administration.objects.exists()


def test_a_session_with_its_dose_given_cannot_end_without_one(personas, station):
    session, decision = decided(personas, station.patient)
    _give(personas, session, decision, lot_id=station.solution.pk, location_id=room(station))
    refused(
        end_without_dose,
        "session_past_dose",
        actor=personas["nurse"],
        session_id=session.pk,
        kind="refused",
    )


def room(station):
    return station.formulary.dosing_room.pk


def test_a_spill_is_wasted_witnessed_and_a_new_dose_can_be_drawn(personas, station):
    session, decision = decided(personas, station.patient)
    first = drawn(personas, station, session, decision, "15")
    refused(
        record_spill,
        "witness_required",
        actor=personas["nurse"],
        session_id=session.pk,
        witness=None,
    )

    spill = record_spill(
        actor=personas["nurse"],
        session_id=session.pk,
        witness=personas["physician"],
        notes="syringe dropped",
    )

    assert spill.kind == ExceptionKind.SPILLED and spill.preparation == first
    assert spill.waste_entry.quantity_mg == Decimal("-15")
    assert spill.waste_entry.witness == personas["physician"]
    session.refresh_from_db()
    assert session.state == SessionState.DECIDED
    refused(
        record_spill,
        "nothing_drawn",
        actor=personas["nurse"],
        session_id=session.pk,
        witness=personas["physician"],
    )

    second = drawn(personas, station, session, decision, "15")
    given = _give(personas, session, decision, preparation_id=second.pk)
    assert given.preparation == second and given.dose_mg == Decimal("15")
    issues = LedgerEntry.objects.filter(kind=EntryKind.DOSE_ISSUED, patient=station.patient)
    assert issues.count() == 2


def test_a_spill_then_a_refusal_wastes_nothing_twice(personas, station):
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, "15")
    record_spill(actor=personas["nurse"], session_id=session.pk, witness=personas["pharmacist"])
    wastes = LedgerEntry.objects.filter(kind=EntryKind.WASTE).count()
    row = end_without_dose(actor=personas["nurse"], session_id=session.pk, kind="refused")
    assert row.waste_entry is None
    assert LedgerEntry.objects.filter(kind=EntryKind.WASTE).count() == wastes


def test_leaving_early_closes_observation_and_the_next_session_is_due(personas, station):
    nurse = personas["nurse"]
    session, decision = decided(personas, station.patient)
    given = _give(
        personas, session, decision, lot_id=station.solution.pk, location_id=room(station)
    )
    refused(
        record_left_early,
        "not_in_observation",
        actor=nurse,
        session_id=open_session_of_other(personas, station),
    )

    row = record_left_early(actor=nurse, session_id=session.pk, notes="walked out at 5 min")

    assert row.kind == ExceptionKind.LEFT_EARLY
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED
    assert session.end_reason == ExceptionKind.LEFT_EARLY.label
    refused(sign_off, "not_in_observation", actor=nurse, session_id=session.pk, sedation_score=1)
    refused(record_left_early, "not_in_observation", actor=nurse, session_id=session.pk)

    with clock.backdated(given.administered_at + timedelta(minutes=45)):
        later = open_session(personas, station.patient)
        next_decision = decide_session(
            actor=nurse, session_id=later.pk, drug="dam", route="iv", dose_mg="30"
        )
    rule_ids = {finding["rule_id"] for finding in next_decision.findings}
    assert "observation_open" not in rule_ids
    assert next_decision.verdict in ("dose", "dose_reduced"), next_decision.findings


def open_session_of_other(personas, station):
    """A session of the same patient's clinic that is not in observation (checked in only)."""
    other = enrol(register_zrh_patient(personas))
    return check_in(actor=personas["nurse"], patient=other, identity_confirmed=True).pk


def test_vomiting_is_for_oral_doses_only(personas, station):
    session, decision = decided(personas, station.patient)
    kwargs = dict(actor=personas["nurse"], session_id=session.pk, notes="vomited")
    refused(record_vomited, "no_dose_given", **kwargs)
    _give(personas, session, decision, lot_id=station.solution.pk, location_id=room(station))
    refused(record_vomited, "not_an_oral_dose", **kwargs)


def test_a_pharmacist_does_not_record_exceptions(personas, station):
    session = open_session(personas, station.patient)
    refused(
        end_without_dose,
        "role_not_allowed",
        actor=personas["pharmacist"],
        session_id=session.pk,
        kind="refused",
    )
    assert not SessionException.objects.exists()


def test_an_oral_methadone_session_end_to_end_and_vomiting(personas, station):
    """Oral doses take the same steps with the oral rules: no body site, methadone solution."""
    # Its sessions must fall on one dosing day: it starts at the next 08:00, not at whatever
    # time it runs (started after 23:15 in Zurich, they crossed midnight).
    with clock.backdated(next_morning(personas)):
        _an_oral_methadone_session_end_to_end_and_vomiting(personas, station)


def _an_oral_methadone_session_end_to_end_and_vomiting(personas: Any, station: Any) -> None:
    nurse = personas["nurse"]
    methadone = oral_methadone(personas, station, daily="60")
    session, decision = decided(personas, station.patient, drug="methadone", route="oral")
    assert decision.verdict == "dose" and decision.max_dose_mg == Decimal("60")
    rule_ids = {finding["rule_id"] for finding in decision.findings}
    assert "methadone_beside_dam" in rule_ids and "titration_first_dose" not in rule_ids

    refused(
        prepare,
        "lot_wrong_drug",
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="60",
        lot_id=station.solution.pk,
        location_id=room(station),
    )
    preparation = drawn(personas, station, session, decision, "60", lot=methadone)
    assert preparation.volume_ml == Decimal("6")  # 10 mg/mL
    refused(
        administer,
        "site_not_valid_for_route",
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="60",
        site="left_arm",
    )
    given = _give(personas, session, decision, "60", site="")
    assert (given.drug, given.route, given.site) == ("methadone", "oral", "")

    vomited = record_vomited(actor=nurse, session_id=session.pk, notes="vomited at 10 min")
    assert vomited.kind == ExceptionKind.VOMITED
    refused(record_vomited, "already_recorded", actor=nurse, session_id=session.pk)
    session.refresh_from_db()
    assert session.state == SessionState.OBSERVING  # vomiting does not end the observation
    with clock.backdated(given.observe_until + timedelta(seconds=1)):
        sign_off(actor=nurse, session_id=session.pk, sedation_score=1)
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED

    # One methadone session a day on this order: a second one today is not due.
    with clock.backdated(given.observe_until + timedelta(minutes=5)):
        _, again = decided(personas, station.patient, drug="methadone", route="oral")
    assert again.verdict == "not_due"
    assert "sessions_per_day" in {finding["rule_id"] for finding in again.findings}


@pytest.mark.parametrize("how", ["spill", "refused"])
def test_the_ledger_cannot_undo_the_waste_of_a_drawn_dose(personas, station, how):
    """Undoing the waste would leave 15 mg issued to the patient, neither given nor wasted
    (docs/domain.md §7 invariant 4)."""
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, "15")
    if how == "spill":
        row = record_spill(
            actor=personas["nurse"], session_id=session.pk, witness=personas["pharmacist"]
        )
    else:
        row = end_without_dose(
            actor=personas["nurse"],
            session_id=session.pk,
            kind="refused",
            witness=personas["pharmacist"],
        )
    before = counts()
    with pytest.raises(DomainError) as refusal:
        reverse_movement(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            entry_id=row.waste_entry_id,
            reason="recorded in error",
            witness=personas["physician"],
        )
    assert refusal.value.code == "dose_settled_at_station"
    assert counts() == before
