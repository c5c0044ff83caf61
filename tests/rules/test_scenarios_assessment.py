"""The pre-dose assessment: breath alcohol, sedation, recorded signs.

docs/domain.md §5 (local defaults, both presets): breath alcohol >= 0.25 mg/L -> hold; 0.10-0.25 ->
reduce by 25-50%; POSS sedation 3 -> reduce by 25-50% or hold, 4 -> hold, consider naloxone [S24].
The largest dose allowed after a reduction is the dose less the smallest reduction (25%).
"""

from __future__ import annotations

from openhat.rules import Verdict
from tests.rules.builders import at, daily_doses, dose, order
from tests.rules.scenarios import Scenario, run, table

# A stable patient on a fixed 200 mg order; yesterday 600 mg, so today's dose is at most 200 mg.
STABLE = daily_doses(-60, -1, "200")
NALTREXONE = (order("naltrexone_xr", ("im",), dose="380", sessions=1, daily_max="380"),)
METHADONE = (order("methadone", ("oral",), dose="80", sessions=1, daily_max="80"),)

SCENARIOS = [
    # --- breath alcohol ------------------------------------------------------------------------
    Scenario(
        "breath alcohol 0.09 mg/L does not change a 200 mg dose",
        dict(history=STABLE, alcohol="0.09"),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("breath_alcohol_reduce", "breath_alcohol_hold"),
    ),
    Scenario(
        "breath alcohol 0.10 mg/L reduces a 200 mg dose by at least 25% to 150 mg",
        dict(history=STABLE, alcohol="0.10"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        present=("breath_alcohol_reduce",),
        absent=("breath_alcohol_hold",),
        messages={"breath_alcohol_reduce": ("0.10 mg/L", "25-50%")},
        sources={"breath_alcohol_reduce": ("local",)},
    ),
    Scenario(
        "breath alcohol 0.24 mg/L still reduces a 200 mg dose to 150 mg",
        dict(history=STABLE, alcohol="0.24"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        present=("breath_alcohol_reduce",),
    ),
    Scenario(
        "breath alcohol 0.10 mg/L with no dose asked allows at most 150 mg",
        dict(history=STABLE, alcohol="0.10", request_mg=None),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
    ),
    Scenario(
        "breath alcohol 0.25 mg/L holds the dose",
        dict(history=STABLE, alcohol="0.25"),
        Verdict.HOLD,
        max_dose_mg="0",
        present=("breath_alcohol_hold",),
        absent=("breath_alcohol_reduce",),
        messages={"breath_alcohol_hold": ("0.25 mg/L", "reassess")},
        sources={"breath_alcohol_hold": ("local",)},
    ),
    Scenario(
        "breath alcohol 0.60 mg/L holds the dose",
        dict(history=STABLE, alcohol="0.60"),
        Verdict.HOLD,
        present=("breath_alcohol_hold",),
    ),
    Scenario(
        "breath alcohol 0.12 mg/L on day 1 reduces the 15 mg first dose to 11.2 mg",
        dict(alcohol="0.12", request_mg="15"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="11.2",
    ),
    Scenario(
        "breath alcohol 0.15 mg/L with a usual 150 mg dose under a 100-300 mg order allows at most "
        "112.5 mg",
        dict(
            history=daily_doses(-60, -1, "150"),
            orders=(order(dose=("100", "300")),),
            alcohol="0.15",
            request_mg="150",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="112.5",
    ),
    Scenario(
        "breath alcohol 0.15 mg/L when only 100 mg remain of the daily maximum allows at most 75 mg",
        dict(
            history=[
                *daily_doses(-60, -2, "300"),
                dose(at(-1, "08:00"), "400"),
                dose(at(-1, "13:00"), "400"),
                dose(at(0, "08:00"), "400", session="today-1"),
                dose(at(0, "12:00"), "400", session="today-2"),
            ],
            orders=(order(dose="400", daily_max="900"),),
            now=at(0, "17:00"),
            alcohol="0.15",
            request_mg="100",
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="75",
    ),
    # --- sedation -------------------------------------------------------------------------------
    Scenario(
        "sedation score 1 does not change the dose",
        dict(history=STABLE, sedation=1),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("sedation_reduce", "sedation_hold"),
    ),
    Scenario(
        "sedation score 2 does not change the dose",
        dict(history=STABLE, sedation=2),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=("sedation_reduce", "sedation_hold"),
    ),
    Scenario(
        "sedation score 3 reduces a 200 mg dose by at least 25% to 150 mg",
        dict(history=STABLE, sedation=3),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        present=("sedation_reduce",),
        absent=("sedation_hold",),
        messages={"sedation_reduce": ("Sedation score 3", "25-50%")},
        sources={"sedation_reduce": ("S24",)},
    ),
    Scenario(
        "sedation score 4 holds the dose and names naloxone",
        dict(history=STABLE, sedation=4),
        Verdict.HOLD,
        max_dose_mg="0",
        present=("sedation_hold",),
        absent=("sedation_reduce",),
        messages={"sedation_hold": "naloxone"},
        sources={"sedation_hold": ("S24",)},
    ),
    # --- together -------------------------------------------------------------------------------
    Scenario(
        "sedation 3 with breath alcohol 0.15 mg/L reduces twice: 200 mg to 112.5 mg",
        dict(history=STABLE, sedation=3, alcohol="0.15"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="112.5",
        present=("sedation_reduce", "breath_alcohol_reduce"),
    ),
    Scenario(
        "sedation 3 with breath alcohol 0.15 mg/L on day 1 reduces 15 mg to 8.4 mg",
        dict(sedation=3, alcohol="0.15", request_mg="15"),
        Verdict.DOSE_REDUCED,
        max_dose_mg="8.4",
    ),
    Scenario(
        "sedation 3 with breath alcohol 0.25 mg/L holds",
        dict(history=STABLE, sedation=3, alcohol="0.25"),
        Verdict.HOLD,
        present=("breath_alcohol_hold", "sedation_reduce"),
    ),
    Scenario(
        "sedation 4 with breath alcohol 0.30 mg/L holds and reports both",
        dict(history=STABLE, sedation=4, alcohol="0.30"),
        Verdict.HOLD,
        present=("breath_alcohol_hold", "sedation_hold"),
    ),
    # --- signs, other drugs --------------------------------------------------------------------
    Scenario(
        "signs the nurse recorded are an advisory that does not limit the dose",
        dict(history=STABLE, signs=("pinpoint pupils", "slurred speech")),
        Verdict.DOSE,
        max_dose_mg="200",
        present=("signs_recorded",),
        messages={"signs_recorded": ("pinpoint pupils", "slurred speech")},
    ),
    Scenario(
        "blank signs are not recorded",
        dict(history=STABLE, signs=("  ",)),
        Verdict.DOSE,
        absent=("signs_recorded",),
    ),
    Scenario(
        "extended-release naltrexone is not held by breath alcohol 0.30 mg/L",
        dict(orders=NALTREXONE, drug="naltrexone_xr", route="im", request_mg="380", alcohol="0.30"),
        Verdict.DOSE,
        max_dose_mg="380",
        absent=("breath_alcohol_hold", "breath_alcohol_reduce"),
    ),
    Scenario(
        "oral methadone is held by breath alcohol 0.25 mg/L",
        dict(orders=METHADONE, drug="methadone", route="oral", request_mg="80", alcohol="0.25"),
        Verdict.HOLD,
        present=("breath_alcohol_hold",),
    ),
    Scenario(
        "oral methadone 80 mg is reduced to 60 mg at sedation score 3",
        dict(orders=METHADONE, drug="methadone", route="oral", request_mg="80", sedation=3),
        Verdict.DOSE_REDUCED,
        max_dose_mg="60",
    ),
]


@table(SCENARIOS)
def test_assessment(scenario: Scenario) -> None:
    run(scenario)
