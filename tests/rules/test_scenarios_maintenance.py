"""Day 2 onward: next-day caps, order caps, daily maximum, sessions, intervals, sign-off, orders.

ch-diaphin unless named: after >2 injections a single dose is at most 50% of the previous day's
total, after 1-2 injections at most +50% on the largest dose [S15]; 1,000 mg DAM a day [S13][S16];
<= 3 sessions a day [S12][S13][S22]; sessions 30 min apart [S15] (ca-ioat: 180 min [S19]).
"""

from __future__ import annotations

from decimal import Decimal

from openhat.rules import Verdict, decide
from tests.rules.builders import at, context, daily_doses, dose, order
from tests.rules.scenarios import Scenario, run, table

# A stable maintenance patient: 3 x 200 mg a day for two months; yesterday 600 mg in 3 injections,
# so today's single dose is at most 300 mg by the next-day rule and 200 mg by the default order.
STABLE = daily_doses(-60, -1, "200")
MORNING = dose(at(0, "08:00"), "200", session="today-1")
NOON = dose(at(0, "12:00"), "200", session="today-2")
# For the daily maximum: 3 x 300 mg a day, then yesterday 2 x 400 mg (so +50%: 600 mg), and
# today 400 mg at 08:00 and at 12:00.
HEAVY = [
    *daily_doses(-60, -2, "300"),
    dose(at(-1, "08:00"), "400"),
    dose(at(-1, "13:00"), "400"),
    dose(at(0, "08:00"), "400", session="today-1"),
]


def yesterday(*amounts: str, before: str = "100") -> list:
    """Two months of 3 x `before` mg, then yesterday's injections at 08:00, 12:00, 16:00, 20:00."""
    clocks = ("08:00", "12:00", "16:00", "20:00")
    return [
        *daily_doses(-60, -2, before),
        *(dose(at(-1, clock), mg) for clock, mg in zip(clocks, amounts, strict=False)),
    ]


