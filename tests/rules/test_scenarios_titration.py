"""Titration days: the first dose, top-ups and their waits, the rest of day 1, tablets.

ch-diaphin (Swiss label [S15]): first IV DAM dose <= 15 mg, a top-up of <= 15 mg if tolerated with
no set wait, later single doses <= 30 mg at least 30 min apart, sessions 30 min apart, first
tablet dose <= 100 mg. ca-ioat: DAM as on the Swiss label but the first top-up waits 20 min [S19];
HDM day 1 of 15-50 mg plus 10-30 mg top-ups 20 min apart, sessions >= 3 h (180 min) apart [S19].
"""

from __future__ import annotations

from openhat.rules import Verdict
from tests.rules.builders import at, daily_doses, dose, order
from tests.rules.scenarios import Scenario, run, table

HDM_ORDER = (order("hdm", dose="100", daily_max="500"),)
# Day 1 under ch-diaphin so far: 15 mg at 09:00 and its 15 mg top-up at 09:05 (one session).
FIRST_AND_TOP_UP = [
    dose(at(0, "09:00"), "15", session="s1"),
    dose(at(0, "09:05"), "15", session="s1"),
]
# ca-ioat HDM day 1 so far: 50 mg at 09:00 and a 30 mg top-up at 09:20 (one session).
HDM_FIRST_AND_TOP_UP = [
    dose(at(0, "09:00"), "50", drug="hdm", session="h1"),
    dose(at(0, "09:20"), "30", drug="hdm", session="h1"),
]

