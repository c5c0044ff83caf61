"""Advisories and cross-drug rules: the 600 mg IV DAM advisory, HDM<->DAM switches, methadone.

IV DAM above ~600 mg a day adds little (advisory) [S15]; HDM:DAM potency 1:2.0-2.2, a switch is
confirmed by the physician [S20]; oral methadone beside DAM at most 150 mg a day [S16].
"""

from __future__ import annotations

from openhat.rules import Verdict
from tests.rules.builders import at, daily_doses, dose, order
from tests.rules.scenarios import Scenario, run, table

# 3 x 300 mg IV a day (so today's single dose is at most 450 mg by the next-day rule), a 100-300 mg
# range order, and today 300 mg at 08:00 and 250 mg at 12:00: 550 mg IV so far.
IV_550 = [
    *daily_doses(-60, -1, "300"),
    dose(at(0, "08:00"), "300", session="today-1"),
    dose(at(0, "12:00"), "250", session="today-2"),
]
RANGE = (order(dose=("100", "300")),)
DAM_AND_HDM = (order("dam", dose=("100", "400")), order("hdm", dose="150", daily_max="500"))


def methadone(dose_mg: str = "120", daily_max: str = "200", sessions: int = 2):
    return order("methadone", ("oral",), dose=dose_mg, sessions=sessions, daily_max=daily_max)


def methadone_today(mg: str) -> list:
    return [dose(at(0, "08:00"), mg, drug="methadone", route="oral")]


SCENARIOS = [
    # --- 600 mg IV DAM a day --------------------------------------------------------------------
    Scenario(
        "IV DAM reaching 590 mg today stays below the 600 mg advisory",
        dict(history=IV_550, orders=RANGE, now=at(0, "17:00"), request_mg="40"),
        Verdict.DOSE,
        max_dose_mg="300",
        absent=("iv_above_diminishing_benefit",),
    ),
    Scenario(
        "IV DAM reaching exactly 600 mg today has no advisory",
        dict(history=IV_550, orders=RANGE, now=at(0, "17:00"), request_mg="50"),
        Verdict.DOSE,
        absent=("iv_above_diminishing_benefit",),
    ),
    Scenario(
        "IV DAM reaching 610 mg today adds the diminishing-benefit advisory without limiting the dose",
        dict(history=IV_550, orders=RANGE, now=at(0, "17:00"), request_mg="60"),
        Verdict.DOSE,
        max_dose_mg="300",
        present=("iv_above_diminishing_benefit",),
        messages={"iv_above_diminishing_benefit": ("610 mg", "600 mg")},
        sources={"iv_above_diminishing_benefit": ("S15",)},
    ),
    Scenario(
        "an IM DAM dose does not count toward the IV advisory",
        dict(
            history=IV_550,
            orders=(order(routes=("iv", "im"), dose=("100", "300")),),
            route="im",
            now=at(0, "17:00"),
            request_mg="100",
        ),
        Verdict.DOSE,
        absent=("iv_above_diminishing_benefit",),
    ),
    # --- HDM <-> DAM -----------------------------------------------------------------------------
    Scenario(
        "ca-ioat switching from 600 mg DAM a day to HDM needs review and names 272.7-300 mg HDM",
        dict(
            preset="ca-ioat",
            orders=DAM_AND_HDM,
            history=daily_doses(-60, -1, "200"),
            drug="hdm",
            request_mg="100",
        ),
        Verdict.PHYSICIAN_REVIEW,
        max_dose_mg="0",
        # 600 mg DAM / 2.2 = 272.7 mg HDM at the cautious end; half of it per dose: 136.3 mg.
        cap_mg="136.3",
        present=("drug_switch",),
        messages={"drug_switch": ("DAM to HDM", "600 mg DAM", "272.7 mg-300 mg HDM", "1:2.0-2.2")},
        sources={"drug_switch": ("S20",)},
        finding_caps={"next_day_share_of_total": "136.3"},
    ),
    Scenario(
        "ca-ioat switching from 300 mg HDM a day to DAM needs review and names 600-660 mg DAM",
        dict(
            preset="ca-ioat",
            orders=DAM_AND_HDM,
            history=daily_doses(-60, -1, "100", drug="hdm"),
            drug="dam",
            request_mg="300",
        ),
        Verdict.PHYSICIAN_REVIEW,
        # 300 mg HDM x 2.0 = 600 mg DAM at the cautious end; half of it per dose: 300 mg.
        cap_mg="300",
        present=("drug_switch",),
        messages={"drug_switch": ("HDM to DAM", "300 mg HDM", "600 mg-660 mg DAM")},
    ),
    Scenario(
        "ca-ioat staying on HDM is no switch",
        dict(
            preset="ca-ioat",
            orders=DAM_AND_HDM,
            history=daily_doses(-60, -1, "100", drug="hdm"),
            drug="hdm",
            request_mg="150",
        ),
        Verdict.DOSE,
        max_dose_mg="150",
        absent=("drug_switch",),
    ),
    # --- methadone beside DAM -------------------------------------------------------------------
    Scenario(
        "methadone 120 mg beside a DAM order is within the 150 mg limit",
        dict(
            orders=(order(), methadone()),
            drug="methadone",
            route="oral",
            request_mg="120",
        ),
        Verdict.DOSE,
        max_dose_mg="120",
        present=("methadone_beside_dam",),
        finding_caps={"methadone_beside_dam": "150"},
        sources={"methadone_beside_dam": ("S16",)},
    ),
    Scenario(
        "a 180 mg methadone order beside a DAM order is capped at 150 mg",
        dict(
            orders=(order(), methadone("180")),
            drug="methadone",
            route="oral",
            request_mg="180",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        messages={"methadone_beside_dam": "150 mg"},
    ),
    Scenario(
        "after 100 mg methadone today beside DAM only 50 mg more are allowed",
        dict(
            orders=(order(), methadone()),
            history=methadone_today("100"),
            drug="methadone",
            route="oral",
            request_mg="50",
        ),
        Verdict.DOSE,
        max_dose_mg="50",
        finding_caps={"methadone_beside_dam": "50"},
    ),
    Scenario(
        "after 150 mg methadone today beside DAM further methadone is held",
        dict(
            orders=(order(), methadone()),
            history=methadone_today("150"),
            drug="methadone",
            route="oral",
            request_mg="20",
        ),
        Verdict.HOLD,
        present=("methadone_beside_dam",),
    ),
    Scenario(
        "methadone without a DAM order is limited only by its own 180 mg order",
        dict(orders=(methadone("180"),), drug="methadone", route="oral", request_mg="180"),
        Verdict.DOSE,
        max_dose_mg="180",
        absent=("methadone_beside_dam",),
    ),
    Scenario(
        "methadone without a DAM order after 150 mg today may reach its 200 mg order maximum",
        dict(
            orders=(methadone("180"),),
            history=methadone_today("150"),
            drug="methadone",
            route="oral",
            request_mg="50",
        ),
        Verdict.DOSE,
        max_dose_mg="50",
        absent=("methadone_beside_dam",),
        finding_caps={"daily_max": "50"},
    ),
]


@table(SCENARIOS)
def test_advisories(scenario: Scenario) -> None:
    run(scenario)
