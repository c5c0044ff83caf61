"""The counts behind the public report, straight from the records (one query each, grouped in the
database or over at most one row per patient-day), for one clinic and one calendar month.

Definitions (docs/public-report.md):
- in treatment: dosed at least once in the month; grouped by the month's main drug (DAM if any
  DAM dose, else HDM if any, else oral or other);
- a start: the patient's start of treatment falls in the month: the first dose ever at the
  clinic, or the enrolment's start date when that is earlier (as on the outcomes page,
  outcomes.cohort: a clinic whose dosing record begins after its patients' treatment began must
  not publish them all as starts in its first month); grouped by the first dose's drug; only
  patients dosed at least once;
- retention at h months: of the patients whose treatment started in the month h months before,
  those with no exit before the h-month anniversary of that start;
- doses: administrations on the month's dosing days; injection-days: patient-days with at least
  one injected dose of DAM or HDM;
- adverse events: onset on one of the month's local days, by the drug of the session's dose (oral
  or other when the session had none); naloxone-requiring overdoses: overdoses with naloxone;
- urine screens: screens sampled in the month that no later screen corrects; tested: the street
  markers were tested; positive: street heroin detected;
- interviews: completed intake and 12-month interviews held in the month, street-heroin and
  illegal-activity days in the last 30.
"""

from __future__ import annotations

import calendar
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min

from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration, AdverseEvent
from openhat.dosing.models.adverse import AdverseEventKind
from openhat.enrolment.models import Enrolment
from openhat.interviews.models import Interview, InterviewStatus
from openhat.patients.models import Patient
from openhat.screens.models import UrineDrugScreen
from openhat.screens.street_heroin import StreetHeroin

DRUG_GROUPS = ("dam", "hdm", "oral")  # oral: every other drug (methadone, SROM, ...)
INJECTED = ("dam", "hdm")
RETENTION_MONTHS = (3, 6, 12)
INTERVIEW_ITEMS = ("street_heroin_days", "illegal_activity_days")
INTERVIEW_POINTS = ("intake", "month_12")


def drug_group(drug: str) -> str:
    return drug if drug in INJECTED else "oral"


