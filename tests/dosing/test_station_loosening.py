"""A preset value a physician loosened when signing an order beyond the preset (with a reason) is
the value the station decides with, for that patient only while the order is in force, and every
finding that uses it says so (DESIGN.md: a clinic never silently loosens a value)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from openhat.dosing.services.administer import administer
from openhat.dosing.services.context import protocol_for_patient
from openhat.prescribing.services import sign_order, stop_order
from tests.conftest import register_zrh_patient
from tests.dosing.factories import decided, oral_methadone
from tests.prescribing.conftest import dam, enrol, methadone, totp_code

TOLERANCE = "documented tolerance above 1000 mg for 6 months, reviewed with the team"
NIGHT_COVER = "stable on 200 mg methadone for years beside DAM"


def _finding(decision, rule_id):
    return next(finding for finding in decision.findings if finding["rule_id"] == rule_id)


def _sign(personas, patient, order, reason=None):
    physician = personas["physician"]
    return sign_order(
        actor=physician,
        patient=patient,
        order=order,
        totp_code=totp_code(physician),
        loosening_reason=reason,
    )


def test_a_loosened_daily_maximum_is_used_and_said(personas, station):
    patient = enrol(register_zrh_patient(personas))
    _sign(
        personas,
        patient,
        dam(dose_min="300", dose_max="400", sessions_per_day=3, daily_max="1200"),
        TOLERANCE,
    )
    protocol = protocol_for_patient(personas.clinic, patient, timezone.now())
    assert protocol.numbers["dam.daily_max_mg"] == Decimal("1200")

    _, decision = decided(personas, patient)

    daily = _finding(decision, "daily_max")
    # The loosened protocol value is the limit in force, and the finding says it binds.
    assert "the protocol's daily maximum of 1200 mg DAM" in daily["message"], daily["message"]
    assert Decimal(daily["preset_value"]) == Decimal("1200")
    assert Decimal(daily["cap_mg"]) == Decimal("1200")  # nothing given today yet
    assert "loosened" in daily["loosened"] and TOLERANCE in daily["loosened"]
    assert personas["physician"].username in daily["loosened"]
    assert any(TOLERANCE in text for text in decision.result["loosened"])
    # The snapshot the decision is replayed from keeps the loosened value.
    assert "1200" in str(decision.snapshot)

    # The other patient of the clinic keeps the preset's value.
    _, theirs = decided(personas, station.patient)
    assert not _finding(theirs, "daily_max")["loosened"]
    assert not theirs.result["loosened"]


def test_a_loosened_methadone_limit_beside_dam_lets_the_order_be_given(personas, station):
    lot = oral_methadone(personas, station, daily="60")  # a first methadone order, within limits
    patient = enrol(register_zrh_patient(personas))
    _sign(personas, patient, dam())
    _sign(personas, patient, methadone("200"), NIGHT_COVER)

    session, decision = decided(personas, patient, drug="methadone", route="oral")

    assert decision.verdict == "dose" and decision.max_dose_mg == Decimal("200")
    beside = _finding(decision, "methadone_beside_dam")
    assert NIGHT_COVER in beside["loosened"]
    given = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="200",
        lot_id=lot.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    assert given.dose_mg == Decimal("200")

    # Without the loosening the same preset stops at 150 mg beside DAM.
    _, station_decision = decided(personas, station.patient, drug="methadone", route="oral")
    assert _finding(station_decision, "methadone_beside_dam")["loosened"] is None


def test_a_stopped_order_no_longer_loosens(personas, station):
    patient = enrol(register_zrh_patient(personas))
    loosened = _sign(
        personas,
        patient,
        dam(dose_min="300", dose_max="400", sessions_per_day=3, daily_max="1200"),
        TOLERANCE,
    )
    stop_order(actor=personas["physician"], line=loosened.line, reason="back to the usual plan")
    _sign(personas, patient, dam(ends_at=timezone.now() + timedelta(days=10)))

    protocol = protocol_for_patient(personas.clinic, patient, timezone.now())
    assert protocol.numbers["dam.daily_max_mg"] == Decimal("1000")
    _, decision = decided(personas, patient)
    assert not _finding(decision, "daily_max")["loosened"]
