"""Check-in says at once when no dose can follow it (issue 12, item 5): too soon after the last
dose ("due at 08:30"), or no usable stock in the dosing room; and it records nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openhat.core import clock
from openhat.dosing.models import DosingSession
from openhat.dosing.services.sessions import check_in
from tests.dosing.api_client import check_in_body, expect_error, post, station_rows
from tests.dosing.factories import full_session, refused
from tests.dosing.test_windows import at


def _dosed_at_eight(personas: Any, station: Any) -> Any:
    with clock.backdated(at(personas, 8, 0)):
        return full_session(personas, station, "15")


def test_a_second_session_too_soon_is_refused_at_check_in(personas, station, client_for):
    given = _dosed_at_eight(personas, station)
    nurse = client_for("nurse")  # signed in first: a sign-in writes its own audit event
    sessions = DosingSession.objects.count()
    too_soon = given.administered_at + timedelta(minutes=25)
    with clock.backdated(too_soon):
        error = refused(
            check_in,
            "not_due",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
        )
        rows = station_rows()
        answer = expect_error(
            post(nurse, "sessions", check_in_body(station.patient.pk)),
            400,
            "not_due",
        )
        page = nurse.post(
            f"/dosing/sessions/check-in/{station.patient.pk}/",
            {"idempotency_key": "test-due-1", "identity_confirmed": "on"},
        )
    due = (
        f"{(given.administered_at + timedelta(minutes=30)).astimezone(personas.clinic.zone):%H:%M}"
    )
    assert "is not due now" in error.message and due in error.message
    assert answer["message"] == error.message
    assert page.status_code == 400 and due in page.content.decode()
    assert DosingSession.objects.count() == sessions and station_rows() == rows
    with clock.backdated(given.administered_at + timedelta(minutes=31)):
        assert check_in(
            actor=personas["nurse"], patient=station.patient, identity_confirmed=True
        ).pk


def test_no_usable_stock_is_said_at_check_in(personas, station, client_for):
    """The dosing room's only DAM solution is past its in-use expiry."""
    expired = station.solution.in_use_expires_at + timedelta(minutes=1)
    with clock.backdated(expired):
        error = refused(
            check_in,
            "no_usable_stock",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
        )
        expect_error(
            post(client_for("nurse"), "sessions", check_in_body(station.patient.pk)),
            400,
            "no_usable_stock",
        )
    assert "DAM IV" in error.message
    assert not DosingSession.objects.exists()
