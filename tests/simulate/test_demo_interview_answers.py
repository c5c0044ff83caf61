"""The demo's synthetic answers: valid for the instrument, and calibrated to the trials' means."""

from __future__ import annotations

import random

import pytest

from openhat.interviews.definition import read_file
from openhat.interviews.loader import shipped_files
from openhat.simulate.demo_interview_answers import (
    ILLEGAL_ACTIVITY_TARGETS,
    STREET_HEROIN_TARGETS,
    answers_for,
    calibrate,
    mean,
    outcome_days,
)

CORE = read_file(next(p for p in shipped_files() if p.name == "openhat-core-1.toml"))


@pytest.mark.parametrize(
    "time_point", ["intake", "month_3", "month_6", "month_12", "month_24", "exit"]
)
def test_every_synthetic_interview_passes_the_instruments_checks(time_point: str) -> None:
    rng = random.Random(7)
    heroin, crime = outcome_days(time_point, 40, rng)
    for index, (heroin_days, illegal_days) in enumerate(zip(heroin, crime, strict=True)):
        CORE.check_answers(answers_for(time_point, heroin_days, illegal_days, rng, index % 2 == 0))


@pytest.mark.parametrize("time_point", ["intake", "month_3", "month_6", "month_12"])
def test_a_clinics_means_follow_naomi_and_salome(time_point: str) -> None:
    heroin, crime = outcome_days(time_point, 15, random.Random(11))
    assert mean(heroin) == pytest.approx(STREET_HEROIN_TARGETS[time_point], abs=0.3)
    assert mean(crime) == pytest.approx(ILLEGAL_ACTIVITY_TARGETS[time_point], abs=0.3)
    assert all(0 <= days <= 30 for days in heroin + crime)


def test_the_twelve_month_figures_are_the_published_ones() -> None:
    assert (STREET_HEROIN_TARGETS["intake"], STREET_HEROIN_TARGETS["month_12"]) == (26.6, 5.3)
    assert ILLEGAL_ACTIVITY_TARGETS["intake"] == 14.1 and ILLEGAL_ACTIVITY_TARGETS["month_12"] < 4


def test_the_spread_is_plausible_not_everyone_the_same() -> None:
    heroin, _ = outcome_days("month_12", 30, random.Random(3))
    assert heroin.count(0) >= 5  # many stop using street heroin
    assert max(heroin) >= 15  # and some still use most days


def test_calibration_moves_single_days_within_bounds() -> None:
    values = calibrate([30, 30, 30, 30], 10.0, random.Random(1))
    assert mean(values) == pytest.approx(10.0, abs=0.3)
    assert all(0 <= v <= 30 for v in values)
