"""Safety: adverse events over injection-days and injections, by drug and phase, with exact
Poisson intervals; overdoses needing naloxone; events within 30 days of a (re)start.

Definitions (shown on the page):
- **Injection-day**: a patient's clinic day with at least one injected dose of the drug.
- **An event's drug**: the drug given in the session the event was recorded against; an event
  recorded without a dose in its session counts under the patient's HAT drug (outcomes.cohort).
- **Phase**: "first 3 days" is the day of a (re)start and the two days after it, as in the 3-day
  induction cohort the published induction rates come from [S18]; a (re)start is the start of
  treatment (outcomes.cohort) and every later return to "enrolled" (after a suspension, or a
  readmission). "Later" is every other day.
- **Within 30 days of a (re)start**: onset on the (re)start day or up to 30 days after it
  (SALOME: 5 of 11 naloxone overdoses [S26]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from openhat.clinics.models import Clinic
from openhat.outcomes.cohort import Episode, episodes, in_treatment
from openhat.outcomes.dosing_rows import DosingRecord, dosing_record
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.stats import Estimate, Rate, poisson_rate, wilson
from openhat.rules.context import Drug

INDUCTION_DAYS = 3  # the induction cohort's 3 days [S18]
RESTART_WINDOW_DAYS = 30  # SALOME's "within 30 days of (re)start" [S26]
SAFETY_DRUGS = (Drug.DAM.value, Drug.HDM.value)
FIRST_DAYS, LATER = "first_3_days", "later"
PHASE_LABELS = {FIRST_DAYS: "First 3 days of a (re)start", LATER: "Later", "all": "All days"}

DEFINITION = (
    "Adverse events recorded at the station with onset in the period, over the injection-days "
    "(a patient's day with an injection of the drug) and injections of the same patients, drug "
    "and phase; exact Poisson 95% intervals. First 3 days: the day of a (re)start (the start of "
    "treatment, a return from suspension, a readmission) and the two days after it. Naloxone "
    "overdoses: events of kind overdose in which naloxone was given."
)


@dataclass(frozen=True)
class SafetyRow:
    drug: str
    phase: str  # FIRST_DAYS, LATER or "all"
    events: int
    naloxone_overdoses: int
    injections: int
    injection_days: int
    per_100_injection_days: Rate
    per_10000_injections: Rate
    naloxone_per_10000_injections: Rate


@dataclass(frozen=True)
class Safety:
    period: Period
    cohort: Cohort
    rows: tuple[SafetyRow, ...]
    events: int  # every event of the cohort in the period, whatever the drug
    naloxone_overdoses: int
    within_restart_window: int  # of `events`
    naloxone_within_restart_window: int
    share_within_restart_window: Estimate
    definition: str = DEFINITION

    @property
    def empty(self) -> bool:
        return self.events == 0 and all(row.injections == 0 for row in self.rows)


def _phase(day: date, restarts: Sequence[date]) -> str:
    for restart in restarts:
        if restart <= day < restart + timedelta(days=INDUCTION_DAYS):
            return FIRST_DAYS
    return LATER


def _near_restart(day: date, restarts: Sequence[date]) -> bool:
    return any(r <= day <= r + timedelta(days=RESTART_WINDOW_DAYS) for r in restarts)


def safety_of(
    patients: Sequence[Episode], record: DosingRecord, period: Period, cohort: Cohort
) -> Safety:
    """Pure: the safety figures of `patients` from their dosing record in the period."""
    drug_of = {e.patient_id: e.drug for e in patients}
    restarts = record.restarts
    injections: dict[tuple[str, str], int] = {}
    days: dict[tuple[str, str], set[tuple[int, date]]] = {}
    for dose in record.doses:
        if not dose.injected:
            continue
        key = (dose.drug, _phase(dose.day, restarts.get(dose.patient_id, ())))
        injections[key] = injections.get(key, 0) + 1
        days.setdefault(key, set()).add((dose.patient_id, dose.day))
    counted: dict[tuple[str, str], list[bool]] = {}
    for event in record.events:
        drug = event.drug or drug_of.get(event.patient_id)
        if drug is None:
            continue
        key = (drug, _phase(event.day, restarts.get(event.patient_id, ())))
        counted.setdefault(key, []).append(event.naloxone_overdose)
    rows = []
    for drug in SAFETY_DRUGS:
        for phase in (FIRST_DAYS, LATER, "all"):
            keys = [(drug, p) for p in (FIRST_DAYS, LATER)] if phase == "all" else [(drug, phase)]
            n_events = sum(len(counted.get(k, [])) for k in keys)
            n_naloxone = sum(sum(counted.get(k, [])) for k in keys)
            n_injections = sum(injections.get(k, 0) for k in keys)
            n_days = sum(len(days.get(k, set())) for k in keys)
            rows.append(
                SafetyRow(
                    drug,
                    phase,
                    n_events,
                    n_naloxone,
                    n_injections,
                    n_days,
                    poisson_rate(n_events, n_days, 100),
                    poisson_rate(n_events, n_injections, 10_000),
                    poisson_rate(n_naloxone, n_injections, 10_000),
                )
            )
    near = [e for e in record.events if _near_restart(e.day, restarts.get(e.patient_id, ()))]
    return Safety(
        period=period,
        cohort=cohort,
        rows=tuple(rows),
        events=len(record.events),
        naloxone_overdoses=sum(1 for e in record.events if e.naloxone_overdose),
        within_restart_window=len(near),
        naloxone_within_restart_window=sum(1 for e in near if e.naloxone_overdose),
        share_within_restart_window=wilson(len(near), len(record.events)),
    )


def safety(clinic: Clinic, period: Period, cohort: Cohort) -> Safety:
    patients = in_treatment(episodes(clinic), period, cohort)
    return safety_of(patients, dosing_record(clinic, period, patients), period, cohort)