SCENARIOS = [
    # --- day 2 onward: the next-day rules --------------------------------------------------------
    Scenario(
        "day 2 after three injections totalling 90 mg allows at most 45 mg per dose",
        dict(
            history=[
                dose(at(-1, "09:00"), "30"),
                dose(at(-1, "10:00"), "30"),
                dose(at(-1, "11:00"), "30"),
            ],
            request_mg="45",
        ),
        Verdict.DOSE,
        max_dose_mg="45",
        present=("next_day_share_of_total", "first_days_vigilance"),
        absent=("next_day_increase", "titration_first_dose", "titration_single_dose"),
        finding_caps={"next_day_share_of_total": "45"},
        messages={"next_day_share_of_total": ("90 mg", "45 mg")},
        sources={"next_day_share_of_total": ("S15",)},
        treatment_day=2,
    ),
    Scenario(
        "day 2 after the label's day 1 of 15+15, 30 and 30 mg (90 mg) a 60 mg request is cut to 45 mg",
        dict(
            history=[
                dose(at(-1, "09:00"), "15", session="d1"),
                dose(at(-1, "09:01"), "15", session="d1"),
                dose(at(-1, "09:40"), "30"),
                dose(at(-1, "10:20"), "30"),
            ],
            request_mg="60",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="45",
        finding_caps={"next_day_share_of_total": "45"},
    ),
    Scenario(
        "after three injections of 60, 100 and 100 mg (260 mg) a dose is at most 130 mg",
        dict(history=yesterday("60", "100", "100"), request_mg="130"),
        Verdict.DOSE,
        max_dose_mg="130",
        finding_caps={"next_day_share_of_total": "130"},
        absent=("next_day_increase",),
    ),
    Scenario(
        "after two injections of 60 and 100 mg a dose may rise by 50% to 150 mg",
        dict(history=yesterday("60", "100"), request_mg="150"),
        Verdict.DOSE,
        max_dose_mg="150",
        present=("next_day_increase",),
        absent=("next_day_share_of_total",),
        finding_caps={"next_day_increase": "150"},
        messages={"next_day_increase": ("100 mg", "50%", "150 mg")},
        sources={"next_day_increase": ("S15",)},
    ),
    Scenario(
        "after two injections of 60 and 100 mg a 160 mg request is cut to 150 mg",
        dict(history=yesterday("60", "100"), request_mg="160"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
    ),
    Scenario(
        "after a single injection of 80 mg the next dose is at most 120 mg",
        dict(history=yesterday("80"), request_mg="120"),
        Verdict.DOSE,
        max_dose_mg="120",
        finding_caps={"next_day_increase": "120"},
    ),
    Scenario(
        "after four injections totalling 166.5 mg the cap is rounded down to 83.2 mg",
        dict(history=yesterday("40", "40", "40", "46.5"), request_mg=None),
        Verdict.DOSE,
        max_dose_mg="83.2",
        finding_caps={"next_day_share_of_total": "83.2"},
    ),
    Scenario(
        "a stable patient with 600 mg yesterday is allowed the ordered 200 mg",
        dict(history=STABLE, request_mg="200"),
        Verdict.DOSE,
        max_dose_mg="200",
        finding_caps={"next_day_share_of_total": "300"},
        absent=("first_days_vigilance", "iv_above_diminishing_benefit", "missed_days"),
        treatment_day=None,
    ),
    # --- the order's dose ----------------------------------------------------------------------
    Scenario(
        "a fixed 150 mg order caps a stable patient's dose at 150 mg",
        dict(history=STABLE, orders=(order(dose="150"),), request_mg="150"),
        Verdict.DOSE,
        max_dose_mg="150",
        messages={"order_dose": "150 mg per session"},
        finding_caps={"order_dose": "150"},
    ),
    Scenario(
        "a fixed 150 mg order cuts a 200 mg request to 150 mg",
        dict(history=STABLE, orders=(order(dose="150"),), request_mg="200"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
    ),
    Scenario(
        "a 100-250 mg range order allows up to 250 mg when yesterday allows 300 mg",
        dict(history=STABLE, orders=(order(dose=("100", "250")),), request_mg="250"),
        Verdict.DOSE,
        max_dose_mg="250",
        messages={"order_dose": "100 mg to 250 mg"},
        finding_caps={"order_dose": "250"},
    ),
    Scenario(
        "a 100-300 mg range order after 450 mg yesterday allows only 225 mg",
        dict(
            history=daily_doses(-60, -1, "150"),
            orders=(order(dose=("100", "300")),),
            request_mg="300",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="225",
        finding_caps={"next_day_share_of_total": "225", "order_dose": "300"},
    ),
    # --- the daily maximum -----------------------------------------------------------------------
    Scenario(
        "with 800 mg given today the 1,000 mg preset maximum, below a 1,200 mg order maximum, "
        "leaves 200 mg",
        dict(
            history=[*HEAVY, dose(at(0, "12:00"), "400", session="today-2")],
            orders=(order(dose="400", daily_max="1200"),),
            now=at(0, "17:00"),
            request_mg="200",
        ),
        Verdict.DOSE,
        max_dose_mg="200",
        finding_caps={"daily_max": "200"},
        messages={"daily_max": ("800 mg", "1000 mg", "200 mg")},
        sources={"daily_max": ("S13", "S16")},
    ),
    Scenario(
        "with 800 mg given today a 900 mg order maximum, below the preset's 1,000 mg, leaves 100 mg",
        dict(
            history=[*HEAVY, dose(at(0, "12:00"), "400", session="today-2")],
            orders=(order(dose="400", daily_max="900"),),
            now=at(0, "17:00"),
            request_mg="400",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="100",
        finding_caps={"daily_max": "100"},
        messages={"daily_max": "900 mg"},
    ),
    Scenario(
        "with 950 mg given today 50 mg remain of the 1,000 mg daily maximum",
        dict(
            history=[*HEAVY, dose(at(0, "12:00"), "550", session="today-2")],
            orders=(order(dose=("100", "600"), daily_max="1200"),),
            now=at(0, "17:00"),
            request_mg="50",
        ),
        Verdict.DOSE,
        max_dose_mg="50",
    ),
    Scenario(
        "with 1,000 mg given today in two sessions the daily maximum is reached: not due",
        dict(
            history=[*HEAVY, dose(at(0, "12:00"), "600", session="today-2")],
            orders=(order(dose=("100", "600"), daily_max="1200"),),
            now=at(0, "17:00"),
            request_mg="100",
        ),
        Verdict.NOT_DUE,
        present=("daily_max",),
        absent=("sessions_per_day",),
        messages={"daily_max": "reached"},
    ),
    Scenario(
        "with 900 mg given today a 900 mg order maximum is reached: not due",
        dict(
            history=[*HEAVY, dose(at(0, "12:00"), "500", session="today-2")],
            orders=(order(dose=("100", "500"), daily_max="900"),),
            now=at(0, "17:00"),
            request_mg="100",
        ),
        Verdict.NOT_DUE,
        present=("daily_max",),
    ),
    Scenario(
        "ca-ioat HDM with 450 mg given today the 500 mg HDM maximum, below a 600 mg order, "
        "leaves 50 mg",
        dict(
            preset="ca-ioat",
            drug="hdm",
            orders=(order("hdm", dose="250", daily_max="600"),),
            history=[
                *daily_doses(-60, -2, "150", drug="hdm"),
                dose(at(-1, "08:00"), "250", drug="hdm"),
                dose(at(-1, "13:00"), "250", drug="hdm"),
                dose(at(0, "08:00"), "250", drug="hdm", session="today-1"),
                dose(at(0, "11:00"), "200", drug="hdm", session="today-2"),
            ],
            now=at(0, "14:00"),
            request_mg="50",
        ),
        Verdict.DOSE,
        max_dose_mg="50",
        finding_caps={"daily_max": "50"},
        sources={"daily_max": ("local",)},
    ),
    # --- sessions per day ----------------------------------------------------------------------
    Scenario(
        "an order for 2 sessions a day allows the second session",
        dict(history=[*STABLE, MORNING], orders=(order(sessions=2),), now=at(0, "12:00")),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("sessions_per_day",),
    ),
    Scenario(
        "an order for 2 sessions a day stops a third session",
        dict(history=[*STABLE, MORNING, NOON], orders=(order(sessions=2),), now=at(0, "17:00")),
        Verdict.NOT_DUE,
        present=("sessions_per_day",),
        messages={"sessions_per_day": ("order allows 2", "protocol would allow 3")},
        sources={"sessions_per_day": ()},
    ),
    Scenario(
        "with 2 of the preset's 3 sessions done a third is allowed",
        dict(history=[*STABLE, MORNING, NOON], now=at(0, "17:00")),
        Verdict.DOSE,
        max_dose_mg="200",
    ),
    Scenario(
        "an order for 4 sessions a day is still held to the preset's 3",
        dict(
            history=[*STABLE, MORNING, NOON, dose(at(0, "16:00"), "200", session="today-3")],
            orders=(order(sessions=4),),
            now=at(0, "20:00"),
        ),
        Verdict.NOT_DUE,
        present=("sessions_per_day",),
        messages={"sessions_per_day": ("protocol allows 3", "the order 4")},
        sources={"sessions_per_day": ("S12", "S13", "S22")},
    ),
    Scenario(
        "a methadone order for 1 dose a day stops a second methadone dose",
        dict(
            orders=(order("methadone", ("oral",), dose="80", sessions=1, daily_max="80"),),
            history=[dose(at(0, "08:00"), "80", drug="methadone", route="oral")],
            drug="methadone",
            route="oral",
            request_mg="80",
        ),
        Verdict.NOT_DUE,
        present=("sessions_per_day",),
    ),
    # --- the interval between sessions --------------------------------------------------------
    Scenario(
        "a session 29 min after the last dose is not yet due",
        dict(history=[*STABLE, MORNING], now=at(0, "08:29")),
        Verdict.NOT_DUE,
        present=("session_interval",),
        messages={"session_interval": ("29 min", "08:30")},
        sources={"session_interval": ("S15",)},
    ),
    Scenario(
        "a session 30 min after the last dose is due",
        dict(history=[*STABLE, MORNING], now=at(0, "08:30")),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("session_interval",),
    ),
    Scenario(
        "ca-ioat a session 2 h 59 min after the last dose is not yet due",
        dict(preset="ca-ioat", history=[*STABLE, MORNING], now=at(0, "10:59")),
        Verdict.NOT_DUE,
        present=("session_interval",),
        messages={"session_interval": "11:00"},
        sources={"session_interval": ("S19",)},
    ),
    Scenario(
        "ca-ioat a session 3 h after the last dose is due",
        dict(preset="ca-ioat", history=[*STABLE, MORNING], now=at(0, "11:00")),
        Verdict.DOSE,
        max_dose_mg="200",
    ),
    Scenario(
        "ca-ioat at 00:30 two hours after a 22:30 dose the new day's first session is not yet due",
        dict(
            preset="ca-ioat",
            history=[
                *daily_doses(-60, -1, "200", clocks=("08:00", "14:00", "22:30")),
            ],
            now=at(0, "00:30"),
        ),
        Verdict.NOT_DUE,
        present=("session_interval",),
        absent=("sessions_per_day",),
        messages={"session_interval": "01:30"},
    ),
    Scenario(
        "ca-ioat at 01:30 three hours after a 22:30 dose the new day's first session is due",
        dict(
            preset="ca-ioat",
            history=[
                *daily_doses(-60, -1, "200", clocks=("08:00", "14:00", "22:30")),
            ],
            now=at(0, "01:30"),
        ),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("session_interval", "sessions_per_day"),
    ),
    Scenario(
        "at 00:10 twenty minutes after a 23:50 dose the session is not yet due across midnight",
        dict(
            history=[*daily_doses(-60, -1, "200", clocks=("08:00", "13:00", "23:50"))],
            now=at(0, "00:10"),
        ),
        Verdict.NOT_DUE,
        present=("session_interval",),
        messages={"session_interval": "00:20"},
    ),
    # --- the observation ------------------------------------------------------------------------
    Scenario(
        "a new session while the last dose's observation is not signed off is not due",
        dict(
            history=[*STABLE, dose(at(0, "08:00"), "200", session="today-1", signed_off=False)],
            now=at(0, "12:00"),
        ),
        Verdict.NOT_DUE,
        present=("observation_open",),
    ),
    Scenario(
        "a new session after the last dose's observation is signed off is due",
        dict(history=[*STABLE, MORNING], now=at(0, "12:00")),
        Verdict.DOSE,
        absent=("observation_open",),
    ),
    Scenario(
        "an observation left open last night still stops this morning's session",
        dict(
            history=[
                *daily_doses(-60, -2, "200"),
                dose(at(-1, "08:00"), "200"),
                dose(at(-1, "13:00"), "200"),
                dose(at(-1, "18:00"), "200", signed_off=False),
            ],
            now=at(0, "08:00"),
        ),
        Verdict.NOT_DUE,
        present=("observation_open",),
    ),
    # --- order windows ------------------------------------------------------------------------
    Scenario(
        "a morning-only order does not cover the evening session",
        dict(
            history=STABLE,
            orders=(order(windows=frozenset({"morning"})),),
            window="evening",
            now=at(0, "18:00"),
        ),
        Verdict.NOT_DUE,
        present=("order_window",),
        messages={"order_window": ("morning", "evening")},
    ),
    Scenario(
        "a morning-only order covers the morning session",
        dict(
            history=STABLE,
            orders=(order(windows=frozenset({"morning"})),),
            window="morning",
            now=at(0, "08:00"),
        ),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("order_window",),
    ),
    # --- no valid order ------------------------------------------------------------------------
    Scenario(
        "an unsigned order is no valid order",
        dict(history=STABLE, orders=(order(signed=False),)),
        Verdict.NO_VALID_ORDER,
        max_dose_mg="0",
        present=("no_valid_order",),
    ),
    Scenario(
        "a suspended order is no valid order",
        dict(history=STABLE, orders=(order(suspended=True),)),
        Verdict.NO_VALID_ORDER,
        present=("no_valid_order",),
    ),
    Scenario(
        "an order that ended at 13:00 does not cover a 13:00 dose",
        dict(history=STABLE, orders=(order(ends=at(0, "13:00")),), now=at(0, "13:00")),
        Verdict.NO_VALID_ORDER,
        present=("no_valid_order",),
    ),
    Scenario(
        "an order ending at 13:01 still covers a 13:00 dose",
        dict(history=STABLE, orders=(order(ends=at(0, "13:01")),), now=at(0, "13:00")),
        Verdict.DOSE,
        max_dose_mg="200",
    ),
    Scenario(
        "an order starting at 13:01 does not yet cover a 13:00 dose",
        dict(history=STABLE, orders=(order(starts=at(0, "13:01")),), now=at(0, "13:00")),
        Verdict.NO_VALID_ORDER,
        present=("no_valid_order",),
    ),
    Scenario(
        "an order starting at 13:00 covers a 13:00 dose",
        dict(history=STABLE, orders=(order(starts=at(0, "13:00")),), now=at(0, "13:00")),
        Verdict.DOSE,
        max_dose_mg="200",
    ),
    Scenario(
        "an IV order does not cover an IM dose",
        dict(history=STABLE, route="im"),
        Verdict.NO_VALID_ORDER,
        present=("no_valid_order",),
        messages={"no_valid_order": "IM"},
    ),
    Scenario(
        "ca-ioat a DAM order does not cover an HDM dose",
        dict(preset="ca-ioat", history=STABLE, drug="hdm", request_mg="100"),
        Verdict.NO_VALID_ORDER,
        present=("no_valid_order",),
        messages={"no_valid_order": "HDM"},
    ),
    Scenario(
        "HDM under the Swiss ch-diaphin preset is refused even with an HDM order",
        dict(orders=(order("hdm", dose="100", daily_max="500"),), drug="hdm", request_mg="50"),
        Verdict.NO_VALID_ORDER,
        max_dose_mg="0",
        present=("drug_not_in_protocol",),
        messages={"drug_not_in_protocol": ("ch-diaphin", "HDM")},
    ),
]


@table(SCENARIOS)
def test_maintenance(scenario: Scenario) -> None:
    run(scenario)


def test_a_cap_below_the_orders_minimum_is_said() -> None:
    """Day 2 after three doses of 30 mg allows 45 mg; a 50-100 mg order's minimum is not reachable."""
    history = [dose(at(-1, clock), "30") for clock in ("08:00", "12:00", "16:00")]
    decision = decide(
        context(
            history=history,
            orders=(order(dose=("50", "100")),),
            request_mg="50",
            now=at(0, "08:00"),
        )
    )
    assert decision.max_dose_mg == Decimal(45)
    finding = decision.finding("below_order_minimum")
    assert finding is not None and "45 mg" in finding.message and "50 mg" in finding.message
    within = decide(
        context(history=history, orders=(order(dose=("40", "100")),), now=at(0, "08:00"))
    )
    assert within.finding("below_order_minimum") is None
