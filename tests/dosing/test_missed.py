"""Missed sessions and missed days (docs/domain.md §3.7) from the records, and the engine's missed-day
rule at the patient's next decision."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openhat.dosing.services.board import build_board
from openhat.dosing.services.missed import attendance_by_patient
from openhat.dosing.services.sessions import decide_session
from openhat.dosing.windows import current_window
from openhat.prescribing.models import OrderLine
from openhat.prescribing.services import resume_order, suspend_order
from tests.dosing.board_history import Day, checked_in, dosed, held, patient_on_dam, the_day
from tests.prescribing.conftest import totp_code


def _grid(attendance, day):
    return {item.day: tuple(cell.status for cell in item.cells) for item in attendance.days}.get(
        day
    )


def test_missed_sessions_and_days_over_the_last_days(personas, station):
    day = the_day(personas.clinic)
    patient = patient_on_dam(personas, since=day.moment(6, days=5))  # 2 a day, any window
    dosed(personas, station, patient, day.moment(8, days=5))
    dosed(personas, station, patient, day.moment(17, days=5), window="evening")
    dosed(personas, station, patient, day.moment(8, days=4))
    held(personas, patient, day.moment(8, days=3))

    found = attendance_by_patient(personas.clinic, now=day.moment(12), patient_ids=[patient.pk])
    seen = found[patient.pk]

    assert _grid(seen, day.day - timedelta(days=5)) == ("given", "none", "given")
    # One of two sessions: the day's last empty window carries the shortfall.
    assert _grid(seen, day.day - timedelta(days=4)) == ("given", "none", "missed")
    # A held session took place (not missed), but the day had no dose.
    assert _grid(seen, day.day - timedelta(days=3)) == ("held", "none", "missed")
    assert _grid(seen, day.day - timedelta(days=2)) == ("none", "missed", "missed")
    assert _grid(seen, day.day - timedelta(days=1)) == ("none", "missed", "missed")
    # The day itself at noon: the morning passed, but two windows are left for two sessions.
    assert _grid(seen, day.day) == ("none", "upcoming", "upcoming")
    # Before the order there was nothing to miss: the grid starts with the order.
    assert seen.days[-1].day == day.day - timedelta(days=5)
    assert _grid(seen, day.day - timedelta(days=6)) is None
    missed_days = [item.day for item in seen.days if item.missed_day]
    assert missed_days == [day.day - timedelta(days=n) for n in (1, 2, 3)]
    assert (seen.missed_days, seen.missed_sessions, seen.current_break) == (3, 6, 3)
    cells = {item.day: item.cells for item in seen.days}
    assert cells[day.day - timedelta(days=3)][0].text == "dose held"
    assert cells[day.day - timedelta(days=5)][0].text == "given DAM 15 mg"


def test_named_windows_are_missed_by_name(personas, station, usual_windows):
    # The usual windows: the evening closes at 20:00, so at 21:00 the day's evening is over (in
    # the round-the-clock test clinic it would still be open, so not yet missed).
    day = the_day(personas.clinic)
    patient = patient_on_dam(personas, since=day.moment(6, days=2), windows=["morning", "evening"])
    dosed(personas, station, patient, day.moment(17, days=1), window="evening")

    seen = attendance_by_patient(personas.clinic, now=day.moment(21), patient_ids=[patient.pk])[
        patient.pk
    ]

    assert _grid(seen, day.day - timedelta(days=1)) == ("missed", "none", "given")
    assert _grid(seen, day.day) == ("missed", "none", "missed")
    assert _grid(seen, day.day - timedelta(days=2)) == ("missed", "none", "missed")
    assert seen.days[0].missed_day and seen.missed_days == 2
    assert seen.current_break == 0, "the break before the day: the day before had a dose"


def test_a_suspended_order_expects_nothing_until_it_is_resumed(personas, station):
    physician = personas["physician"]
    zone = personas.clinic.zone
    today = timezone.localtime(timezone.now(), zone).date()
    patient = patient_on_dam(personas, since=timezone.now() - timedelta(days=3))
    line = OrderLine.objects.get(patient=patient)
    later = datetime.combine(today + timedelta(days=2), time(21), zone)
    tomorrow = today + timedelta(days=1)

    suspend_order(actor=physician, line=line, reason="in hospital")
    suspended = attendance_by_patient(personas.clinic, now=later, patient_ids=[patient.pk])
    line.refresh_from_db()
    resume_order(actor=physician, line=line, reason="back", totp_code=totp_code(physician))
    resumed = attendance_by_patient(personas.clinic, now=later, patient_ids=[patient.pk])

    def day_of(found):
        return next(item for item in found[patient.pk].days if item.day == tomorrow)

    assert day_of(suspended).expected == 0 and not day_of(suspended).missed_day
    assert _grid(suspended[patient.pk], tomorrow) == ("none", "none", "none")
    assert day_of(resumed).expected == 2 and day_of(resumed).missed_day


def test_three_missed_days_reach_the_engine_at_the_next_decision(personas, station):
    """The engine's missed-day rule (preset: 3 days) applies at the next visit: it reads the
    history, and the board and chart show the same break."""
    today = Day(
        timezone.localtime(timezone.now(), personas.clinic.zone).date(), personas.clinic.zone
    )
    away = patient_on_dam(personas, since=today.moment(6, days=8))
    back_soon = patient_on_dam(personas, since=today.moment(6, days=8))
    for days in (5, 4):
        dosed(personas, station, away, today.moment(8, days=days))
    for days in (4, 3):
        dosed(personas, station, back_soon, today.moment(8, days=days))

    decisions = {}
    for patient in (away, back_soon):
        session = checked_in(personas, patient, timezone.now())
        decisions[patient] = decide_session(
            actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv", dose_mg="15"
        )

    rules = {patient: {f["rule_id"] for f in d.findings} for patient, d in decisions.items()}
    assert "missed_days" in rules[away]
    assert decisions[away].verdict == "physician_review"
    finding = next(f for f in decisions[away].findings if f["rule_id"] == "missed_days")
    assert finding["message"].startswith("3 days without a dose")
    assert "missed_days" not in rules[back_soon], "two days away is below the preset's three"

    now = timezone.now()
    seen = attendance_by_patient(personas.clinic, now=now, patient_ids=[away.pk])[away.pk]
    board = build_board(
        personas.clinic, day=today.day, window=current_window(personas.clinic, now), now=now
    )
    badge = {row.client_code: row.missed for row in board.rows}
    assert seen.current_break == 3
    assert badge[away.client_code].text == "missed 3 days"
    assert badge[back_soon.client_code].text == "missed 2 days"


def test_the_chart_grid_reads_a_fixed_number_of_queries(personas, station):
    day = the_day(personas.clinic)
    first = patient_on_dam(personas, since=day.moment(6, days=5))
    dosed(personas, station, first, day.moment(8, days=2))
    with CaptureQueriesContext(connection) as one:
        attendance_by_patient(personas.clinic, now=day.moment(12))
    for _ in range(3):
        more = patient_on_dam(personas, since=day.moment(6, days=5))
        dosed(personas, station, more, day.moment(8, days=1))
    with CaptureQueriesContext(connection) as four:
        found = attendance_by_patient(personas.clinic, now=day.moment(12))

    assert len(found) == 4
    assert len(four.captured_queries) == len(one.captured_queries) == 3


def test_a_window_with_two_drugs_shows_each_drug_on_its_own():
    """55 mg HDM and 60 mg methadone in one window are two doses of two drugs, never "115 mg"."""
    from decimal import Decimal

    from openhat.dosing.services.missed import _cell, _Session

    cell = _cell(
        "midday",
        [
            _Session("midday", "completed", Decimal("55.000"), "hdm", ""),
            _Session("midday", "completed", Decimal("60.000"), "methadone", ""),
            _Session("midday", "completed", Decimal("20.000"), "hdm", ""),
        ],
        missed=False,
        waiting=False,
    )

    assert cell.status == "given"
    assert cell.text == "given HDM 75 mg, methadone 60 mg"
    assert "115" not in cell.text and "135" not in cell.text
