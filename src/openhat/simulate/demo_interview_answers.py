"""Synthetic interview answers whose means follow the published trajectories (pure: no Django).

Targets, per time point, of the two outcomes the trials report (docs/domain.md §13.7):
- street-heroin days in the last 30: 26.6 at intake -> 5.3 at 12 months (NAOMI [S13]); the 3- and
  6-month means are local interpolations, the 6-month one inside SALOME's 3-5 days [S14];
- illegal-activity days in the last 30: 14.1 at intake -> under 4 (SALOME [S14]); 3.5 at 12
  months, the 3- and 6-month means local interpolations.
Each time point's values are drawn from a beta distribution (many patients near 0 after intake,
a long tail of those still using), then nudged one day at a time until the clinic's mean is within
CALIBRATION_TOLERANCE of the target, so a small demo clinic still shows the trials' figures.

Everything else (other drugs, injecting, housing, work, health ratings, EQ-5D-5L levels) moves in
the direction the trials and England's TOP reports describe; those numbers are local, chosen to
look plausible, and marked so. Nothing here is a real person's answer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

STREET_HEROIN_TARGETS = {"intake": 26.6, "month_3": 9.0, "month_6": 5.0, "month_12": 5.3}
ILLEGAL_ACTIVITY_TARGETS = {"intake": 14.1, "month_3": 6.5, "month_6": 4.5, "month_12": 3.5}
CALIBRATION_TOLERANCE = 0.3
RECALL_DAYS = 30
# How far into treatment each point is, 0 (intake) to 1 (12 months or later): the local items
# move from their intake value to their 12-month value along it.
_PROGRESS = {"intake": 0.0, "month_3": 0.55, "month_6": 0.8, "month_12": 1.0}
# Housing at intake and at 12 months (local, plausible for a HAT population).
_HOUSING = {
    "intake": {
        "own_home": 22,
        "supported_housing": 15,
        "family_or_friends": 15,
        "shelter": 22,
        "street": 21,
        "institution": 5,
    },
    "month_12": {
        "own_home": 32,
        "supported_housing": 27,
        "family_or_friends": 15,
        "shelter": 13,
        "street": 8,
        "institution": 5,
    },
}


def target_key(time_point: str) -> str:
    """Later yearly points and the exit interview follow the 12-month figures."""
    return time_point if time_point in _PROGRESS else "month_12"


def _between(start: float, end: float, time_point: str) -> float:
    return start + (end - start) * _PROGRESS[target_key(time_point)]


def beta_days(rng: random.Random, mean: float, concentration: float = 3.0) -> int:
    """A number of days 0-30 with the given mean: beta(a, b) scaled, a + b = concentration."""
    share = min(max(mean / RECALL_DAYS, 0.01), 0.99)
    value = rng.betavariate(share * concentration, (1 - share) * concentration)
    return round(value * RECALL_DAYS)


def calibrate(values: list[int], target: float, rng: random.Random, ceiling: int = 30) -> list[int]:
    """Move single days until the mean is within CALIBRATION_TOLERANCE of `target`."""
    values = list(values)
    if not values:
        return values
    for _ in range(RECALL_DAYS * len(values)):
        mean = sum(values) / len(values)
        if abs(mean - target) <= CALIBRATION_TOLERANCE:
            break
        step = 1 if mean < target else -1
        movable = [i for i, v in enumerate(values) if 0 <= v + step <= ceiling]
        if not movable:
            break
        values[rng.choice(movable)] += step
    return values


def outcome_days(time_point: str, count: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Street-heroin days and illegal-activity days for `count` interviews at one time point."""
    key = target_key(time_point)
    heroin_target = STREET_HEROIN_TARGETS[key]
    crime_target = ILLEGAL_ACTIVITY_TARGETS[key]
    # Before treatment nearly everyone uses most days; after it, many stop and some go on (a
    # U-shaped spread: a lower concentration).
    spread = 3.0 if key == "intake" else 1.2
    heroin = calibrate(
        [beta_days(rng, heroin_target, spread) for _ in range(count)], heroin_target, rng
    )
    crime = calibrate([beta_days(rng, crime_target, 1.6) for _ in range(count)], crime_target, rng)
    return heroin, crime


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _count(rng: random.Random, mean: float) -> int:
    """A small count (arrests, overdoses) with the given mean: a sum of rare events."""
    return sum(1 for _ in range(10) if rng.random() < mean / 10)


