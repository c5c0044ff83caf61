"""What bad input gets (issue 6): a clear message with a stable code, and nothing recorded: no
administration, preparation, ledger entry, exception or audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openhat.core import clock
from openhat.dosing.models import Administration, SessionState
from openhat.dosing.services.administer import administer
from openhat.dosing.services.exceptions import end_without_dose, record_spill
from openhat.dosing.services.overrides import override_session
from openhat.dosing.services.sessions import check_in
from openhat.dosing.windows import open_window
from openhat.pharmacy.models import Lot
from tests.conftest import register_zrh_patient
from tests.dosing.factories import decided, drawn, open_session, oral_methadone, refused
from tests.prescribing.conftest import enrol, totp_code


def _give(personas, station, session, decision, **changes):
    kwargs = dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=getattr(decision, "pk", decision),
        dose_mg="15",
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    kwargs.update(changes)
    return kwargs


def test_administering_without_a_decision(personas, station):
    assessed = open_session(personas, station.patient)
    error = refused(administer, "no_decision", **_give(personas, station, assessed, 1))
    assert "decision" in error.message.lower()
    only_checked_in = check_in(
        actor=personas["nurse"],
        patient=enrol(register_zrh_patient(personas)),
        identity_confirmed=True,
    )
    refused(administer, "no_decision", **_give(personas, station, only_checked_in, 1))


@pytest.mark.parametrize("dose", ["15.001", "16", "200", "5000"])
def test_a_dose_above_the_decision(personas, station, dose):
    session, decision = decided(personas, station.patient)
    error = refused(
        administer,
        "dose_exceeds_decision",
        **_give(personas, station, session, decision, dose_mg=dose),
    )
    assert "15 mg" in error.message and error.field == "dose_mg"


@pytest.mark.parametrize(
    ("dose", "code"),
    [
        ("abc", "dose_not_a_number"),
        ("", "dose_not_a_number"),
        ("0", "dose_not_positive"),
        ("-5", "dose_not_positive"),
        ("NaN", "dose_not_a_number"),
        ("Infinity", "dose_not_a_number"),
        ("1e400", "number_not_plain"),
        ("10.0001", "dose_out_of_range"),
    ],
)
def test_a_dose_that_is_not_a_dose(personas, station, dose, code):
    session, decision = decided(personas, station.patient)
    refused(administer, code, **_give(personas, station, session, decision, dose_mg=dose))


def test_an_administration_while_the_observation_is_open(personas, station):
    session, decision = decided(personas, station.patient)
    administer(**_give(personas, station, session, decision))
    session.refresh_from_db()
    assert session.state == SessionState.OBSERVING
    error = refused(
        administer, "already_administered", **_give(personas, station, session, decision)
    )
    assert "still open" in error.message
    # Nor can a new session be opened for the patient until it is signed off.
    refused(
        check_in,
        "session_open",
        actor=personas["nurse"],
        patient=station.patient,
        identity_confirmed=True,
    )


@pytest.mark.parametrize(
    ("route", "site"),
    [
        ("iv", "left_deltoid"),
        ("iv", ""),
        ("iv", "left arm"),
        ("iv", "LEFT_ARM"),
        ("oral", "left_arm"),
    ],
)
def test_a_site_not_valid_for_the_route(personas, station, route, site):
    if route == "oral":
        lot = oral_methadone(personas, station)
        session, decision = decided(personas, station.patient, drug="methadone", route="oral")
        kwargs = _give(personas, station, session, decision, dose_mg="60", lot_id=lot.pk)
    else:
        session, decision = decided(personas, station.patient)
        kwargs = _give(personas, station, session, decision)
    error = refused(administer, "site_not_valid_for_route", **{**kwargs, "site": site})
    assert error.field == "site"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lot_id": 999999}, "unknown_lot"),
        ({"lot_id": "x"}, "invalid_id"),
        ({"location_id": 999999}, "unknown_location"),
        ({"location_id": None}, "invalid_id"),
        ({"location_id": "safe"}, "dose_not_from_dosing_room"),
    ],
)
def test_an_unknown_lot_or_a_place_doses_are_not_drawn_from(personas, station, changes, code):
    if changes.get("location_id") == "safe":
        changes = {"location_id": station.formulary.safe.pk}
    session, decision = decided(personas, station.patient)
    refused(administer, code, **_give(personas, station, session, decision, **changes))


def test_an_expired_solution(personas, station):
    """Decided a minute before the solution's in-use expiry, given a second after it (in the same
    window: a dose after the window closed is refused for that)."""
    expires = station.solution.in_use_expires_at
    zone = personas.clinic.zone
    # Both moments in one window of one day: a dose after the window closed is refused for that.
    while (
        open_window(personas.clinic, expires - timedelta(minutes=1))
        != open_window(personas.clinic, expires + timedelta(seconds=1))
        or (expires - timedelta(minutes=1)).astimezone(zone).date()
        != expires.astimezone(zone).date()
    ):
        expires += timedelta(minutes=5)
    Lot.objects.filter(pk=station.solution.pk).update(in_use_expires_at=expires)
    with clock.backdated(expires - timedelta(minutes=1)):
        session, decision = decided(personas, station.patient)
    with clock.backdated(expires + timedelta(seconds=1)):
        error = refused(
            administer, "solution_expired", **_give(personas, station, session, decision)
        )
    assert station.solution.lot_number in error.message


def test_a_missing_witness_for_waste(personas, station):
    nurse = personas["nurse"]
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, "15")
    refused(
        administer,
        "witness_required",
        **_give(personas, station, session, decision, dose_mg="10", remainder="waste"),
    )
    refused(record_spill, "witness_required", actor=nurse, session_id=session.pk, witness=None)
    refused(
        end_without_dose,
        "witness_required",
        actor=nurse,
        session_id=session.pk,
        kind="refused",
    )


def test_a_stale_form_after_another_station_recorded_the_dose(personas, station):
    """Two stations show the same decision; the second submits after the first gave the dose."""
    session, decision = decided(personas, station.patient)
    first_station = _give(personas, station, session, decision, site="left_arm")
    second_station = _give(personas, station, session, decision, site="right_arm")
    given = administer(**first_station)
    error = refused(administer, "already_administered", **second_station)
    assert "another station" in error.message
    assert Administration.objects.get() == given and given.site == "left_arm"


def test_a_stale_form_after_a_spill_and_a_new_draw(personas, station):
    session, decision = decided(personas, station.patient)
    old = drawn(personas, station, session, decision, "15")
    record_spill(actor=personas["nurse"], session_id=session.pk, witness=personas["pharmacist"])
    drawn(personas, station, session, decision, "15")
    refused(
        administer,
        "stale_preparation",
        **_give(personas, station, session, decision, preparation_id=old.pk),
    )


def test_a_stale_form_after_an_override(personas, station):
    session, decision = decided(personas, station.patient, sedation_score=4)
    override_session(
        actor=personas["physician"],
        session_id=session.pk,
        decision_id=decision.pk,
        rule_ids=["sedation_hold"],
        reason="Known to score high when tired; alert and talking at the station.",
        totp_code=totp_code(personas["physician"]),
        allowed_dose_mg="10",
    )
    refused(administer, "stale_decision", **_give(personas, station, session, decision))


@pytest.mark.parametrize("session_id", ["abc", None, 999999])
def test_an_unknown_session(personas, station, session_id):
    session, decision = decided(personas, station.patient)
    code = "session_not_found" if session_id == 999999 else "invalid_id"
    kwargs = _give(personas, station, session, decision)
    refused(administer, code, **{**kwargs, "session_id": session_id})
