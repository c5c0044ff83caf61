"""The demo clinics' outcome interviews: intake, 3, 6 and 12 months (and yearly, and at exit) for
every demo patient in treatment, through the interview services, dated in their windows.

Most interviews whose window has closed were done; some were missed, with a reason (not reachable,
refused, in custody); a few are left for the counsellor to say why. Of those whose window is open
today, most are left to do, so the counsellor's worklist has today's work. One exited patient of
each clinic with exits gave a research consent, so their follow-ups continue after the exit
(intention to treat). The answers' means follow the trials (demo_interview_answers): street-heroin
days 26.6 -> 5.3 at 12 months (NAOMI), illegal-activity days 14.1 -> under 4 (SALOME).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Min

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.enrolment import services as enrolment_services
from openhat.enrolment.models import ConsentKind, Enrolment
from openhat.interviews import services
from openhat.interviews.models import Interview, MissedReason
from openhat.interviews.reading import schedule_of
from openhat.interviews.schedule import UPCOMING, Point
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.simulate.demo_interview_answers import answers_for, outcome_days, target_key

# Local shares, plausible for a follow-up like the trials' (NAOMI and SALOME followed up most
# of their participants at 12 months): of the interviews whose window has closed, DONE_SHARE were
# done and MISSED_SHARE missed with a reason; the rest wait for the counsellor to say why.
DONE_SHARE = 0.84
MISSED_SHARE = 0.12
# Of the interviews whose window is open today, this share is already done.
OPEN_DONE_SHARE = 0.3
EQ5D_SHARE = 0.7  # interviews where the clinic's licensed EQ-5D-5L form was filled in (local)
MISSED_REASONS = {
    MissedReason.NOT_REACHABLE: 5,
    MissedReason.REFUSED: 3,
    MissedReason.IN_CUSTODY: 2,
}


@dataclass
class Planned:
    patient: Patient
    point: Point
    on: date
    missed_reason: str = ""


def interviews_missing(clinic: Clinic) -> bool:
    return not Interview.objects.filter(clinic=clinic).exists()


def _at(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time(11, 15), tzinfo=clinic.zone)


def _interview_day(point: Point, today: date, rng: random.Random) -> date:
    day = point.target + timedelta(days=rng.randint(-4, 12))
    return max(point.opens, min(day, point.closes, today))


def _give_research_consent(clinic: Clinic, counsellor: User) -> None:
    exited = Patient.objects.filter(clinic=clinic, status=PatientStatus.EXITED).order_by("number")
    for patient in exited[:1]:
        start = Enrolment.objects.filter(patient=patient).aggregate(first=Min("start_date"))[
            "first"
        ]
        if start is None:
            continue
        enrolment_services.record_consent(
            actor=counsellor,
            patient=patient,
            kind=ConsentKind.RESEARCH,
            given_on=start,
            purpose="OpenHAT demo outcome cohort (synthetic)",
        )


def _plan(clinic: Clinic, today: date, rng: random.Random) -> list[Planned]:
    planned: list[Planned] = []
    patients = Patient.objects.filter(
        clinic=clinic,
        status__in=[PatientStatus.ENROLLED, PatientStatus.SUSPENDED, PatientStatus.EXITED],
        merged_into__isnull=True,
    ).order_by("number")
    for patient in patients:
        for point in schedule_of(patient, today):
            if point.status == UPCOMING:
                continue
            chance = rng.random()
            if today <= point.closes:
                if chance < OPEN_DONE_SHARE and point.opens <= today:
                    planned.append(Planned(patient, point, _interview_day(point, today, rng)))
            elif chance < DONE_SHARE:
                planned.append(Planned(patient, point, _interview_day(point, today, rng)))
            elif chance < DONE_SHARE + MISSED_SHARE:
                reason = rng.choices(list(MISSED_REASONS), weights=list(MISSED_REASONS.values()))
                planned.append(Planned(patient, point, min(point.closes, today), str(reason[0])))
    return planned


def load_demo_interviews(clinic: Clinic, staff: dict[str, User], seed: int) -> int:
    """The clinic's interviews (see the module docstring); how many were recorded. Nothing when
    the clinic already has interviews."""
    if not interviews_missing(clinic):
        return 0
    rng = random.Random(seed)
    counsellor = staff[Role.COUNSELLOR.value]
    _give_research_consent(clinic, counsellor)
    today = clinic_today(clinic)
    planned = _plan(clinic, today, rng)
    done_by_point: dict[str, list[Planned]] = defaultdict(list)
    for plan in planned:
        if not plan.missed_reason:
            done_by_point[target_key(plan.point.code)].append(plan)
    answers: dict[int, dict[str, object]] = {}
    for key, plans in done_by_point.items():
        heroin, crime = outcome_days(key, len(plans), rng)
        for plan, heroin_days, illegal_days in zip(plans, heroin, crime, strict=True):
            answers[id(plan)] = answers_for(
                plan.point.code, heroin_days, illegal_days, rng, rng.random() < EQ5D_SHARE
            )
    for plan in sorted(planned, key=lambda p: (p.on, p.patient.number)):
        with clock.backdated(_at(clinic, plan.on)):
            if plan.missed_reason:
                services.record_missed(
                    actor=counsellor,
                    patient=plan.patient,
                    time_point=plan.point.code,
                    reason=plan.missed_reason,
                    note="Synthetic demo record.",
                )
            else:
                services.record_interview(
                    actor=counsellor,
                    patient=plan.patient,
                    time_point=plan.point.code,
                    interviewed_on=plan.on,
                    answers=answers[id(plan)],
                )
    return len(planned)
