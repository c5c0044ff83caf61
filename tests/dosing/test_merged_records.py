"""After a merge, the station reads both records as one person (issue 12, item 12): the engine's
history (daily maximum, sessions a day), check-in, the board, the chart, the day sheet and FHIR."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.core import clock
from openhat.dosing.services.board import build_board
from openhat.dosing.services.context import history_for, protocol_for
from openhat.dosing.services.sessions import check_in
from openhat.dosing.views.chart import chart_sections
from openhat.patients.merging import merge_patients
from openhat.patients.models import Patient
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.prescribing.models import OrderLine
from openhat.prescribing.services import sign_order
from openhat.prescribing.services.changes import stop_order
from openhat.rules.day import dosing_day
from tests.dosing.conftest import Station
from tests.dosing.factories import decided, full_session
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.django_db


def dosed_duplicate(personas: Any, station: Station, dose_mg: str = "15") -> Patient:
    """A second record of the station's patient, dosed today under its own order, which is then
    stopped; not merged yet."""
    physician = personas["physician"]
    duplicate = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Second Record", date(1988, 8, 8)),
        )
    )
    sign_order(
        actor=physician,
        patient=duplicate,
        order=dam(phase="maintenance"),
        totp_code=totp_code(physician),
    )
    full_session(personas, Station(duplicate, station.formulary, station.solution), dose_mg)
    for line in OrderLine.objects.filter(patient=duplicate):
        stop_order(actor=physician, line=line, reason="duplicate record, to be merged")
    return duplicate


def merged(personas: Any, duplicate: Patient, survivor: Patient) -> None:
    physician = personas["physician"]
    merge_patients(
        actor=physician,
        duplicate=duplicate,
        survivor=survivor,
        reason="Same person, registered twice.",
        totp_code=totp_code(physician),
    )
    duplicate.refresh_from_db()


def test_the_engine_counts_the_merged_records_doses(personas: Any, station: Station) -> None:
    survivor = station.patient
    duplicate = dosed_duplicate(personas, station)
    clinic = personas.clinic
    now = clock.now()
    protocol = protocol_for(clinic)
    assert history_for(survivor, clinic, protocol, now).administrations == ()

    merged(personas, duplicate, survivor)

    [dose] = history_for(survivor, clinic, protocol, now).administrations
    assert dose.dose_mg == 15
    # The decision the station records for the survivor starts from the person's 15 mg today
    # (half an hour on: check-in refuses a session that is not due yet).
    with clock.backdated(now + timedelta(minutes=31)):
        _, decision = decided(personas, survivor, dose_mg="15")
    assert str(duplicate.administrations.get().session_id) in str(decision.snapshot)


def test_a_merged_record_cannot_be_checked_in(personas: Any, station: Station) -> None:
    duplicate = dosed_duplicate(personas, station)
    merged(personas, duplicate, station.patient)

    with pytest.raises(Exception) as caught:
        check_in(actor=personas["nurse"], patient=duplicate, identity_confirmed=True)

    assert getattr(caught.value, "code", "") == "patient_merged"
    assert station.patient.client_code in str(caught.value)


def test_the_board_shows_the_merged_records_session_on_the_survivors_row(
    personas: Any, station: Station
) -> None:
    survivor = station.patient
    duplicate = dosed_duplicate(personas, station)
    merged(personas, duplicate, survivor)
    now = clock.now()
    session = duplicate.dosing_sessions.get()

    board = build_board(personas.clinic, day=session.dosing_day, window=session.window, now=now)

    codes = [row.client_code for row in board.rows]
    assert duplicate.client_code not in codes
    [row] = [row for row in board.rows if row.patient_id == survivor.pk]
    assert row.doses_today, "the duplicate's dose today is the person's"


def test_the_survivors_chart_shows_the_merged_records_dosing(
    personas: Any, station: Station, client_for: Any
) -> None:
    survivor = station.patient
    duplicate = dosed_duplicate(personas, station)
    before = chart_sections(survivor, "nurse")["dosing_attendance"]

    merged(personas, duplicate, survivor)

    after = chart_sections(survivor, "nurse")["dosing_attendance"]
    today = dosing_day(clock.now(), personas.clinic.zone)

    def given_today(attendance: Any) -> bool:
        if attendance is None:
            return False
        return any(
            cell.status == "given"
            for day in attendance.days
            if day.day == today
            for cell in day.cells
        )

    assert not given_today(before)
    assert given_today(after)


def test_the_day_sheet_names_the_survivor(personas: Any, station: Station, client_for: Any) -> None:
    duplicate = dosed_duplicate(personas, station)
    merged(personas, duplicate, station.patient)
    day = duplicate.dosing_sessions.get().dosing_day

    page = client_for("nurse").get(f"/dosing/day-sheet/?day={day.isoformat()}").content.decode()

    assert 'data-testid="sheet-merged-into"' in page
    assert f"same person as {station.patient.client_code}" in page


def test_fhir_reads_the_survivor_with_the_merged_records_doses(
    personas: Any, station: Station, client_for: Any
) -> None:
    survivor = station.patient
    duplicate = dosed_duplicate(personas, station)
    merged(personas, duplicate, survivor)
    day = duplicate.dosing_sessions.get().dosing_day.isoformat()

    response = client_for("physician").get(
        f"/api/clinics/ZRH/fhir/Patient/{survivor.client_code}/MedicationAdministration"
        f"?from={day}&to={day}"
    )

    assert response.status_code == 200
    entries = response.json()["entry"]
    assert len(entries) == 1
    assert duplicate.client_code in str(entries[0])
    for record in (survivor, duplicate):
        assert AccessLog.objects.filter(
            patient=record, record=AccessedRecord.DOSING_RECORD, actor=personas["physician"]
        ).exists()
