"""The demo's urine-screen results, drawn without a database (openhat.simulate.demo_screen_results).

Each check draws many screens from fixed seeds and reads them with the project's own street-heroin
rule (openhat.screens.street_heroin), so a change to the shares or to the rule shows here.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from openhat.screens.street_heroin import StreetHeroin, street_heroin
from openhat.simulate.demo_interview_answers import RECALL_DAYS, STREET_HEROIN_TARGETS
from openhat.simulate.demo_screen_results import (
    STREET_USE_SHARES,
    Habits,
    screen_results,
    street_use_share,
)

DRAWS = 2000
EVERYONE_ALIKE = Habits(street_lean=0.0, uses=frozenset())
DAYS_AT = {"intake": 0, "month_3": 91, "month_6": 182, "month_12": 365}


def _draw(
    *,
    prescribed: frozenset[str] = frozenset(),
    days: int = 0,
    laboratory: bool = True,
    country: str = "ch",
    seed: int = 1,
) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        screen_results(
            EVERYONE_ALIKE,
            country=country,
            days_in_treatment=days,
            prescribed=prescribed,
            laboratory=laboratory,
            rng=rng,
        )
        for _ in range(DRAWS)
    ]


def _share(screens: list[dict[str, str]], test: Callable[[dict[str, str]], bool]) -> float:
    return sum(1 for screen in screens if test(screen)) / len(screens)


def _detected(screen: dict[str, str]) -> bool:
    return street_heroin(screen) == StreetHeroin.DETECTED


@pytest.mark.parametrize("time_point", list(DAYS_AT))
def test_the_street_use_share_follows_the_interviews_street_heroin_days(time_point: str) -> None:
    share = street_use_share(DAYS_AT[time_point])
    assert share == pytest.approx(STREET_HEROIN_TARGETS[time_point] / RECALL_DAYS, abs=0.05)


def test_the_street_use_share_falls_from_intake_and_stays_between_0_and_1_for_every_lean() -> None:
    shares = [street_use_share(day) for day in range(0, STREET_USE_SHARES[2][0] + 1)]
    assert shares == sorted(shares, reverse=True)
    for day in (0, 45, 91, 182, 365, 2000):
        for lean in (-1.0, -0.5, 0.0, 0.5, 1.0):
            assert 0.0 < street_use_share(day, lean) < 1.0


@pytest.mark.parametrize("drug", ["dam", "hdm"])
def test_laboratory_screens_show_street_heroin_as_calibrated_at_intake_and_a_year(
    drug: str,
) -> None:
    prescribed = frozenset({drug})
    intake = _share(_draw(prescribed=prescribed, days=0), _detected)
    year = _share(_draw(prescribed=prescribed, days=365), _detected)
    assert intake == pytest.approx(street_use_share(0), abs=0.03)
    assert year == pytest.approx(street_use_share(365), abs=0.03)


def test_a_dam_patients_6mam_is_not_street_heroin_without_a_street_marker() -> None:
    screens = _draw(prescribed=frozenset({"dam"}), days=365)
    assert _share(screens, lambda s: s["morphine_opiates"] == "positive") == 1.0
    prescribed_only = _share(
        screens,
        lambda s: (
            s["monoacetylmorphine"] == "positive" and street_heroin(s) == StreetHeroin.NOT_DETECTED
        ),
    )
    assert prescribed_only > 0.6


def test_a_hydromorphone_patient_shows_6mam_only_with_street_heroin() -> None:
    screens = _draw(prescribed=frozenset({"hdm"}), days=182)
    with_6mam = [s for s in screens if s["monoacetylmorphine"] == "positive"]
    assert with_6mam and all(_detected(s) for s in with_6mam)
    assert _share(screens, lambda s: s["monoacetylmorphine"] == "positive") < 0.15


def test_methadone_shows_for_patients_with_a_methadone_order_and_rarely_otherwise() -> None:
    on_order = _draw(prescribed=frozenset({"dam", "methadone"}), days=200)
    without = _draw(prescribed=frozenset({"dam"}), days=200)
    assert _share(on_order, lambda s: s["methadone_eddp"] == "positive") > 0.9
    assert _share(without, lambda s: s["methadone_eddp"] == "positive") < 0.1


def test_a_point_of_care_cup_never_tests_the_street_markers_or_alcohol() -> None:
    screens = _draw(prescribed=frozenset({"dam"}), laboratory=False)
    assert all(street_heroin(s) == StreetHeroin.NOT_TESTED for s in screens)
    assert all("alcohol_etg" not in s for s in screens)


def test_the_start_day_sample_before_the_first_dose_shows_only_street_use() -> None:
    screens = _draw(prescribed=frozenset(), days=0)
    assert all(s["morphine_opiates"] == "positive" for s in screens if _detected(s))
    assert all(
        s["morphine_opiates"] == "negative" for s in screens if street_heroin(s) != "detected"
    )


def test_street_use_in_canada_shows_mostly_fentanyl_and_in_switzerland_heroin() -> None:
    canada = _draw(prescribed=frozenset({"hdm"}), country="ca")
    switzerland = _draw(prescribed=frozenset({"dam"}), country="ch")

    def fentanyl(screen: dict[str, str]) -> bool:
        return screen["fentanyl"] == "positive"

    assert _share(canada, fentanyl) > _share(canada, _detected)
    assert _share(switzerland, _detected) > 0.7 > 0.1 > _share(switzerland, fentanyl)


def test_local_habits_show_only_in_those_who_have_them() -> None:
    rng = random.Random(3)
    user = Habits(street_lean=0.0, uses=frozenset({"cocaine"}))
    draws = [
        screen_results(
            habits,
            country="ch",
            days_in_treatment=100,
            prescribed=frozenset({"dam"}),
            laboratory=True,
            rng=rng,
        )
        for habits in (user, EVERYONE_ALIKE)
        for _ in range(200)
    ]
    assert any(s["cocaine"] == "positive" for s in draws[:200])
    assert all(s["cocaine"] == "negative" for s in draws[200:])
