"""The window of a check-in or a dose is the clock's, never the caller's (issue 12, item 3).

The clinic here has the usual windows (07:00-10:30, 11:30-14:30, 16:00-20:00); each test pins the
clock to a local time at ZRH after now, so the order signed now is in force.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.services import set_dosing_windows
from openhat.core import clock
from openhat.core.errors import DomainError, PermissionDenied
from openhat.dosing.models import DosingSession
from openhat.dosing.services.out_of_window import open_out_of_window
from openhat.dosing.services.sessions import assess, check_in, decide_session
from openhat.pharmacy.services import transfer_stock
from openhat.prescribing.services import sign_order
from tests.conftest import register_zrh_patient
from tests.dosing.factories import decided, drawn, refused
from tests.pharmacy.conftest import receive
from tests.prescribing.conftest import enrol, methadone, totp_code


def at(personas: Any, hour: int, minute: int = 0) -> datetime:
    """The next moment at ZRH with this local time (after now: the orders signed now are in
    force, the station's solution is in use for 48 hours)."""
    now = timezone.localtime(timezone.now(), personas.clinic.zone)
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def _check_in(personas: Any, patient: Any, **extra: Any) -> DosingSession:
    return check_in(actor=personas["nurse"], patient=patient, identity_confirmed=True, **extra)


def test_a_check_in_after_the_evening_window_is_refused(personas, usual_windows, station):
    before = DosingSession.objects.count()
    with clock.backdated(at(personas, 22, 59)):
        error = refused(
            check_in,
            "outside_dosing_window",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
        )
    assert "22:59" in error.message and "16:00-20:00" in error.message
    assert DosingSession.objects.count() == before


def test_the_session_takes_the_window_open_now(personas, usual_windows, station):
    with clock.backdated(at(personas, 12, 0)):
        session = _check_in(personas, station.patient)
    assert session.window == "midday"


def test_a_window_named_by_the_caller_must_be_the_open_one(personas, usual_windows, station):
    with clock.backdated(at(personas, 12, 0)):
        error = refused(
            check_in,
            "window_not_open",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
            window="evening",
        )
    assert "midday window is open" in error.message
    with clock.backdated(at(personas, 14, 31)):
        refused(
            check_in,
            "outside_dosing_window",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
            window="evening",
        )
    assert not DosingSession.objects.exists()


def test_an_evening_only_order_is_refused_at_midday(personas, usual_windows, station):
    patient = enrol(register_zrh_patient(personas))
    physician = personas["physician"]
    sign_order(
        actor=physician,
        patient=patient,
        order=methadone(windows=["evening"]),
        totp_code=totp_code(physician),
    )
    lot = receive(
        personas, station.formulary.methadone, station.formulary.safe, 100, "mL", lot_number="M-9"
    )
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        from_location_id=station.formulary.safe.pk,
        to_location_id=station.formulary.dosing_room.pk,
        amount=50,
        unit="mL",
    )
    with clock.backdated(at(personas, 12, 0)):
        error = refused(
            check_in,
            "outside_order_window",
            actor=personas["nurse"],
            patient=patient,
            identity_confirmed=True,
        )
    assert "evening 16:00-20:00" in error.message
    with clock.backdated(at(personas, 17, 0)):
        assert _check_in(personas, patient).window == "evening"


def test_no_decision_or_dose_after_the_window_closed(personas, usual_windows, station):
    """A page left open at 10:29 and clicked at 10:31."""
    with clock.backdated(at(personas, 10, 20)):
        session, decision = decided(personas, station.patient, dose_mg="150")
    with clock.backdated(at(personas, 10, 31)):
        refused(
            decide_session,
            "window_closed",
            actor=personas["nurse"],
            session_id=session.pk,
            drug="dam",
            route="iv",
            dose_mg="150",
        )
        with pytest.raises(DomainError) as caught:
            drawn(personas, station, session, decision, "150")
    assert caught.value.code == "window_closed"
    assert "closed at 10:30" in caught.value.message


def _out_of_window(personas: Any, patient: Any, **changes: Any) -> DosingSession:
    values: dict[str, Any] = {
        "actor": personas["nurse"],
        "physician": personas["physician"],
        "patient": patient,
        "window": "evening",
        "reason": "Works a night shift tonight; evening dose given late, reviewed.",
        "totp_code": totp_code(personas["physician"]),
        "identity_confirmed": True,
    }
    values.update(changes)
    return open_out_of_window(**values)


