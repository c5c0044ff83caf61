"""Urine screens: the share showing street heroin, by month (by quarter for periods over 18
months), with Wilson intervals.

Definition (shown on the page): screens of the cohort's patients sampled within the period; a
screen later corrected counts only as its correction; the share is the screens with the derived
street flag "detected" (acetylcodeine, papaverine or noscapine positive, docs/domain.md §12.1)
over the screens in which at least one of those markers was tested. A point-of-care cup that tests
none of them is left out, never read as negative. Markers are specific but not very sensitive
(about 56% [UDS3]): "not detected" does not mean no street use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.outcomes.cohort import episodes, in_treatment
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.stats import Estimate, wilson
from openhat.screens.models import UrineDrugScreen
from openhat.screens.street_heroin import StreetHeroin

MONTHLY_UP_TO_DAYS = 549  # about 18 months; longer periods are shown by quarter (local: legible)

DEFINITION = (
    "Screens sampled in the period (a corrected screen counts as its correction) in which a "
    "street-heroin marker (acetylcodeine, papaverine or noscapine) was tested; share with the "
    "derived street flag 'detected', Wilson 95% interval. Markers miss about half of street use "
    "(sensitivity ~56%), so the share is a lower bound."
)


@dataclass(frozen=True)
class ScreenBucket:
    label: str  # "2026-03" or "2026 Q1"
    first: date
    tested: int
    detected: int
    share: Estimate


@dataclass(frozen=True)
class UrineScreens:
    period: Period
    cohort: Cohort
    by: str  # "month" or "quarter"
    buckets: tuple[ScreenBucket, ...]
    overall: Estimate
    untested: int  # screens in the period that tested no street marker
    definition: str = DEFINITION

    @property
    def empty(self) -> bool:
        return self.overall.n == 0


def _bucket(day: date, by: str) -> tuple[str, date]:
    if by == "month":
        return f"{day.year}-{day.month:02d}", date(day.year, day.month, 1)
    quarter = (day.month - 1) // 3
    return f"{day.year} Q{quarter + 1}", date(day.year, 3 * quarter + 1, 1)


def urine_of(findings: Iterable[tuple[date, str]], period: Period, cohort: Cohort) -> UrineScreens:
    """Pure: `findings` are (clinic day sampled, derived street flag) of the screens to count."""
    by = "month" if period.days <= MONTHLY_UP_TO_DAYS else "quarter"
    counts: dict[tuple[str, date], list[int]] = {}
    untested = 0
    for day, flag in findings:
        if flag == StreetHeroin.NOT_TESTED:
            untested += 1
            continue
        tally = counts.setdefault(_bucket(day, by), [0, 0])
        tally[0] += 1
        tally[1] += flag == StreetHeroin.DETECTED
    buckets = tuple(
        ScreenBucket(label, first, tested, detected, wilson(detected, tested))
        for (label, first), (tested, detected) in sorted(counts.items(), key=lambda kv: kv[0][1])
    )
    tested = sum(b.tested for b in buckets)
    return UrineScreens(
        period, cohort, by, buckets, wilson(sum(b.detected for b in buckets), tested), untested
    )


def current_screens(rows: Sequence[tuple[int, int | None]]) -> set[int]:
    """Of (screen id, id of the screen it corrects), the ids no later screen replaced."""
    replaced = {corrects for _, corrects in rows if corrects is not None}
    return {pk for pk, _ in rows if pk not in replaced}


def screen_findings(
    clinic: Clinic, patient_ids: Iterable[int], period: Period
) -> list[tuple[date, str]]:
    """(clinic day sampled, street flag) of the patients' current screens within the period."""
    rows = list(
        UrineDrugScreen.objects.filter(clinic=clinic, patient_id__in=list(patient_ids)).values_list(
            "pk", "corrects", "sampled_at", "street_heroin"
        )
    )
    current = current_screens([(pk, corrects) for pk, corrects, _, _ in rows])
    findings = [(pk, clinic_today(clinic, sampled_at), flag) for pk, _, sampled_at, flag in rows]
    return [
        (day, flag)
        for pk, day, flag in findings
        if pk in current and period.first <= day <= period.last
    ]


def urine_screens(clinic: Clinic, period: Period, cohort: Cohort) -> UrineScreens:
    patients = [e.patient_id for e in in_treatment(episodes(clinic), period, cohort)]
    return urine_of(screen_findings(clinic, patients, period), period, cohort)