SCENARIOS = [
    # --- ch-diaphin: the first IV dose ever ------------------------------------------------------
    Scenario(
        "day 1 the first IV DAM dose ever may be 15 mg",
        dict(request_mg="15"),
        Verdict.DOSE,
        max_dose_mg="15",
        present=("titration_first_dose", "first_days_vigilance"),
        absent=("next_day_share_of_total", "next_day_increase", "retitration"),
        finding_caps={"titration_first_dose": "15"},
        sources={"titration_first_dose": ("S15",)},
        messages={"titration_first_dose": "15 mg"},
        treatment_day=1,
    ),
    Scenario(
        "day 1 a first IV DAM dose asked at 200 mg is cut to 15 mg",
        dict(request_mg="200"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="15",
        present=("titration_first_dose",),
    ),
    Scenario(
        "day 1 asking only what is allowed for the first dose answers 15 mg",
        dict(request_mg=None),
        Verdict.DOSE,
        max_dose_mg="15",
    ),
    Scenario(
        "day 1 the first dose is the first day of the 30-day vigilance",
        dict(request_mg="15"),
        Verdict.DOSE,
        present=("first_days_vigilance",),
        messages={"first_days_vigilance": "Day 1"},
        sources={"first_days_vigilance": ("S26",)},
    ),
    Scenario(
        "day 1 a first dose under a 10 mg order is limited to the order's 10 mg",
        dict(request_mg="15", orders=(order(dose="10"),)),
        Verdict.DOSE_REDUCED,
        max_dose_mg="10",
    ),
    # --- ch-diaphin: the top-up ------------------------------------------------------------------
    Scenario(
        "day 1 a top-up one minute after a tolerated 15 mg first dose allows 15 mg more",
        dict(
            history=[dose(at(0, "09:00"), "15", session="s1")],
            now=at(0, "09:01"),
            top_up=True,
            request_mg="15",
        ),
        Verdict.DOSE,
        max_dose_mg="15",
        present=("titration_top_up",),
        absent=("titration_interval", "session_interval", "sessions_per_day"),
        finding_caps={"titration_top_up": "15"},
        sources={"titration_top_up": ("S15",)},
    ),
    Scenario(
        "day 1 a top-up right at the first dose's time needs no wait on the Swiss label",
        dict(
            history=[dose(at(0, "09:00"), "15", session="s1")],
            now=at(0, "09:00"),
            top_up=True,
            request_mg="15",
        ),
        Verdict.DOSE,
        max_dose_mg="15",
        absent=("titration_interval",),
    ),
    Scenario(
        "day 1 a top-up asked at 30 mg is cut to 15 mg",
        dict(
            history=[dose(at(0, "09:00"), "15", session="s1")],
            now=at(0, "09:10"),
            top_up=True,
            request_mg="30",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="15",
    ),
    Scenario(
        "a top-up with no dose earlier today is not due",
        dict(top_up=True, request_mg="15"),
        Verdict.NOT_DUE,
        present=("top_up_without_session",),
    ),
    Scenario(
        "day 1 a second top-up 29 min after the first top-up is not yet due",
        dict(history=FIRST_AND_TOP_UP, now=at(0, "09:34"), top_up=True, request_mg="15"),
        Verdict.NOT_DUE,
        present=("titration_interval",),
        messages={"titration_interval": "09:35"},
    ),
    Scenario(
        "day 1 a second DAM top-up in one session is not due: the label allows one (S15)",
        dict(history=FIRST_AND_TOP_UP, now=at(0, "09:35"), top_up=True, request_mg="15"),
        Verdict.NOT_DUE,
        present=("top_ups_per_session",),
        absent=("titration_interval",),
        sources={"top_ups_per_session": ("S15",)},
    ),
    # --- ch-diaphin: the rest of day 1 ----------------------------------------------------------
    Scenario(
        "day 1 a single dose 30 min after the top-up allows at most 30 mg",
        dict(history=FIRST_AND_TOP_UP, now=at(0, "09:35"), request_mg="30"),
        Verdict.DOSE,
        max_dose_mg="30",
        present=("titration_single_dose",),
        absent=("titration_interval", "session_interval", "titration_first_dose"),
        finding_caps={"titration_single_dose": "30"},
        sources={"titration_single_dose": ("S15",)},
    ),
    Scenario(
        "day 1 a single dose 29 min after the top-up is not yet due",
        dict(history=FIRST_AND_TOP_UP, now=at(0, "09:34"), request_mg="30"),
        Verdict.NOT_DUE,
        present=("titration_interval", "session_interval"),
        messages={"titration_interval": "09:35", "session_interval": "09:35"},
    ),
    Scenario(
        "day 1 a single dose asked at 40 mg is cut to 30 mg",
        dict(history=FIRST_AND_TOP_UP, now=at(0, "10:00"), request_mg="40"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="30",
    ),
    Scenario(
        "day 1 a third session 30 min after a 30 mg dose allows 30 mg again",
        dict(
            history=[*FIRST_AND_TOP_UP, dose(at(0, "09:40"), "30", session="s2")],
            now=at(0, "10:10"),
            request_mg="30",
        ),
        Verdict.DOSE,
        max_dose_mg="30",
    ),
    Scenario(
        "day 1 after three sessions a fourth single dose is not due",
        dict(
            history=[
                *FIRST_AND_TOP_UP,
                dose(at(0, "09:40"), "30", session="s2"),
                dose(at(0, "10:20"), "30", session="s3"),
            ],
            now=at(0, "11:00"),
            request_mg="30",
        ),
        Verdict.NOT_DUE,
        present=("sessions_per_day",),
    ),
    Scenario(
        "a top-up on a maintenance day is held",
        dict(
            history=[*daily_doses(-60, -1, "200"), dose(at(0, "08:00"), "200", session="m1")],
            now=at(0, "08:30"),
            top_up=True,
            request_mg="15",
        ),
        Verdict.HOLD,
        present=("top_up_outside_titration",),
        absent=("titration_top_up",),
    ),
    # --- tablets -----------------------------------------------------------------------------
    Scenario(
        "day 1 the first DAM tablet dose may be 100 mg",
        dict(orders=(order(routes=("oral",), dose="200"),), route="oral", request_mg="100"),
        Verdict.DOSE,
        max_dose_mg="100",
        present=("titration_oral_first_dose",),
        absent=("titration_first_dose",),
        finding_caps={"titration_oral_first_dose": "100"},
        sources={"titration_oral_first_dose": ("S15",)},
    ),
    Scenario(
        "day 1 a first DAM tablet dose asked at 200 mg is cut to 100 mg",
        dict(orders=(order(routes=("oral",), dose="200"),), route="oral", request_mg="200"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="100",
    ),
    Scenario(
        "day 1 the first IV dose ever after a morning DAM tablet is still at most 15 mg",
        dict(
            history=[dose(at(0, "08:00"), "100", route="oral", session="t1")],
            orders=(order(routes=("iv", "oral"), dose="200"),),
            now=at(0, "13:00"),
            request_mg="30",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="15",
    ),
    # --- ca-ioat: DAM on day 1 -------------------------------------------------------------------
    Scenario(
        "ca-ioat day 1 the first DAM dose may be 15 mg",
        dict(preset="ca-ioat", request_mg="15"),
        Verdict.DOSE,
        max_dose_mg="15",
        finding_caps={"titration_first_dose": "15"},
    ),
    Scenario(
        "ca-ioat day 1 a DAM top-up 19 min after the first dose is not yet due",
        dict(
            preset="ca-ioat",
            history=[dose(at(0, "09:00"), "15", session="s1")],
            now=at(0, "09:19"),
            top_up=True,
            request_mg="15",
        ),
        Verdict.NOT_DUE,
        present=("titration_interval",),
        sources={"titration_interval": ("S19",)},
        messages={"titration_interval": "09:20"},
    ),
    Scenario(
        "ca-ioat day 1 a DAM top-up 20 min after the first dose allows 15 mg",
        dict(
            preset="ca-ioat",
            history=[dose(at(0, "09:00"), "15", session="s1")],
            now=at(0, "09:20"),
            top_up=True,
            request_mg="15",
        ),
        Verdict.DOSE,
        max_dose_mg="15",
        absent=("titration_interval",),
    ),
    # --- ca-ioat: HDM on day 1 -----------------------------------------------------------------
    Scenario(
        "ca-ioat HDM day 1 the first dose may be 50 mg",
        dict(preset="ca-ioat", orders=HDM_ORDER, drug="hdm", request_mg="50"),
        Verdict.DOSE,
        max_dose_mg="50",
        present=("titration_first_dose", "first_days_vigilance"),
        finding_caps={"titration_first_dose": "50"},
        sources={"titration_first_dose": ("S19",)},
        treatment_day=1,
    ),
    Scenario(
        "ca-ioat HDM day 1 a first dose asked at 60 mg is cut to 50 mg",
        dict(preset="ca-ioat", orders=HDM_ORDER, drug="hdm", request_mg="60"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="50",
    ),
    Scenario(
        "ca-ioat HDM day 1 a top-up 19 min after the first dose is not yet due",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=[dose(at(0, "09:00"), "50", drug="hdm", session="h1")],
            now=at(0, "09:19"),
            top_up=True,
            request_mg="30",
        ),
        Verdict.NOT_DUE,
        present=("titration_interval",),
        sources={"titration_interval": ("S19",)},
    ),
    Scenario(
        "ca-ioat HDM day 1 a top-up 20 min after the first dose allows at most 30 mg",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=[dose(at(0, "09:00"), "50", drug="hdm", session="h1")],
            now=at(0, "09:20"),
            top_up=True,
            request_mg="30",
        ),
        Verdict.DOSE,
        max_dose_mg="30",
        finding_caps={"titration_top_up": "30"},
        sources={"titration_top_up": ("S19",)},
    ),
    Scenario(
        "ca-ioat HDM day 1 a top-up asked at 40 mg is cut to 30 mg",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=[dose(at(0, "09:00"), "50", drug="hdm", session="h1")],
            now=at(0, "09:30"),
            top_up=True,
            request_mg="40",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="30",
    ),
    Scenario(
        "ca-ioat HDM day 1 a second top-up 19 min after the first top-up is not yet due",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=HDM_FIRST_AND_TOP_UP,
            now=at(0, "09:39"),
            top_up=True,
            request_mg="30",
        ),
        Verdict.NOT_DUE,
        present=("titration_interval",),
    ),
    Scenario(
        "ca-ioat HDM day 1 a second top-up 20 min after the first top-up allows 30 mg",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=HDM_FIRST_AND_TOP_UP,
            now=at(0, "09:40"),
            top_up=True,
            request_mg="30",
        ),
        Verdict.DOSE,
        max_dose_mg="30",
    ),
    Scenario(
        "ca-ioat HDM day 1 a new session 2 h 59 min after the last top-up is not yet due",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=HDM_FIRST_AND_TOP_UP,
            now=at(0, "12:19"),
            request_mg="50",
        ),
        Verdict.NOT_DUE,
        present=("session_interval",),
        absent=("titration_interval",),
        messages={"session_interval": "12:20"},
        sources={"session_interval": ("S19",)},
    ),
    Scenario(
        "ca-ioat HDM day 1 a new session 3 h after the last top-up allows a single dose of 50 mg",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=HDM_FIRST_AND_TOP_UP,
            now=at(0, "12:20"),
            request_mg="50",
        ),
        Verdict.DOSE,
        max_dose_mg="50",
        present=("titration_single_dose",),
        absent=("session_interval", "titration_interval"),
        finding_caps={"titration_single_dose": "50"},
    ),
    Scenario(
        "ca-ioat HDM day 1 a single dose asked at 70 mg is cut to 50 mg",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=HDM_FIRST_AND_TOP_UP,
            now=at(0, "13:00"),
            request_mg="70",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="50",
    ),
]


@table(SCENARIOS)
def test_titration(scenario: Scenario) -> None:
    run(scenario)
