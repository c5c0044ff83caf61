"""What the chart, the pages and the API read of screens and harm reduction, and the counts per
clinic and period that the outcomes read (issue 14, item 6: "counted for the outcomes").

Reads only. A corrected screen is replaced by its correction everywhere here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from openhat.clinics.models import Clinic
from openhat.patients.models import Patient
from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from openhat.screens.panel import Offer, OfferKind, Supply
from openhat.screens.street_heroin import StreetHeroin

# The chart's trend shows the newest screens (local: about half a year of monthly screens; the
# trials screened monthly or more often, and a longer strip no longer fits a tablet's width).
TREND_SCREENS = 8
CHART_CONTACTS = 5


def current_screens(patient: Patient) -> QuerySet[UrineDrugScreen]:
    """The patient's screens without the versions a correction replaced, newest first."""
    return (
        UrineDrugScreen.objects.filter(patient=patient, corrected_by__isnull=True)
        .select_related("recorded_by", "corrects", "clinic")
        .order_by("-sampled_at", "-pk")
    )


@dataclass(frozen=True)
class Trend:
    screens: list[UrineDrugScreen]  # oldest first, the newest TREND_SCREENS
    detected: int
    markers_tested: int

    @property
    def summary(self) -> str:
        if not self.screens:
            return "No urine screens yet."
        return (
            f"Street heroin detected in {self.detected} of the {self.markers_tested} of the last "
            f"{len(self.screens)} screens that tested the street markers."
        )


def trend(patient: Patient, count: int = TREND_SCREENS) -> Trend:
    newest = list(current_screens(patient)[:count])
    newest.reverse()
    tested = [s for s in newest if s.street_heroin != StreetHeroin.NOT_TESTED]
    detected = [s for s in tested if s.street_heroin == StreetHeroin.DETECTED]
    return Trend(newest, len(detected), len(tested))


@dataclass(frozen=True)
class Naloxone:
    kits_total: int
    last_given_at: datetime | None
    last_kits: int


def naloxone(patient: Patient) -> Naloxone:
    given = HarmReductionContact.objects.filter(patient=patient, naloxone_kits__gt=0)
    last = given.order_by("-given_at", "-pk").first()
    total = given.aggregate(total=Sum("naloxone_kits"))["total"] or 0
    return Naloxone(total, last.given_at if last else None, last.naloxone_kits if last else 0)


def recent_contacts(patient: Patient, count: int = CHART_CONTACTS) -> list[HarmReductionContact]:
    return list(
        HarmReductionContact.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-given_at", "-pk")[:count]
    )


# --- counts per clinic and period (for the outcomes) -------------------------------------------


@dataclass(frozen=True)
class HarmReductionTotals:
    clinic_code: str
    first_day: date
    last_day: date
    contacts: int
    patients: int
    supplies: dict[str, int] = field(default_factory=dict)  # Supply value -> count given
    overdose_trainings: int = 0
    offers: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> answer -> contacts
    screens: int = 0
    screens_markers_tested: int = 0
    screens_street_heroin: int = 0


def _period(clinic: Clinic, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The clinic's calendar days first..last as a half-open range of aware moments."""
    start = datetime.combine(first_day, time.min, tzinfo=clinic.zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=clinic.zone)
    return start, end


def harm_reduction_totals(
    clinics: list[Clinic], first_day: date, last_day: date
) -> list[HarmReductionTotals]:
    """Per clinic, over its calendar days first..last (both included): contacts, patients
    reached, supplies given by kind, overdose trainings, tests and vaccination offered by answer,
    and current screens with how many tested the street markers and found street heroin.

    Counts of people and things only, no identifiers; the outcomes suppress small cells before
    anything is published (outcomes.suppression)."""
    answers = [answer for answer in Offer.values if answer != Offer.NOT_OFFERED]
    rows = []
    for clinic in clinics:
        start, end = _period(clinic, first_day, last_day)
        contacts = HarmReductionContact.objects.filter(
            clinic=clinic, given_at__gte=start, given_at__lt=end
        )
        sums: dict[str, Any] = contacts.aggregate(
            contacts=Count("pk"),
            patients=Count("patient", distinct=True),
            trainings=Count("pk", filter=Q(overdose_training=True)),
            **{supply: Sum(supply) for supply in Supply.values},
            **{
                f"{kind}__{answer}": Count("pk", filter=Q(**{kind: answer}))
                for kind in OfferKind.values
                for answer in answers
            },
        )
        screens = UrineDrugScreen.objects.filter(
            clinic=clinic, corrected_by__isnull=True, sampled_at__gte=start, sampled_at__lt=end
        ).aggregate(
            screens=Count("pk"),
            tested=Count("pk", filter=~Q(street_heroin=StreetHeroin.NOT_TESTED)),
            detected=Count("pk", filter=Q(street_heroin=StreetHeroin.DETECTED)),
        )
        rows.append(
            HarmReductionTotals(
                clinic_code=clinic.code,
                first_day=first_day,
                last_day=last_day,
                contacts=sums["contacts"],
                patients=sums["patients"],
                supplies={supply: sums[supply] or 0 for supply in Supply.values},
                overdose_trainings=sums["trainings"],
                offers={
                    kind: {answer: sums[f"{kind}__{answer}"] for answer in answers}
                    for kind in OfferKind.values
                },
                screens=screens["screens"],
                screens_markers_tested=screens["tested"],
                screens_street_heroin=screens["detected"],
            )
        )
    return rows
