"""Outcome-interview trajectories at intake, 3, 6 and 12 months (app openhat.interviews).

Definitions (shown on the page):
- **Patients**: the entry cohort (outcomes.cohort.starters: treatment started within the period).
- **Due** at a point: the point's target day (the start plus 3, 6 or 12 months; the start itself
  for intake) is on or before the period's last day. Patients who left are still due: the trials
  analysed by intention to treat (docs/domain.md §13.6).
- **Response rate**: completed interviews of the point (interviewed on or before the period's last
  day) over the patients due; Wilson interval.
- **Mean** of each measure among those interviewed; **paired change**: the mean of (point minus
  intake) among patients interviewed at both, with its t interval.
- **Housed**: mostly slept in their own or rented home or in supported housing; **at risk**: said
  they were at risk of losing where they live. Shares, paired change in percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openhat.clinics.models import Clinic
from openhat.interviews.models import Interview, InterviewStatus
from openhat.interviews.schedule import INTAKE, add_months
from openhat.outcomes.cohort import Episode, episodes, starters
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.stats import Estimate, clipped, paired_change, wilson
from openhat.outcomes.stats import mean as mean_of

POINTS: tuple[tuple[str, int], ...] = (
    (INTAKE, 0),
    ("month_3", 3),
    ("month_6", 6),
    ("month_12", 12),
)
POINT_LABELS = {
    INTAKE: "Intake",
    "month_3": "3 months",
    "month_6": "6 months",
    "month_12": "12 months",
}
HOUSED = frozenset({"own_home", "supported_housing"})

DEFINITION = (
    "Patients who started within the period; a point is due when the start plus 3, 6 or 12 months "
    "falls on or before the period's last day (patients who left stay due: intention to treat). "
    "Response rate: interviews done over patients due. Paired change: mean of (point minus "
    "intake) among patients interviewed at both, 95% t interval. Days are of the last 30."
)


def _number(code: str) -> Callable[[Mapping[str, Any]], float | None]:
    def read(answers: Mapping[str, Any]) -> float | None:
        value = answers.get(code)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    return read


def _housed(answers: Mapping[str, Any]) -> float | None:
    status = answers.get("housing_status")
    return None if not status else float(status in HOUSED)


def _at_risk(answers: Mapping[str, Any]) -> float | None:
    value = answers.get("housing_at_risk")
    return None if not isinstance(value, bool) else float(value)


# (key, label, unit, reader): "days" of the last 30, "share" (0-1), "score" (0-20)
MEASURES: tuple[tuple[str, str, str, Callable[[Mapping[str, Any]], float | None]], ...] = (
    ("street_heroin_days", "Street-heroin days", "days", _number("street_heroin_days")),
    ("illegal_activity_days", "Illegal-activity days", "days", _number("illegal_activity_days")),
    ("injecting_days", "Injecting days (outside the clinic)", "days", _number("injecting_days")),
    ("housed", "Housed (own home or supported housing)", "share", _housed),
    ("housing_at_risk", "At risk of losing their housing", "share", _at_risk),
    ("paid_work_days", "Days of paid work", "days", _number("paid_work_days")),
    ("physical_health", "Physical health (0-20)", "score", _number("physical_health")),
    (
        "psychological_health",
        "Psychological health (0-20)",
        "score",
        _number("psychological_health"),
    ),
    ("quality_of_life", "Quality of life (0-20)", "score", _number("quality_of_life")),
)


@dataclass(frozen=True)
class PointFigure:
    point: str
    mean: Estimate  # n: patients interviewed who answered
    change: Estimate | None  # None at intake; n: patients with both


@dataclass(frozen=True)
class MeasureTrajectory:
    key: str
    label: str
    unit: str
    points: tuple[PointFigure, ...]


@dataclass(frozen=True)
class PointResponse:
    point: str
    due: int
    interviewed: int
    rate: Estimate


@dataclass(frozen=True)
class Trajectories:
    period: Period
    cohort: Cohort
    responses: tuple[PointResponse, ...]
    measures: tuple[MeasureTrajectory, ...]
    definition: str = DEFINITION

    @property
    def empty(self) -> bool:
        return all(r.interviewed == 0 for r in self.responses)


def trajectories_of(
    patients: Sequence[Episode],
    answered: Mapping[tuple[int, str], Mapping[str, Any]],
    period: Period,
    cohort: Cohort,
) -> Trajectories:
    """Pure: `answered` maps (patient, point) to the answers of a completed interview."""
    responses = []
    for point, months in POINTS:
        due = [e for e in patients if add_months(e.start, months) <= period.last]
        done = [e for e in due if (e.patient_id, point) in answered]
        responses.append(PointResponse(point, len(due), len(done), wilson(len(done), len(due))))
    ids = [e.patient_id for e in patients]
    measures = []
    for key, label, unit, read in MEASURES:
        figures = []
        for point, _ in POINTS:
            values = {i: v for i in ids if (v := _value(answered, i, point, read)) is not None}
            change = None
            if point != INTAKE:
                pairs = [
                    (base, values[i])
                    for i in values
                    if (base := _value(answered, i, INTAKE, read)) is not None
                ]
                change = paired_change(pairs)
            figures.append(PointFigure(point, _summary(unit, list(values.values())), change))
        measures.append(MeasureTrajectory(key, label, unit, tuple(figures)))
    return Trajectories(period, cohort, tuple(responses), tuple(measures))


def _summary(unit: str, values: list[float]) -> Estimate:
    """A share with Wilson's interval; days and scores as a mean with its t interval, kept within
    their range (never below 0, never above 30 days or a score of 20)."""
    if unit == "share":
        return wilson(round(sum(values)), len(values))
    return clipped(mean_of(values), 0.0, 30.0 if unit == "days" else 20.0)


def _value(
    answered: Mapping[tuple[int, str], Mapping[str, Any]],
    patient_id: int,
    point: str,
    read: Callable[[Mapping[str, Any]], float | None],
) -> float | None:
    answers = answered.get((patient_id, point))
    return None if answers is None else read(answers)


def interview_answers(
    clinic: Clinic, patients: Sequence[Episode], period: Period
) -> dict[tuple[int, str], Mapping[str, Any]]:
    """(patient, point) -> answers of the completed interviews done by the period's last day."""
    return {
        (patient_id, point): answers
        for patient_id, point, answers in Interview.objects.filter(
            clinic=clinic,
            patient_id__in=[e.patient_id for e in patients],
            status=InterviewStatus.COMPLETED,
            time_point__in=[p for p, _ in POINTS],
            on_date__lte=period.last,
        ).values_list("patient", "time_point", "answers")
    }


def trajectories(clinic: Clinic, period: Period, cohort: Cohort) -> Trajectories:
    patients = starters(episodes(clinic), period, cohort)
    return trajectories_of(patients, interview_answers(clinic, patients, period), period, cohort)