def test_a_physician_opens_a_session_outside_the_windows(personas, usual_windows, station):
    with clock.backdated(at(personas, 22, 59)):
        with pytest.raises(DomainError) as wrong_code:
            _out_of_window(personas, station.patient, totp_code="000000")
        assert wrong_code.value.code == "second_factor_invalid"
        assert not DosingSession.objects.exists()
        refused(
            _out_of_window,
            "out_of_window_reason_required",
            personas=personas,
            patient=station.patient,
            reason="late",
        )
        session = _out_of_window(personas, station.patient)
        assess(
            actor=personas["nurse"],
            session_id=session.pk,
            sedation_score=1,
            breath_alcohol_mg_per_l="0",
        )
        decision = decide_session(
            actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv", dose_mg="150"
        )
    assert session.out_of_window_by == personas["physician"]
    assert session.checked_in_by == personas["nurse"] and session.window == "evening"
    assert decision.verdict in ("dose", "dose_reduced")  # a first dose: the titration cap
    event = AuditEvent.objects.get(code=AuditCode.SESSION_OPENED_OUT_OF_WINDOW)
    assert event.data["reason"].startswith("Works a night shift")


def test_no_out_of_window_session_while_the_window_is_open(personas, usual_windows, station):
    with clock.backdated(at(personas, 17, 0)):
        refused(_out_of_window, "window_is_open", personas=personas, patient=station.patient)


def test_a_nurse_cannot_stand_in_for_the_physician(personas, usual_windows, station):
    with clock.backdated(at(personas, 22, 59)), pytest.raises(PermissionDenied):
        _out_of_window(personas, station.patient, physician=personas["nurse"])
    assert not DosingSession.objects.exists()


def test_the_manager_sets_the_windows_and_it_is_audited(personas, usual_windows, station):
    hours = {
        "morning_opens": "06:30",
        "morning_closes": "10:00",
        "midday_opens": "11:30",
        "midday_closes": "14:30",
        "evening_opens": "16:00",
        "evening_closes": "23:30",
    }
    with pytest.raises(PermissionDenied):
        set_dosing_windows(actor=personas["nurse"], clinic=personas.clinic, hours=hours)
    with pytest.raises(DomainError) as caught:
        set_dosing_windows(
            actor=personas["manager"],
            clinic=personas.clinic,
            hours={**hours, "midday_opens": "09:00"},
        )
    assert caught.value.code == "windows_overlap"
    clinic = set_dosing_windows(actor=personas["manager"], clinic=personas.clinic, hours=hours)
    event = AuditEvent.objects.filter(code=AuditCode.CLINIC_UPDATED).latest("pk")
    assert event.data["dosing_windows"]["after"]["evening_closes"] == "23:30"
    station.patient.clinic.refresh_from_db()
    with clock.backdated(at(personas, 22, 59)):
        assert _check_in(personas, station.patient).window == "evening"
    assert clinic.evening_closes.hour == 23


def test_over_the_api_the_window_is_the_clocks(personas, usual_windows, station, client_for):
    from tests.dosing.api_client import check_in_body, expect, expect_error, post, station_rows

    nurse = client_for("nurse")
    rows = station_rows()
    with clock.backdated(at(personas, 14, 31)):
        expect_error(
            post(nurse, "sessions", check_in_body(station.patient.pk, "evening")),
            400,
            "outside_dosing_window",
        )
    with clock.backdated(at(personas, 12, 0)):
        expect_error(
            post(nurse, "sessions", check_in_body(station.patient.pk, "evening")),
            400,
            "window_not_open",
        )
        assert station_rows() == rows
        session = expect(post(nurse, "sessions", check_in_body(station.patient.pk)), 201)
    assert session["window"] == "midday" and session["out_of_window_by"] is None


def test_over_the_api_a_physician_opens_a_session_late(
    personas, usual_windows, station, client_for
):
    from tests.conftest import PASSWORD
    from tests.dosing.api_client import expect, expect_error, post

    body = {
        "patient_id": station.patient.pk,
        "window": "evening",
        "identity_confirmed": True,
        "reason": "Bus strike; the evening dose is given late after review.",
        "totp_code": totp_code(personas["physician"]),
        "physician_username": "physician_zrh",
        "physician_password": PASSWORD,
    }
    nurse = client_for("nurse")
    with clock.backdated(at(personas, 21, 15)):
        expect_error(
            post(nurse, "sessions/out-of-window", {**body, "physician_username": "nurse_zrh"}),
            400,
            "physician_not_allowed",
        )
        session = expect(post(nurse, "sessions/out-of-window", body), 201)
    assert session["out_of_window_by"] == "physician_zrh" and session["window"] == "evening"
    assert session["out_of_window_reason"].startswith("Bus strike")
