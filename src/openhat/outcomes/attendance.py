"""Attendance and doses over the days of the period that the cohort's patients were in treatment.

Definitions (shown on the page):
- **Planned sessions** on a clinic day: the sum of `sessions_per_day` over the patient's signed
  order versions in force that day (a suspended or stopped line plans nothing), counted over the
  days from the latest of the start, the period's first day and the first day of the clinic's
  dosing record (a clinic whose record starts later than its patients' treatment, as the demo's
  four weeks do, has no doses to count before it) to the earliest of the exit, the period's last
  day and yesterday (today's later sessions are still to come); days on which the patient's
  status was "suspended" plan nothing. **Attended**: the sessions in which a dose was given.
- **Days attended**: the days in treatment on which at least one dose was given, over the days in
  treatment on which an order was in force (SALOME's ~90% [derived]).
- **Injections per attended day**: injected doses (iv, im, sc) over the days with an injection.
- **Mean daily dose** by drug and phase: each patient's mean of their daily total mg of that drug
  in that phase (the phase of the order version in force when the dose was given: titration or
  maintenance, as the physician signed it), then the mean over patients (n = patients).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from openhat.clinics.models import Clinic
from openhat.outcomes.cohort import Episode, episodes, in_treatment
from openhat.outcomes.dosing_rows import DosingRecord, dosing_record
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.stats import Estimate, Rate, clipped, mean, poisson_rate, wilson
from openhat.rules.context import Drug

DEFINITION = (
    "Planned sessions: the sessions per day of the orders in force on each day in treatment within "
    "the period and of the clinic's dosing record, up to yesterday (suspended patients and "
    "suspended or stopped orders plan none); "
    "attended: sessions with a dose given. "
    "Days attended: days with a dose over days with an order in force. Injections per attended "
    "day: injected doses over days with an injection. Mean daily dose: each patient's mean daily "
    "total (mg) by drug and by the phase of the order in force (titration or maintenance), then "
    "the mean over patients."
)
DOSE_DRUGS = tuple(drug.value for drug in Drug)
PHASES = ("titration", "maintenance")


@dataclass(frozen=True)
class DailyDose:
    drug: str
    phase: str
    mg: Estimate  # the mean over patients of each patient's mean daily mg


@dataclass(frozen=True)
class Attendance:
    period: Period
    cohort: Cohort
    patients: int
    planned_sessions: int
    attended_sessions: int
    sessions: Estimate  # attended / planned, Wilson
    days_in_treatment: int  # days with an order in force
    days_attended: int
    days: Estimate
    injections: int
    injection_days: int
    injections_per_day: Rate
    daily_doses: tuple[DailyDose, ...]
    definition: str = DEFINITION

    @property
    def empty(self) -> bool:
        return self.planned_sessions == 0 and self.injections == 0


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def attendance_of(
    patients: Sequence[Episode], record: DosingRecord, period: Period, cohort: Cohort
) -> Attendance:
    """Pure: the attendance figures of `patients` (in treatment in the period) from their record."""
    spans_by_patient = defaultdict(list)
    for span in record.spans:
        spans_by_patient[span.patient_id].append(span)
    doses_by_day: dict[tuple[int, date], int] = defaultdict(int)
    for dose in record.doses:
        doses_by_day[(dose.patient_id, dose.day)] += 1
    planned = attended = days_in_treatment = days_attended = 0
    for episode in patients:
        if record.first_day is None:
            break
        first = max(episode.start, period.first, record.first_day)
        last = episode.end_within(period)
        if record.last_day is not None:
            last = min(last, record.last_day)
        for day in _days(first, last):
            if record.suspended_on(episode.patient_id, day):
                continue
            sessions = sum(
                s.sessions_per_day for s in spans_by_patient[episode.patient_id] if s.covers(day)
            )
            if sessions == 0:
                continue
            given = doses_by_day.get((episode.patient_id, day), 0)
            planned += sessions
            attended += min(given, sessions)
            days_in_treatment += 1
            days_attended += 1 if given else 0
    injections = [d for d in record.doses if d.injected]
    injection_days = len({(d.patient_id, d.day) for d in injections})
    return Attendance(
        period=period,
        cohort=cohort,
        patients=len(patients),
        planned_sessions=planned,
        attended_sessions=attended,
        sessions=wilson(attended, planned),
        days_in_treatment=days_in_treatment,
        days_attended=days_attended,
        days=wilson(days_attended, days_in_treatment),
        injections=len(injections),
        injection_days=injection_days,
        injections_per_day=poisson_rate(len(injections), injection_days, 1),
        daily_doses=_daily_doses(record),
    )


def _daily_doses(record: DosingRecord) -> tuple[DailyDose, ...]:
    totals: dict[tuple[str, str, int, date], Decimal] = defaultdict(Decimal)
    for dose in record.doses:
        totals[(dose.drug, dose.phase, dose.patient_id, dose.day)] += dose.dose_mg
    per_patient: dict[tuple[str, str], dict[int, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for (drug, phase, patient_id, _day), mg in totals.items():
        per_patient[(drug, phase)][patient_id].append(float(mg))
    shown = []
    for drug in DOSE_DRUGS:
        for phase in PHASES:
            patients = per_patient.get((drug, phase))
            if patients:
                means = [sum(days) / len(days) for days in patients.values()]
                shown.append(DailyDose(drug, phase, clipped(mean(means))))
    return tuple(shown)


def attendance(clinic: Clinic, period: Period, cohort: Cohort) -> Attendance:
    patients = in_treatment(episodes(clinic), period, cohort)
    return attendance_of(patients, dosing_record(clinic, period, patients), period, cohort)
