"""Preparation (docs/domain.md §3.5 step 4): the dose drawn for a session is the ledger's `dose issued`
entry, with mg and mL, from a lot of the right drug and form that has not expired."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core import clock
from openhat.dosing.models import DosePreparation, SessionState
from openhat.dosing.services.administer import prepare
from openhat.dosing.services.sessions import check_in
from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.models import EntryKind, LedgerEntry, Lot
from openhat.pharmacy.services import receive_stock, transfer_stock
from tests.conftest import make_user
from tests.dosing.factories import (
    decided,
    drawn,
    open_session,
    oral_methadone,
    refused,
    titrated,
)
from tests.pharmacy.conftest import held, receive


def _prepare_kwargs(personas, station, session, decision, dose="15", **changes):
    kwargs = dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    kwargs.update(changes)
    return kwargs


def test_the_first_dose_is_drawn_as_a_dose_issued_entry_with_mg_and_ml(personas, station):
    session, decision = decided(personas, station.patient)
    assert decision.max_dose_mg == Decimal("15")  # the label's first dose
    room = station.formulary.dosing_room
    stock_before = held(station.solution, room)

    preparation = drawn(personas, station, session, decision, "15")

    assert preparation.dose_mg == Decimal("15") and preparation.volume_ml == Decimal("0.15")
    entry = preparation.issued_entry
    assert entry.kind == EntryKind.DOSE_ISSUED
    assert entry.quantity_mg == Decimal("-15") and entry.volume_ml == Decimal("-0.15")
    assert entry.patient == station.patient and entry.lot == station.solution
    assert entry.location == room and entry.dose_reference == f"session {session.pk}"
    assert held(station.solution, room) == stock_before - Decimal("15")
    assert preparation.decision == decision and preparation.by == personas["nurse"]
    session.refresh_from_db()
    assert session.state == SessionState.PREPARED
    event = AuditEvent.objects.get(code=AuditCode.DOSE_PREPARED)
    assert event.object_id == str(preparation.pk)
    assert event.data["ledger_entry"] == entry.pk and event.data["volume_ml"] == "0.150"


def test_fifty_mg_of_the_100_mg_per_ml_solution_is_half_a_millilitre(personas, station):
    later = titrated(personas, station)
    session, decision = decided(personas, later.patient, dose_mg="50")
    assert decision.verdict == "dose" and decision.max_dose_mg >= Decimal("50")

    preparation = drawn(personas, later, session, decision, "50")

    assert preparation.volume_ml == Decimal("0.5")
    assert preparation.issued_entry.quantity_mg == Decimal("-50")
    assert preparation.issued_entry.volume_ml == Decimal("-0.5")


def test_a_pharmacist_may_prepare_a_counsellor_may_not(personas, station):
    session, decision = decided(personas, station.patient)
    kwargs = _prepare_kwargs(personas, station, session, decision)
    refused(prepare, "role_not_allowed", **{**kwargs, "actor": personas["counsellor"]})
    refused(prepare, "session_not_found", **{**kwargs, "actor": personas["outsider"]})

    preparation = prepare(**{**kwargs, "actor": personas["pharmacist"]})
    assert preparation.by == personas["pharmacist"]
    assert preparation.issued_entry.actor == personas["pharmacist"]


def test_a_second_preparation_is_refused(personas, station):
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, "10")
    refused(prepare, "already_prepared", **_prepare_kwargs(personas, station, session, decision))
    assert DosePreparation.objects.filter(session=session).count() == 1


def test_the_same_idempotency_key_draws_once(personas, station):
    session, decision = decided(personas, station.patient)
    kwargs = _prepare_kwargs(personas, station, session, decision, idempotency_key="prep-0001")
    first = prepare(**kwargs)
    entries = LedgerEntry.objects.count()
    assert prepare(**kwargs).pk == first.pk
    assert LedgerEntry.objects.count() == entries


def test_a_lot_of_another_drug_is_refused(personas, station):
    methadone_lot = oral_methadone(personas, station)
    session, decision = decided(personas, station.patient)
    error = refused(
        prepare,
        "lot_wrong_drug",
        **_prepare_kwargs(personas, station, session, decision, lot_id=methadone_lot.pk),
    )
    assert error.field == "lot"


def test_a_form_that_cannot_be_given_by_the_route_is_refused(personas, station):
    tablets = receive(
        personas, station.formulary.dam_tablet, station.formulary.safe, 2000, "mg", lot_number="T-1"
    )
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=tablets.pk,
        from_location_id=station.formulary.safe.pk,
        to_location_id=station.formulary.dosing_room.pk,
        amount=Decimal("2000"),
        unit="mg",
    )
    session, decision = decided(personas, station.patient)  # DAM IV
    error = refused(
        prepare,
        "lot_wrong_form",
        **_prepare_kwargs(personas, station, session, decision, lot_id=tablets.pk),
    )
    assert "iv" in error.message


def test_an_expired_solution_is_refused(personas, station):
    # The solution was in use at check-in (check-in needs usable stock in the dosing room); its
    # in-use time then ran out before the dose was drawn, in the same window.
    session, decision = decided(personas, station.patient)
    Lot.objects.filter(pk=station.solution.pk).update(
        in_use_expires_at=clock.now() - timedelta(minutes=1)
    )
    refused(prepare, "solution_expired", **_prepare_kwargs(personas, station, session, decision))


def test_an_expired_lot_is_refused(personas, station):
    # Usable at check-in; the lot's expiry date is then found to have been yesterday.
    session, decision = decided(personas, station.patient)
    Lot.objects.filter(pk=station.solution.pk).update(
        expires_on=clinic_today(personas.clinic) - timedelta(days=1)
    )
    refused(prepare, "lot_expired", **_prepare_kwargs(personas, station, session, decision))


def test_check_in_is_refused_when_the_dosing_rooms_only_lot_has_expired(personas, station):
    Lot.objects.filter(pk=station.solution.pk).update(
        expires_on=clinic_today(personas.clinic) - timedelta(days=1)
    )
    refused(
        check_in,
        "no_usable_stock",
        actor=personas["nurse"],
        patient=station.patient,
        window=None,
        identity_confirmed=True,
    )


def _other_clinics_lot(personas):
    pharmacist = make_user("pharmacist_out")
    add_membership(actor=None, user=pharmacist, clinic=personas.other_clinic, role=Role.PHARMACIST)
    theirs = set_up_formulary(actor=pharmacist, clinic=personas.other_clinic)
    return receive_stock(
        actor=pharmacist,
        clinic=personas.other_clinic,
        product_id=theirs.dam_vial.pk,
        location_id=theirs.safe.pk,
        lot_number="OUT-1",
        supplier="Test supplier",
        expires_on=clinic_today(personas.other_clinic) + timedelta(days=300),
        receipt_document="DN-OUT",
        amount=1,
        unit="vial",
    ).first.lot


@pytest.mark.parametrize(
    ("lot_id", "code"),
    [(999999, "unknown_lot"), ("other clinic", "unknown_lot"), ("not a number", "invalid_id")],
)
def test_an_unknown_lot_is_refused(personas, station, lot_id, code):
    if lot_id == "other clinic":
        lot_id = _other_clinics_lot(personas).pk
    session, decision = decided(personas, station.patient)
    refused(prepare, code, **_prepare_kwargs(personas, station, session, decision, lot_id=lot_id))


def test_a_stale_or_missing_decision_is_refused(personas, station):
    session, decision = decided(personas, station.patient)
    refused(
        prepare,
        "stale_decision",
        **_prepare_kwargs(personas, station, session, decision, decision_id=decision.pk + 1000),
    )


def test_before_the_decision_nothing_is_drawn(personas, station):
    session = open_session(personas, station.patient)
    refused(prepare, "no_decision", **_prepare_kwargs(personas, station, session, session))


def test_a_dose_above_the_decision_is_not_drawn(personas, station):
    session, decision = decided(personas, station.patient)
    refused(
        prepare,
        "dose_exceeds_decision",
        **_prepare_kwargs(personas, station, session, decision, dose="15.5"),
    )


def test_a_held_decision_draws_nothing(personas, station):
    session, decision = decided(personas, station.patient, sedation_score=4)
    assert decision.verdict == "hold"
    refused(prepare, "dose_not_allowed", **_prepare_kwargs(personas, station, session, decision))