def _days(rng: random.Random, start: float, end: float, time_point: str) -> int:
    return beta_days(rng, _between(start, end, time_point), 2.0)


def _split_crime(rng: random.Random, total: int) -> dict[str, int]:
    """The kinds of illegal activity within the days of any kind (each at most the total)."""
    if total == 0:
        return dict.fromkeys(
            ("shoplifting_days", "selling_drugs_days", "theft_days", "fraud_days", "violence_days"),
            0,
        )
    return {
        "selling_drugs_days": round(total * rng.uniform(0.3, 1.0)),
        "shoplifting_days": round(total * rng.uniform(0.0, 0.7)),
        "theft_days": round(total * rng.uniform(0.0, 0.3)),
        "fraud_days": round(total * rng.uniform(0.0, 0.15)),
        "violence_days": min(total, rng.choice([0, 0, 0, 1, 2])),
    }


def _scale(rng: random.Random, start: float, end: float, time_point: str, top: int = 20) -> int:
    return min(top, max(0, round(rng.gauss(_between(start, end, time_point), 3.5))))


def _eq5d(rng: random.Random, time_point: str) -> dict[str, Any]:
    # Local: levels shift about one step towards "no problems" over the first year.
    shift = _PROGRESS[target_key(time_point)]
    levels = {}
    for dimension, worst in (
        ("eq5d_mobility", 3),
        ("eq5d_self_care", 2),
        ("eq5d_usual_activities", 4),
        ("eq5d_pain_discomfort", 4),
        ("eq5d_anxiety_depression", 4),
    ):
        level = round(rng.triangular(1, worst + 1, worst) - shift)
        levels[dimension] = min(5, max(1, level))
    levels["eq5d_vas"] = min(100, max(0, round(rng.gauss(_between(48, 64, time_point), 15))))
    return levels


def answers_for(
    time_point: str, heroin_days: int, illegal_days: int, rng: random.Random, with_eq5d: bool
) -> dict[str, Any]:
    """One interview's answers around the two calibrated outcomes (local values otherwise)."""
    housing_key = "intake" if target_key(time_point) == "intake" else "month_12"
    other_opioids = _days(rng, 4, 1, time_point)
    answers: dict[str, Any] = {
        "street_heroin_days": heroin_days,
        "other_opioids_days": other_opioids,
        "cocaine_crack_days": _days(rng, 10, 6, time_point),
        "benzodiazepines_days": _days(rng, 7, 3, time_point),
        "alcohol_intoxication_days": _days(rng, 5, 4, time_point),
        "cannabis_days": _days(rng, 11, 9, time_point),
        "injecting_days": min(RECALL_DAYS, heroin_days + rng.randint(0, 2) if heroin_days else 0),
        "shared_needles": rng.random() < _between(0.15, 0.04, time_point),
        "shared_other_equipment": rng.random() < _between(0.35, 0.12, time_point),
        "illegal_activity_days": illegal_days,
        "arrests": _count(rng, _between(0.45, 0.12, time_point)),
        "custody_days": 0 if rng.random() > _between(0.12, 0.05, time_point) else rng.randint(1, 6),
        "housing_status": _weighted(rng, _HOUSING[housing_key]),
        "housing_at_risk": rng.random() < _between(0.4, 0.22, time_point),
        "paid_work_days": 0
        if rng.random() > _between(0.1, 0.25, time_point)
        else rng.randint(2, 20),
        "education_days": 0
        if rng.random() > _between(0.03, 0.08, time_point)
        else rng.randint(1, 12),
        "physical_health": _scale(rng, 9, 12.5, time_point),
        "psychological_health": _scale(rng, 8, 11.5, time_point),
        "quality_of_life": _scale(rng, 7.5, 12, time_point),
        "overdoses": _count(rng, _between(0.25, 0.06, time_point)),
    }
    answers.update(_split_crime(rng, illegal_days))
    if with_eq5d:
        answers.update(_eq5d(rng, time_point))
    return answers


def mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0
