"""Attendance, safety, trajectories and urine screens on fixed data, against hand counts (no
database: the figures are pure functions of the rows outcomes.dosing_rows and the others read)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from openhat.outcomes.attendance import attendance_of
from openhat.outcomes.cohort import Episode
from openhat.outcomes.dosing_rows import Dose, DosingRecord, Event, OrderSpan
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.safety import FIRST_DAYS, LATER, safety_of
from openhat.outcomes.stats import EMPTY
from openhat.outcomes.trajectories import trajectories_of
from openhat.outcomes.urine import current_screens, urine_of

EVERYONE = Cohort()
A, B = 1, 2


def day(month: int, number: int, year: int = 2026) -> date:
    return date(year, month, number)


def dose(patient: int, on: date, drug: str = "dam", mg: str = "100", **kw: Any) -> Dose:
    return Dose(
        patient, on, drug, kw.get("injected", True), Decimal(mg), kw.get("phase", "maintenance")
    )


# --- safety ------------------------------------------------------------------------------------


def _safety_record() -> tuple[list[Episode], DosingRecord]:
    patients = [Episode(A, day(1, 1), None, "", "dam"), Episode(B, day(1, 1), None, "", "hdm")]
    doses = (
        # A: 5 injections on the first 3 days (1-3 Jan), 3 on one later day, and an oral
        # dose that is no injection.
        *[dose(A, day(1, 1))] * 2,
        *[dose(A, day(1, 2))] * 2,
        dose(A, day(1, 3)),  # the third day of the start: still the first 3 days
        *[dose(A, day(1, 5))] * 3,
        dose(A, day(1, 5), "methadone", injected=False),
        # B restarted on 10 Jan (back from a suspension): its 2 injections are in a first 3 days.
        *[dose(B, day(1, 10), "hdm")] * 2,
    )
    events = (
        Event(A, day(1, 2), "dam", naloxone_overdose=True),
        Event(A, day(1, 5), None, naloxone_overdose=False),  # no dose in its session: A's drug
        Event(A, day(2, 15), "dam", naloxone_overdose=False),  # 45 days after the start
        Event(B, day(1, 11), "hdm", naloxone_overdose=False),
    )
    restarts = {A: (day(1, 1),), B: (day(1, 1), day(1, 10))}
    return patients, DosingRecord(doses, (), events, restarts)


def test_safety_rates_match_hand_counts_by_drug_and_phase() -> None:
    patients, record = _safety_record()
    result = safety_of(patients, record, Period(day(1, 1), day(3, 31)), EVERYONE)
    rows = {(r.drug, r.phase): r for r in result.rows}

    first = rows[("dam", FIRST_DAYS)]
    assert (first.events, first.naloxone_overdoses, first.injections, first.injection_days) == (
        1,
        1,
        5,
        3,
    )
    assert first.per_100_injection_days.value == pytest.approx(100 / 3)  # 1 / 3 days * 100
    assert first.per_10000_injections.value == pytest.approx(2000)  # 1 / 5 * 10,000
    # Exact Poisson limits for 1 event: 0.0253 to 5.5716, scaled by 100 / 3 injection-days.
    assert first.per_100_injection_days.low == pytest.approx(0.844, abs=1e-3)
    assert first.per_100_injection_days.high == pytest.approx(185.72, abs=1e-2)

    later = rows[("dam", LATER)]
    assert (later.events, later.injections, later.injection_days) == (2, 3, 1)
    assert later.per_100_injection_days.value == pytest.approx(200)
    every_day = rows[("dam", "all")]
    assert (every_day.events, every_day.injections, every_day.injection_days) == (3, 8, 4)

    hdm_first = rows[("hdm", FIRST_DAYS)]
    assert (hdm_first.events, hdm_first.injections, hdm_first.injection_days) == (1, 2, 1)
    assert rows[("hdm", LATER)].per_100_injection_days.value is None  # no exposure

    assert (result.events, result.naloxone_overdoses) == (4, 1)
    assert (result.within_restart_window, result.naloxone_within_restart_window) == (3, 1)
    assert result.share_within_restart_window.value == pytest.approx(0.75)


def test_safety_of_nobody_is_an_empty_state() -> None:
    result = safety_of([], DosingRecord((), (), (), {}), Period(day(1, 1), day(1, 2)), EVERYONE)
    assert result.empty
    assert result.share_within_restart_window == EMPTY


# --- attendance --------------------------------------------------------------------------------


def test_attendance_counts_planned_and_attended_sessions_by_hand() -> None:
    patients = [
        Episode(A, day(1, 1), None, "", "dam"),
        Episode(B, day(1, 1), day(1, 3), "dropout", "dam"),  # left on 3 Jan
    ]
    spans = (
        OrderSpan(A, "dam", 2, "titration", day(1, 1), day(1, 6)),  # 1-5 Jan: 2 a day
        OrderSpan(A, "dam", 3, "maintenance", day(1, 6), None),  # from 6 Jan: 3 a day
        OrderSpan(B, "dam", 1, "titration", day(1, 1), None),  # counted to B's exit only
    )
    doses = (
        *[dose(A, day(1, 1), phase="titration")] * 2,  # 200 mg that day
        dose(A, day(1, 2), mg="150", phase="titration"),
        *[dose(A, day(1, 6))] * 4,  # one more than planned: 3 attended
        dose(B, day(1, 2), mg="50", phase="titration"),
    )
    period = Period(day(1, 1), day(1, 10))
    result = attendance_of(
        patients, DosingRecord(doses, spans, (), {}, day(1, 1)), period, EVERYONE
    )

    # A: 5 days x 2 + 5 days x 3 = 25 planned, 2 + 1 + 3 attended. B: 3 planned, 1 attended.
    assert (result.planned_sessions, result.attended_sessions) == (28, 7)
    assert result.sessions.value == pytest.approx(7 / 28)
    assert (result.days_in_treatment, result.days_attended) == (13, 4)
    assert (result.injections, result.injection_days) == (8, 4)
    assert result.injections_per_day.value == pytest.approx(2)
    doses_by = {(d.drug, d.phase): d.mg for d in result.daily_doses}
    # A's titration days: 200 and 150 mg (mean 175); B's one day: 50 mg. Mean over patients.
    assert doses_by[("dam", "titration")].value == pytest.approx(112.5)
    assert doses_by[("dam", "titration")].n == 2
    assert doses_by[("dam", "maintenance")].value == pytest.approx(400)

    # A dosing record that starts on 6 Jan has nothing to say about the days before it.
    later_record = DosingRecord(doses, spans, (), {}, day(1, 6))
    shorter = attendance_of(patients, later_record, period, EVERYONE)
    assert (shorter.planned_sessions, shorter.attended_sessions) == (15, 3)
    assert (shorter.days_in_treatment, shorter.days_attended) == (5, 1)

    # Suspended on 2-3 Jan (back on the 4th), and the record complete up to 9 Jan only: A loses
    # 2 x 2 planned sessions (1 attended) and 10 Jan's 3.
    cut = DosingRecord(doses, spans, (), {}, day(1, 1), day(1, 9), {A: ((day(1, 2), day(1, 4)),)})
    fewer = attendance_of(patients, cut, period, EVERYONE)
    assert (fewer.planned_sessions, fewer.attended_sessions) == (28 - 4 - 3, 7 - 1)
    assert (fewer.days_in_treatment, fewer.days_attended) == (13 - 3, 4 - 1)


# --- trajectories ------------------------------------------------------------------------------


def test_trajectories_count_due_interviews_and_pair_each_point_with_intake() -> None:
    start = day(1, 1, 2025)
    patients = [
        Episode(A, start, None, "", "dam"),
        Episode(B, start, None, "", "dam"),
        Episode(3, day(11, 1, 2025), None, "", "dam"),  # too recent for any follow-up
    ]
    answered: dict[tuple[int, str], dict[str, Any]] = {
        (A, "intake"): {"street_heroin_days": 20, "housing_status": "street"},
        (A, "month_6"): {"street_heroin_days": 4, "housing_status": "own_home"},
        (B, "intake"): {"street_heroin_days": 30, "housing_status": "shelter"},
        (B, "month_3"): {"street_heroin_days": 10, "housing_status": "shelter"},
        (3, "intake"): {"street_heroin_days": 25, "housing_status": "own_home"},
    }
    result = trajectories_of(patients, answered, Period(start, day(12, 31, 2025)), EVERYONE)

    responses = {r.point: (r.due, r.interviewed) for r in result.responses}
    assert responses == {"intake": (3, 3), "month_3": (2, 1), "month_6": (2, 1), "month_12": (0, 0)}
    street = next(m for m in result.measures if m.key == "street_heroin_days")
    points = {p.point: p for p in street.points}
    assert points["intake"].mean.value == 25 and points["intake"].change is None
    assert points["month_3"].change is not None and points["month_3"].change.value == -20
    assert points["month_6"].change is not None and points["month_6"].change.value == -16
    assert points["month_12"].mean == EMPTY
    housed = next(m for m in result.measures if m.key == "housed")
    assert {p.point: p.mean.value for p in housed.points}["intake"] == pytest.approx(1 / 3)
    assert housed.points[2].change is not None and housed.points[2].change.value == 1.0


# --- urine screens -----------------------------------------------------------------------------


def test_urine_share_by_month_leaves_out_screens_that_tested_no_marker() -> None:
    findings = [
        (day(1, 3), "detected"),
        (day(1, 20), "not_detected"),
        (day(1, 21), "not_tested"),
        (day(2, 2), "detected"),
        (day(2, 9), "detected"),
    ]
    result = urine_of(findings, Period(day(1, 1), day(3, 31)), EVERYONE)
    assert result.by == "month"
    assert [(b.label, b.tested, b.detected) for b in result.buckets] == [
        ("2026-01", 2, 1),
        ("2026-02", 2, 2),
    ]
    assert result.untested == 1
    assert result.overall.value == pytest.approx(0.75) and result.overall.n == 4
    by_quarter = urine_of(findings, Period(day(1, 1, 2024), day(3, 31)), EVERYONE)
    assert [b.label for b in by_quarter.buckets] == ["2026 Q1"]


def test_a_corrected_screen_counts_only_as_its_correction() -> None:
    assert current_screens([(1, None), (2, 1), (3, None)]) == {2, 3}


# --- retention ---------------------------------------------------------------------------------


def test_retention_in_hat_and_in_any_treatment_differ_by_the_exit_to_oral_oat() -> None:
    from openhat.outcomes.retention import retention_of

    period = Period(day(1, 1, 2025), day(12, 31, 2025))
    patients = [
        Episode(A, day(1, 1, 2025), day(3, 1, 2025), "oral_oat", "dam"),  # out of HAT on day 59
        Episode(B, day(1, 1, 2025), day(5, 1, 2025), "dropout", "dam"),  # out of both on day 120
        Episode(3, day(1, 1, 2025), None, "", "hdm"),
        Episode(
            4, day(1, 1, 2025), day(3, 1, 2026), "dropout", "hdm"
        ),  # after the period: censored
        Episode(5, day(6, 1, 2024), None, "", "dam"),  # started before the period: not a starter
    ]
    result = retention_of(patients, period, EVERYONE)
    overall = result.overall
    assert (overall.in_hat.n, overall.in_hat.events, overall.in_any.events) == (4, 2, 1)
    assert overall.in_hat.at[91].value == pytest.approx(3 / 4)
    assert overall.in_hat.at[182].value == pytest.approx(2 / 4)
    assert overall.in_any.at[182].value == pytest.approx(3 / 4)
    by_drug = {g.key: g for g in result.by_drug}
    assert by_drug["hdm"].in_hat.at[182].value == 1.0 and by_drug["oral"].in_hat.n == 0
    assert [g.key for g in result.by_start_year] == ["2025"]
    hdm_only = retention_of(patients, period, Cohort(drug="hdm"))
    assert hdm_only.overall.in_hat.n == 2 and [g.key for g in hdm_only.by_drug] == ["hdm"]
    assert retention_of(patients, Period(day(1, 1, 2023), day(1, 2, 2023)), EVERYONE).empty
