"""One session through the services on real PostgreSQL: check in, assess, decide, administer, sign off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.models import Administration, SessionState
from openhat.dosing.services.administer import administer
from openhat.dosing.services.sessions import assess, check_in, decide_session, sign_off
from openhat.pharmacy.models import EntryKind, LedgerEntry


def open_session(personas, station, **assessment):
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    assess(
        actor=nurse,
        session_id=session.pk,
        sedation_score=assessment.get("sedation_score", 1),
        breath_alcohol_mg_per_l=assessment.get("breath_alcohol", "0"),
    )
    return session


def test_a_whole_session(personas, station):
    nurse = personas["nurse"]
    session = open_session(personas, station)
    decision = decide_session(
        actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="200"
    )
    assert decision.verdict in ("dose", "dose_reduced"), decision.findings
    dose = min(Decimal("150"), decision.max_dose_mg)

    given = administer(
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )

    assert given.issued_entry.kind == EntryKind.DOSE_ISSUED
    assert given.issued_entry.quantity_mg == -dose
    assert given.issued_entry.patient == station.patient
    session.refresh_from_db()
    assert session.state == SessionState.OBSERVING
    with pytest.raises(DomainError) as caught:
        sign_off(actor=nurse, session_id=session.pk, sedation_score=1)
    assert caught.value.code == "observation_not_over"
    with clock.backdated(given.observe_until + timedelta(seconds=1)):
        sign_off(actor=nurse, session_id=session.pk, sedation_score=1, notes="alert, comfortable")
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED


def test_a_second_administration_for_the_session_is_refused(personas, station):
    nurse = personas["nurse"]
    session = open_session(personas, station)
    decision = decide_session(
        actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="150"
    )
    kwargs = dict(
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=decision.max_dose_mg,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    administer(**kwargs)
    before = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        administer(**kwargs)
    assert caught.value.code == "already_administered"
    assert LedgerEntry.objects.count() == before
    assert Administration.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"dose_mg": "above"}, "dose_exceeds_decision"),
        ({"dose_mg": "-5"}, "dose_not_positive"),
        ({"site": "left_deltoid"}, "site_not_valid_for_route"),
        ({"site": ""}, "site_not_valid_for_route"),
        ({"lot_id": 999999}, "unknown_lot"),
        ({"decision_id": 0}, "stale_decision"),
    ],
)
def test_bad_administrations_record_nothing(personas, station, change, code):
    nurse = personas["nurse"]
    session = open_session(personas, station)
    decision = decide_session(
        actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="150"
    )
    kwargs = dict(
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=decision.max_dose_mg,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    kwargs.update(change)
    if kwargs["dose_mg"] == "above":  # a new patient's first dose is capped low: go just above it
        kwargs["dose_mg"] = decision.max_dose_mg + Decimal("0.5")
    before = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        administer(**kwargs)
    assert caught.value.code == code
    assert LedgerEntry.objects.count() == before and not Administration.objects.exists()


def test_administering_without_a_decision_is_refused(personas, station):
    session = open_session(personas, station)
    with pytest.raises(DomainError) as caught:
        administer(
            actor=personas["nurse"],
            session_id=session.pk,
            decision_id=1,
            dose_mg="15",
            site="left_arm",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )
    assert caught.value.code == "no_decision"


def test_an_open_session_blocks_a_second_check_in(personas, station):
    open_session(personas, station)
    with pytest.raises(DomainError) as caught:
        check_in(
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
        )
    assert caught.value.code == "session_open"


def test_check_in_needs_the_identity_confirmed(personas, station):
    with pytest.raises(DomainError) as caught:
        check_in(
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=False,
        )
    assert caught.value.code == "identity_not_confirmed"
