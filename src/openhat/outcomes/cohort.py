"""Who is in a clinic's outcome cohort, when their treatment started and ended, and on what drug.

Definitions (shown on the page beside every figure):
- **Start of treatment**: the first dose, i.e. the clinic day of the patient's first
  Administration; where the dosing record is shorter than the treatment (the demo keeps four weeks
  of dosing, a clinic that imported its history may keep none), the enrolment's start date
  (Enrolment.start_date, the day the enrolment service records treatment to begin) is used when it
  is earlier. The interview schedule counts from the same enrolment start (interviews.reading).
- **Exit**: the first status change to "exited" on or after the start (StatusChange.effective_date,
  with its coded reason). Only the first episode counts: a patient readmitted after an exit keeps
  their first start and first exit, as in an intention-to-treat analysis (NAOMI, SALOME).
- **Drug**: DAM or HDM, the HAT drug of the patient's earliest signed order for one of them; a
  patient with orders for oral drugs only is "oral OAT only"; a patient with no order at all is
  left out of the drug groups (but counted under "every drug").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration
from openhat.enrolment.models import Enrolment
from openhat.outcomes.period import Cohort, CohortDrug, Period
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import StatusChange
from openhat.prescribing.models import OrderVersion
from openhat.rules.context import HAT_DRUGS

# Exits that still count as "retained in addiction treatment" (NAOMI's primary outcome: retention
# in any addiction treatment, where a move to oral OAT counts as retained [S13]). A transfer to
# another clinic continues the treatment elsewhere.
STILL_IN_TREATMENT = frozenset({ExitReason.ORAL_OAT.value, ExitReason.TRANSFER.value})


@dataclass(frozen=True)
class Episode:
    patient_id: int
    start: date
    exit: date | None
    exit_reason: str  # an ExitReason value, "" while in treatment
    drug: str | None  # a CohortDrug value; None: no order

    def matches(self, cohort: Cohort) -> bool:
        if cohort.start_year is not None and self.start.year != cohort.start_year:
            return False
        return cohort.drug is None or self.drug == cohort.drug

    def end_within(self, period: Period) -> date:
        """The last day this episode was in treatment within the period (its exit, or the
        period's last day)."""
        if self.exit is not None and self.exit <= period.last:
            return self.exit
        return period.last


def episodes(clinic: Clinic) -> list[Episode]:
    """Every patient of the clinic who started treatment, with their first episode."""
    first_dose = dict(
        Administration.objects.filter(clinic=clinic)
        .values("patient")
        .annotate(first=Min("session__dosing_day"))
        .values_list("patient", "first")
    )
    enrolled = dict(
        Enrolment.objects.filter(clinic=clinic)
        .values("patient")
        .annotate(first=Min("start_date"))
        .values_list("patient", "first")
    )
    starts: dict[int, date] = {}
    for patient_id in set(first_dose) | set(enrolled):
        candidates = [d for d in (first_dose.get(patient_id), enrolled.get(patient_id)) if d]
        starts[patient_id] = min(candidates)
    exits: dict[int, tuple[date, str]] = {}
    for patient_id, day, reason in (
        StatusChange.objects.filter(patient__clinic=clinic, to_status=PatientStatus.EXITED)
        .order_by("effective_date", "pk")
        .values_list("patient", "effective_date", "exit_reason")
    ):
        start = starts.get(patient_id)
        if start is not None and day >= start and patient_id not in exits:
            exits[patient_id] = (day, reason)
    drugs = _drugs(
        OrderVersion.objects.filter(clinic=clinic)
        .order_by("starts_at", "pk")
        .values_list("patient", "drug")
    )
    return [
        Episode(
            patient_id=patient_id,
            start=start,
            exit=exits[patient_id][0] if patient_id in exits else None,
            exit_reason=exits[patient_id][1] if patient_id in exits else "",
            drug=drugs.get(patient_id),
        )
        for patient_id, start in sorted(starts.items())
    ]


def _drugs(orders: Iterable[tuple[int, str]]) -> dict[int, str]:
    drugs: dict[int, str] = {}
    for patient_id, drug in orders:
        if drug in HAT_DRUGS:
            if drugs.get(patient_id) in (None, CohortDrug.ORAL):
                drugs[patient_id] = drug
        else:
            drugs.setdefault(patient_id, CohortDrug.ORAL)
    return drugs


def starters(all_episodes: Iterable[Episode], period: Period, cohort: Cohort) -> list[Episode]:
    """The entry cohort: patients whose treatment started within the period (and match the
    filter), followed to their exit or the period's last day."""
    return [e for e in all_episodes if period.first <= e.start <= period.last and e.matches(cohort)]


def in_treatment(all_episodes: Iterable[Episode], period: Period, cohort: Cohort) -> list[Episode]:
    """Patients (matching the filter) in treatment on at least one day of the period."""
    return [
        e
        for e in all_episodes
        if e.matches(cohort)
        and e.start <= period.last
        and (e.exit is None or e.exit >= period.first)
    ]
