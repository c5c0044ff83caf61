"""The outcomes statistics against hand computations and published table values (no database)."""

from __future__ import annotations

import math

import pytest
from lifelines import KaplanMeierFitter

from openhat.outcomes.stats import (
    EMPTY,
    kaplan_meier,
    mean,
    paired_change,
    poisson_rate,
    wilson,
)

Z = 1.959963984540054

# Six patients: exits on days 2, 3, 5 and 8; one censored on day 3 (after that day's exit) and one
# on day 6.
DURATIONS = [2, 3, 3, 5, 6, 8]
EXITS = [True, True, False, True, False, True]


def _log_log_interval(survival: float, greenwood_sum: float) -> tuple[float, float]:
    """The log(-log) 95% interval by hand: S ** exp(+-z * sqrt(sum / log(S)^2))."""
    spread = Z * math.sqrt(greenwood_sum / math.log(survival) ** 2)
    return survival ** math.exp(spread), survival ** math.exp(-spread)


def test_kaplan_meier_matches_the_hand_computed_product_limit() -> None:
    result = kaplan_meier(DURATIONS, EXITS, [2, 4, 7, 9])

    # Day 2: 6 at risk, 1 exit. Day 3: 5 at risk, 1 exit (the censored one still counts at risk).
    # Day 5: 3 at risk (5, 6, 8), 1 exit. Day 8: 1 at risk, 1 exit.
    s2, s3, s5 = 5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3
    assert result.at[2].value == pytest.approx(s2)
    assert result.at[4].value == pytest.approx(s3)
    assert result.at[7].value == pytest.approx(s5)
    assert result.at[9] == EMPTY  # nobody was followed 9 days: not carried forward
    assert [result.at[d].n for d in (2, 4, 7)] == [6, 3, 1]  # at risk on that day
    assert (result.n, result.events) == (6, 4)
    assert result.median_days == 5  # the first day the estimate falls to 0.5 or below

    greenwood = 1 / (6 * 5)
    low, high = _log_log_interval(s2, greenwood)
    assert (result.at[2].low, result.at[2].high) == (pytest.approx(low), pytest.approx(high))
    greenwood += 1 / (5 * 4) + 1 / (3 * 2)
    low, high = _log_log_interval(s5, greenwood)
    assert (result.at[7].low, result.at[7].high) == (pytest.approx(low), pytest.approx(high))


def test_kaplan_meier_agrees_with_lifelines_on_a_larger_sample() -> None:
    durations = [(7 * i) % 400 for i in range(1, 60)]
    exits = [i % 3 != 0 for i in range(1, 60)]
    result = kaplan_meier(durations, exits, [91, 182, 365])

    fitter = KaplanMeierFitter().fit(durations, exits)
    for day in (91, 182, 365):
        assert result.at[day].value == pytest.approx(float(fitter.predict(day)))
    assert result.median_days == pytest.approx(fitter.median_survival_time_)


def test_kaplan_meier_of_nobody_is_empty_and_nobody_exiting_has_no_median() -> None:
    assert kaplan_meier([], [], [91]).at[91] == EMPTY
    everyone_stays = kaplan_meier([100, 200, 400], [False, False, False], [91, 365])
    assert everyone_stays.median_days is None
    assert everyone_stays.at[365].value == 1.0


def test_exact_poisson_intervals_match_the_published_table() -> None:
    # Garwood's exact limits for 3 events: 0.619 to 8.77; for 0 events the upper is 3.689.
    three = poisson_rate(3, 1000, 100)
    assert three.value == pytest.approx(0.3)
    assert three.low == pytest.approx(0.0619, abs=1e-4)
    assert three.high == pytest.approx(0.8767, abs=1e-4)
    none = poisson_rate(0, 200, 10_000)
    assert none.value == 0 and none.low == 0
    assert none.high == pytest.approx(3.689 / 200 * 10_000, rel=1e-3)
    assert poisson_rate(2, 0, 100).value is None  # no exposure: no rate


def test_wilson_interval_matches_the_hand_formula() -> None:
    share = wilson(8, 10)
    assert share.value == 0.8
    assert share.low == pytest.approx(0.4902, abs=1e-4)
    assert share.high == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == EMPTY
    assert wilson(0, 5).low == 0 and wilson(5, 5).high == 1
    with pytest.raises(ValueError):
        wilson(6, 5)


def test_mean_and_paired_change_use_the_t_interval() -> None:
    assert mean([1, 2, 3, 4]).value == 2.5
    # sd 1.2910, t(0.975, 3) = 3.1824: half width 2.0543
    assert mean([1, 2, 3, 4]).low == pytest.approx(0.4457, abs=1e-4)
    change = paired_change([(10, 5), (20, 8), (30, 10)])
    assert change.value == pytest.approx(-37 / 3)
    assert change.n == 3
    assert mean([7]).low is None  # one value: a mean, no interval
