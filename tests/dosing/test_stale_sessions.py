"""Sessions left open (a crash, a closed tab): the board lists them, a nurse ends one with a
reason, and once its window has ended an unfinished session is closed as "not completed" by the
patient's next check-in or by `openhat sessions close-stale`. The next check-in is never blocked
for good by a session nobody finished."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import DosingSession, ExceptionKind, SessionException, SessionState
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.sessions import check_in, decide_session
from openhat.dosing.services.stale import end_stale_session
from tests.dosing.board_history import checked_in, patient_on_dam, the_day
from tests.dosing.factories import counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(personas):
    return the_day(personas.clinic)


@pytest.fixture
def person(personas, day, station):
    """A patient on DAM; the station's solution is in the dosing room (check-in refuses a patient
    with no usable stock there)."""
    return patient_on_dam(personas, since=day.moment(6, days=2))


def _fresh(session):
    session.refresh_from_db()
    return session


def _drawn(personas, station, session, at):
    with clock.backdated(at):
        decision = decide_session(
            actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv", dose_mg="15"
        )
        return prepare(
            actor=personas["nurse"],
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg="15",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )


def test_the_next_check_in_after_the_window_closes_the_open_session_as_not_completed(
    personas, station, person, day
):
    left_open = checked_in(personas, person, day.moment(8))  # the station crashed after this

    with clock.backdated(day.moment(12)):
        new = check_in(
            actor=personas["nurse"], patient=person, window="midday", identity_confirmed=True
        )

    old = _fresh(left_open)
    assert new.state == SessionState.CHECKED_IN
    assert old.state == SessionState.NO_DOSE and old.end_reason == "Not completed"
    record = SessionException.objects.get(session=old)
    assert record.kind == ExceptionKind.NOT_COMPLETED and record.by == personas["nurse"]
    assert "next check-in" in record.notes
    audited = AuditEvent.objects.filter(code=AuditCode.SESSION_EXCEPTION).latest("pk")
    assert audited.data["kind"] == "not_completed" and audited.data["session"] == old.pk


def test_inside_its_window_a_stale_session_is_named_and_a_nurse_ends_it_with_a_reason(
    personas, station, person, day, settings
):
    settings.OPENHAT_STALE_SESSION_MINUTES = 60
    left_open = checked_in(personas, person, day.moment(7, 5))
    nurse = personas["nurse"]

    # 30 minutes on, the session may still be in progress at another station: refused as before.
    with clock.backdated(day.moment(7, 35)):
        with pytest.raises(Conflict) as in_progress:
            check_in(actor=nurse, patient=person, window="morning", identity_confirmed=True)
        with pytest.raises(Conflict) as not_stale:
            end_stale_session(actor=nurse, session_id=left_open.pk, reason="station crashed")
    assert in_progress.value.code == "session_open" and "stale" not in in_progress.value.message
    assert not_stale.value.code == "session_not_stale"

    with clock.backdated(day.moment(9)):
        with pytest.raises(Conflict) as stale_now:
            check_in(actor=nurse, patient=person, window="morning", identity_confirmed=True)
        before = counts()
        with pytest.raises(DomainError) as no_reason:
            end_stale_session(actor=nurse, session_id=left_open.pk, reason="  ")
        assert no_reason.value.code == "notes_required" and counts() == before
        end_stale_session(
            actor=nurse, session_id=left_open.pk, reason="tablet froze; patient gone home"
        )
        again = check_in(actor=nurse, patient=person, window="morning", identity_confirmed=True)

    assert "stale" in stale_now.value.message
    old = _fresh(left_open)
    assert old.state == SessionState.NO_DOSE and old.end_reason == "Not completed"
    assert SessionException.objects.get(session=old).notes == "tablet froze; patient gone home"
    assert again.state == SessionState.CHECKED_IN


def test_a_drawn_dose_is_never_closed_without_a_witness(personas, station, person, day):
    left_open = checked_in(personas, person, day.moment(8))
    _drawn(personas, station, left_open, day.moment(8, 5))
    nurse = personas["nurse"]

    with clock.backdated(day.moment(12)):
        # The window is over but a drawn dose waits: the check-in names it, nothing is closed.
        with pytest.raises(Conflict) as blocked:
            check_in(actor=nurse, patient=person, window="midday", identity_confirmed=True)
        before = counts()
        with pytest.raises(DomainError):
            end_stale_session(actor=nurse, session_id=left_open.pk, reason="crash")
        assert counts() == before
        row = end_stale_session(
            actor=nurse, session_id=left_open.pk, reason="crash", witness=personas["pharmacist"]
        )
        check_in(actor=nurse, patient=person, window="midday", identity_confirmed=True)

    assert "stale" in blocked.value.message
    assert row.waste_entry is not None and row.witness == personas["pharmacist"]
    assert _fresh(left_open).state == SessionState.NO_DOSE


def test_the_command_closes_what_the_window_left_open_and_names_what_needs_a_nurse(
    personas, station, person, day
):
    watched = patient_on_dam(personas, since=day.moment(6, days=2))
    drawn_for = patient_on_dam(personas, since=day.moment(6, days=2))
    forgotten = checked_in(personas, person, day.moment(8))
    unsigned = checked_in(personas, watched, day.moment(8, 10))
    with clock.backdated(day.moment(8, 15)):
        decision = decide_session(
            actor=personas["nurse"], session_id=unsigned.pk, drug="dam", route="iv", dose_mg="15"
        )
        given = administer(
            actor=personas["nurse"],
            session_id=unsigned.pk,
            decision_id=decision.pk,
            dose_mg="15",
            site="left_arm",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )
    with_dose = checked_in(personas, drawn_for, day.moment(8, 20))
    _drawn(personas, station, with_dose, day.moment(8, 25))
    in_progress = checked_in(
        personas, patient_on_dam(personas, since=day.moment(6)), day.moment(12), "midday"
    )
    out = StringIO()

    with clock.backdated(day.moment(12, 5)):
        call_command("sessions", "close-stale", stdout=out)

    assert _fresh(forgotten).state == SessionState.NO_DOSE
    assert _fresh(unsigned).state == SessionState.COMPLETED
    assert _fresh(unsigned).end_reason == "Not completed: not signed off"
    assert given.observe_until < day.moment(12)
    assert _fresh(with_dose).state == SessionState.PREPARED
    assert _fresh(in_progress).state == SessionState.ASSESSED  # its midday window is still open
    closed = SessionException.objects.filter(kind=ExceptionKind.NOT_COMPLETED)
    assert closed.count() == 2 and all(row.by is None for row in closed)
    text = out.getvalue()
    assert "2 stale session(s) closed as not completed." in text
    assert f"LEFT OPEN: session {with_dose.pk}" in text


def test_the_board_lists_stale_sessions_and_the_end_screen_records_the_reason(
    client_for, personas, station, person, day
):
    left_open = checked_in(personas, person, day.moment(8))
    client = client_for("nurse")

    with clock.backdated(day.moment(12)):
        board = client.get(reverse("dosing:board")).content.decode()
        end_url = reverse("dosing:exception", args=[left_open.pk]) + "?kind=not_completed"
        screen = client.get(end_url)
        empty = client.post(end_url, {"kind": "not_completed", "notes": ""})
        done = client.post(
            end_url, {"kind": "not_completed", "notes": "tablet crashed during the assessment"}
        )

    listed = board.split('data-testid="stale-sessions"')[1].split("</section>")[0]
    assert person.client_code in listed and "window over" in listed
    assert f'data-testid="end-stale-{left_open.pk}"' in listed
    assert screen.status_code == 200 and "End a stale session" in screen.content.decode()
    assert empty.status_code == 400 and "Say why the session is ended" in empty.content.decode()
    assert done.status_code == 302
    assert _fresh(left_open).state == SessionState.NO_DOSE
    assert DosingSession.objects.filter(pk=left_open.pk, end_reason="Not completed").exists()