@dataclass(frozen=True)
class Month:
    first: date
    last: date

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}"

    def shifted(self, months: int) -> Month:
        index = self.first.year * 12 + self.first.month - 1 + months
        return Month.of(index // 12, index % 12 + 1)

    def moments(self, clinic: Clinic) -> tuple[datetime, datetime]:
        """The month's first and the next month's first local midnight, as aware datetimes."""
        start = datetime.combine(self.first, time(0), tzinfo=clinic.zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=clinic.zone)
        return start, end


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Start:
    patient_id: int
    day: date
    group: str


def starts(clinic: Clinic) -> dict[int, Start]:
    """Each dosed patient's start of treatment (the first dosing day, or the enrolment's start
    date when earlier) and the drug group of the first dose."""
    first_days = dict(
        Administration.objects.filter(clinic=clinic)
        .values_list("patient_id")
        .annotate(first=Min("session__dosing_day"))
        .values_list("patient_id", "first")
    )
    enrolled = dict(
        Enrolment.objects.filter(clinic=clinic, patient_id__in=list(first_days))
        .values_list("patient_id")
        .annotate(first=Min("start_date"))
        .values_list("patient_id", "first")
    )
    for patient_id, start_date in enrolled.items():
        if start_date is not None and start_date < first_days[patient_id]:
            first_days[patient_id] = start_date
    found: dict[int, Start] = {}
    rows = (
        Administration.objects.filter(clinic=clinic)
        .order_by("patient_id", "administered_at", "pk")
        .distinct("patient_id")
        .values_list("patient_id", "drug")
    )
    for patient_id, drug in rows:
        found[patient_id] = Start(patient_id, first_days[patient_id], drug_group(drug))
    return found


def in_treatment(clinic: Clinic, month: Month) -> dict[str, int]:
    drugs: dict[int, set[str]] = defaultdict(set)
    rows = (
        Administration.objects.filter(
            clinic=clinic, session__dosing_day__range=(month.first, month.last)
        )
        .values_list("patient_id", "drug")
        .distinct()
    )
    for patient_id, drug in rows:
        drugs[patient_id].add(drug_group(drug))
    main = Counter(next(g for g in DRUG_GROUPS if g in groups) for groups in drugs.values())
    return {group: main[group] for group in DRUG_GROUPS}


def starts_in(all_starts: dict[int, Start], month: Month) -> dict[str, int]:
    counted = Counter(s.group for s in all_starts.values() if month.first <= s.day <= month.last)
    return {group: counted[group] for group in DRUG_GROUPS}


def retention(
    clinic: Clinic, all_starts: dict[int, Start], cohort: Month, months: int
) -> dict[str, int]:
    """Of the cohort's starts, those retained `months` months after their start."""
    members = [s for s in all_starts.values() if cohort.first <= s.day <= cohort.last]
    exits = {
        pk: day
        for pk, day in Patient.objects.filter(pk__in=[s.patient_id for s in members]).values_list(
            "pk", "exit_date"
        )
        if day is not None
    }
    retained = len(
        [
            s
            for s in members
            if s.patient_id not in exits or exits[s.patient_id] >= add_months(s.day, months)
        ]
    )
    return {"retained": retained, "not_retained": len(members) - retained}


def doses(clinic: Clinic, month: Month) -> dict[str, int]:
    counted: Counter[str] = Counter()
    rows = (
        Administration.objects.filter(
            clinic=clinic, session__dosing_day__range=(month.first, month.last)
        )
        .values_list("drug")
        .annotate(n=Count("pk"))
    )
    for drug, n in rows:
        counted[drug_group(drug)] += n
    return {group: counted[group] for group in DRUG_GROUPS}


def injection_days(clinic: Clinic, month: Month) -> dict[str, int]:
    rows = (
        Administration.objects.filter(
            clinic=clinic,
            drug__in=INJECTED,
            route__in=("iv", "im", "sc"),
            session__dosing_day__range=(month.first, month.last),
        )
        .values_list("drug", "patient_id", "session__dosing_day")
        .distinct()
    )
    counted = Counter(drug for drug, _patient, _day in rows)
    return {drug: counted[drug] for drug in INJECTED}


def adverse_events(clinic: Clinic, month: Month, *, naloxone_only: bool) -> dict[str, int]:
    start, end = month.moments(clinic)
    events = AdverseEvent.objects.filter(clinic=clinic, onset_at__gte=start, onset_at__lt=end)
    if naloxone_only:
        events = events.filter(kind=AdverseEventKind.OVERDOSE, naloxone_given=True)
    counted = Counter(
        drug_group(drug or "")
        for drug in events.values_list("session__administration__drug", flat=True)
    )
    return {group: counted[group] for group in DRUG_GROUPS}


def urine_screens(clinic: Clinic, month: Month) -> dict[str, int]:
    start, end = month.moments(clinic)
    screens = UrineDrugScreen.objects.filter(
        clinic=clinic, sampled_at__gte=start, sampled_at__lt=end, corrected_by__isnull=True
    ).exclude(street_heroin=StreetHeroin.NOT_TESTED.value)
    counted = Counter(screens.values_list("street_heroin", flat=True))
    return {
        "positive": counted[StreetHeroin.DETECTED.value],
        "negative": counted[StreetHeroin.NOT_DETECTED.value],
    }


@dataclass(frozen=True)
class InterviewMean:
    point: str
    item: str
    n: int
    mean: float | None


def interview_means(clinic: Clinic, month: Month) -> list[InterviewMean]:
    answers: dict[tuple[str, str], list[float]] = defaultdict(list)
    rows = Interview.objects.filter(
        clinic=clinic,
        status=InterviewStatus.COMPLETED,
        time_point__in=INTERVIEW_POINTS,
        on_date__range=(month.first, month.last),
    ).values_list("time_point", "answers")
    for point, given in rows:
        for item in INTERVIEW_ITEMS:
            value = (given or {}).get(item)
            if isinstance(value, int | float) and not isinstance(value, bool):
                answers[(point, item)].append(float(value))
    return [
        InterviewMean(
            point,
            item,
            len(answers[(point, item)]),
            statistics.fmean(answers[(point, item)]) if answers[(point, item)] else None,
        )
        for point in INTERVIEW_POINTS
        for item in INTERVIEW_ITEMS
    ]
