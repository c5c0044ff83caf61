"""The statistics behind the outcomes page: pure functions of plain numbers, no Django.

Every estimate comes with its 95% interval:
- Kaplan-Meier survival (lifelines' product-limit estimator; its interval is Greenwood's variance
  on the log(-log) scale, the usual choice for retention curves);
- rates of events over an exposure (exact Poisson interval from the chi-square distribution,
  Garwood 1936), so that a handful of adverse events still gets an honest interval;
- proportions (Wilson's score interval, which behaves at 0% and 100% and for small n);
- means and paired changes (Student's t).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

CONFIDENCE = 0.95
_ALPHA = 1 - CONFIDENCE
_Z = float(scipy_stats.norm.ppf(1 - _ALPHA / 2))


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval (None where it cannot be estimated) and its n."""

    value: float | None
    low: float | None
    high: float | None
    n: int


EMPTY = Estimate(None, None, None, 0)


# --- proportions and rates ---------------------------------------------------------------------


def wilson(successes: int, n: int) -> Estimate:
    """The share successes/n with Wilson's score interval."""
    if successes < 0 or n < 0 or successes > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return EMPTY
    share = successes / n
    centre = (share + _Z**2 / (2 * n)) / (1 + _Z**2 / n)
    half = _Z / (1 + _Z**2 / n) * math.sqrt(share * (1 - share) / n + _Z**2 / (4 * n * n))
    return Estimate(share, max(0.0, centre - half), min(1.0, centre + half), n)


@dataclass(frozen=True)
class Rate:
    """`events` per `per` units of `exposure`, with the exact Poisson interval."""

    events: int
    exposure: float
    per: float
    value: float | None
    low: float | None
    high: float | None


def poisson_rate(events: int, exposure: float, per: float) -> Rate:
    if events < 0 or exposure < 0:
        raise ValueError("events and exposure are never negative")
    if exposure == 0:
        return Rate(events, exposure, per, None, None, None)
    low_count = 0.0 if events == 0 else scipy_stats.chi2.ppf(_ALPHA / 2, 2 * events) / 2
    high_count = scipy_stats.chi2.ppf(1 - _ALPHA / 2, 2 * events + 2) / 2
    scale = per / exposure
    return Rate(
        events,
        exposure,
        per,
        events * scale,
        float(low_count) * scale,
        float(high_count) * scale,
    )


# --- means -------------------------------------------------------------------------------------


def mean(values: Sequence[float]) -> Estimate:
    """The mean with Student's t interval (no interval for fewer than two values)."""
    n = len(values)
    if n == 0:
        return EMPTY
    average = sum(values) / n
    if n < 2:
        return Estimate(average, None, None, n)
    sd = math.sqrt(sum((v - average) ** 2 for v in values) / (n - 1))
    half = float(scipy_stats.t.ppf(1 - _ALPHA / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(average, average - half, average + half, n)


def clipped(estimate: Estimate, low: float = 0.0, high: float | None = None) -> Estimate:
    """The estimate with its interval kept within the measure's range (days are never below 0):
    the t interval of a small sample can reach past it."""

    def within(value: float | None) -> float | None:
        if value is None:
            return None
        value = max(low, value)
        return value if high is None else min(high, value)

    return Estimate(estimate.value, within(estimate.low), within(estimate.high), estimate.n)


def paired_change(pairs: Sequence[tuple[float, float]]) -> Estimate:
    """The mean of (after - before) over patients seen at both points, with its t interval."""
    return mean([after - before for before, after in pairs])


# --- Kaplan-Meier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Survival:
    """A Kaplan-Meier estimate: the curve (for the plot) and the figures the page names.

    `at` maps a day (91, 182, 365) to the estimate there, or EMPTY when nobody was followed that
    long (lifelines would carry the last value forward; the page says "not reached" instead).
    """

    n: int
    events: int
    median_days: float | None  # None: more than half still retained at the end of follow-up
    median_low: float | None
    median_high: float | None
    at: dict[int, Estimate]
    curve: tuple[tuple[float, float, float, float], ...]  # (day, survival, low, high)


def kaplan_meier(
    durations: Sequence[float], events: Sequence[bool], days: Sequence[int]
) -> Survival:
    """Retention from the start (day 0): `durations` in days, `events` True for an exit and False
    for a patient censored (still in treatment at the end of follow-up)."""
    if len(durations) != len(events):
        raise ValueError("one event flag per duration")
    if any(d < 0 for d in durations):
        raise ValueError("durations are never negative")
    if not durations:
        return Survival(0, 0, None, None, None, {day: EMPTY for day in days}, ())
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fitter = KaplanMeierFitter(alpha=_ALPHA)
    fitter.fit(list(durations), event_observed=list(events))
    survival = fitter.survival_function_.iloc[:, 0]
    interval = fitter.confidence_interval_survival_function_
    lows, highs = interval.iloc[:, 0], interval.iloc[:, 1]
    curve = tuple(
        (float(t), float(survival[t]), float(lows[t]), float(highs[t])) for t in survival.index
    )
    longest = max(durations)
    at: dict[int, Estimate] = {}
    for day in days:
        if day > longest:
            at[day] = EMPTY
            continue
        # The step function's value at `day`: the last time point at or before it.
        _, value, low, high = [point for point in curve if point[0] <= day][-1]
        at_risk = sum(1 for d in durations if d >= day)
        at[day] = Estimate(value, low, high, at_risk)
    median = _finite(fitter.median_survival_time_)
    median_interval = median_survival_times(fitter.confidence_interval_)
    return Survival(
        n=len(durations),
        events=sum(1 for e in events if e),
        median_days=median,
        median_low=_finite(median_interval.iloc[0, 0]),
        median_high=_finite(median_interval.iloc[0, 1]),
        at=at,
        curve=curve,
    )


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
