"""The demo clinics' urine drug screens and harm-reduction contacts, for every demo patient in
treatment (enrolled, suspended or exited, as in demo_care), from the start of treatment to today,
the suspension or the exit.

Screens come every two to four weeks, the first on the start day before the first dose; most are
supervised, some read from a point-of-care cup, the rest sent to the laboratory, whose results
are entered two days later. What they show is drawn in demo_screen_results: the prescribed drug's
metabolites, street use falling as in the demo interviews, and each patient's other habits.
Harm-reduction contacts: take-home naloxone and the offer of HIV and hepatitis tests in the first
week, sterile injecting equipment (and for some patients safer-inhalation kits) while they still
use on the street, now and then a new naloxone kit, and the tests offered again yearly.

Everything goes through openhat.screens.services at backdated times (openhat.core.clock), so the
records and their audit events look as they would after months of use; nothing is dated after
now. Loading is idempotent: a clinic with any screen is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.contrib.auth.models import User
from django.db.models import Min

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.enrolment.models import Enrolment
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderVersion
from openhat.screens.models import UrineDrugScreen
from openhat.screens.panel import Offer, SampleSetting
from openhat.screens.services import record_harm_reduction, record_screen
from openhat.simulate.demo_screen_results import (
    Habits,
    draw_habits,
    screen_results,
    street_use_share,
)

SCREEN_EVERY_DAYS = (14, 28)  # local: a screen every two to four weeks
SUPERVISED_SHARE = 0.85  # local: most samples are collected under supervision at the clinic
LABORATORY_SHARE = 0.6  # local: the rest are read from a point-of-care cup
LABORATORY_RESULT_DAYS = 2  # local: the laboratory's results come back two days later
CONTACT_EVERY_DAYS = (21, 56)  # local: a harm-reduction contact every three to eight weeks
NALOXONE_AT_START_SHARE = 0.85  # local: take-home naloxone is offered to everyone at the start
NALOXONE_AGAIN_SHARE = 0.1  # local: a kit used, lost or expired, replaced at a later contact
TRAINING_AT_START_SHARE = 0.65  # local: overdose-response training with the first kit
INHALING_SHARE = 0.2  # local: patients who also smoke, and take safer-inhalation kits
TEST_OFFER_EVERY_DAYS = 365  # local: HIV and hepatitis tests offered again every year
# local: how an offered test or vaccination is answered.
OFFER_ANSWERS = {Offer.ACCEPTED: 0.65, Offer.DECLINED: 0.25, Offer.OFFERED: 0.1}
HBV_VACCINATION_OFFER_SHARE = 0.4  # local: offered at the start to those not known immune


@dataclass(frozen=True)
class Course:
    """A demo patient's time in treatment: from the start to today, the suspension or the exit,
    and the day each drug they were prescribed came into force."""

    patient: Patient
    start: date
    end: date
    drugs_from: dict[str, date]

    def prescribed_before(self, day: date) -> frozenset[str]:
        """The drugs in force before `day`'s sample (the start-day sample precedes the first
        dose)."""
        return frozenset(drug for drug, first in self.drugs_from.items() if first < day)


def courses_in_treatment(clinic: Clinic, today: date) -> list[Course]:
    """Every demo patient in treatment, as demo_care selects them, by number."""
    patients = Patient.objects.filter(
        clinic=clinic,
        merged_into__isnull=True,
        status__in=[PatientStatus.ENROLLED, PatientStatus.SUSPENDED, PatientStatus.EXITED],
    ).order_by("number")
    courses = []
    for patient in patients:
        start = Enrolment.objects.filter(patient=patient).aggregate(first=Min("start_date"))[
            "first"
        ]
        if start is None:
            continue
        end = today
        if patient.status == PatientStatus.EXITED and patient.exit_date is not None:
            end = patient.exit_date
        elif patient.status == PatientStatus.SUSPENDED:
            suspended = patient.status_changes.filter(to_status=PatientStatus.SUSPENDED)
            end = (
                suspended.order_by("-effective_date")
                .values_list("effective_date", flat=True)
                .first()
                or today
            )
        drugs_from: dict[str, date] = {}
        versions = OrderVersion.objects.filter(patient=patient).values_list(
            "line__drug", "starts_at"
        )
        for drug, starts_at in versions:
            day = clock.clinic_today(clinic, starts_at)
            drugs_from[drug] = min(day, drugs_from.get(drug, day))
        courses.append(Course(patient, start, max(start, min(end, today)), drugs_from))
    return courses


def screens_missing(clinic: Clinic) -> bool:
    return not UrineDrugScreen.objects.filter(clinic=clinic).exists()


def _moment(clinic: Clinic, day: date, at: time) -> datetime:
    """`at` on the clinic's `day`, but never after now (a sample of today taken "later")."""
    return min(datetime.combine(day, at, tzinfo=clinic.zone), clock.now())


def _every(rng: random.Random, start: date, end: date, gap: tuple[int, int]) -> list[date]:
    days, day = [], start
    while day <= end:
        days.append(day)
        day += timedelta(days=rng.randint(*gap))
    return days


@dataclass(frozen=True)
class Write:
    """One record to write, at the moment it is recorded (the loader writes them in order)."""

    at: datetime
    number: int
    write: Callable[[], object]


def load_demo_screens(clinic: Clinic, staff: dict[str, User], seed: int) -> int:
    """The clinic's screens and harm-reduction contacts (see the module docstring); how many
    were recorded. Nothing when the clinic already has screens."""
    if not screens_missing(clinic):
        return 0
    rng = random.Random(seed)
    nurse = staff[Role.NURSE.value]
    country = clinic.jurisdiction_preset.split("-")[0]
    writes: list[Write] = []
    for course in courses_in_treatment(clinic, clock.clinic_today(clinic)):
        habits = draw_habits(rng)
        writes += _screens(clinic, nurse, course, habits, country, rng)
        writes += _contacts(clinic, nurse, course, habits, rng)
    for write in sorted(writes, key=lambda w: (w.at, w.number)):
        with clock.backdated(write.at):
            write.write()
    return len(writes)


def _screens(
    clinic: Clinic,
    nurse: User,
    course: Course,
    habits: Habits,
    country: str,
    rng: random.Random,
) -> list[Write]:
    writes = []
    for day in _every(rng, course.start, course.end, SCREEN_EVERY_DAYS):
        laboratory = rng.random() < LABORATORY_SHARE
        sampled_at = _moment(clinic, day, time(rng.randint(7, 11), rng.choice((0, 15, 30, 45))))
        recorded_at = sampled_at + timedelta(minutes=10)
        if laboratory:
            result_day = day + timedelta(days=LABORATORY_RESULT_DAYS)
            recorded_at = _moment(clinic, result_day, time(14, 0))
        results = screen_results(
            habits,
            country=country,
            days_in_treatment=(day - course.start).days,
            prescribed=course.prescribed_before(day),
            laboratory=laboratory,
            rng=rng,
        )
        supervised = rng.random() < SUPERVISED_SHARE
        setting = SampleSetting.LABORATORY if laboratory else SampleSetting.POINT_OF_CARE
        write = partial(
            record_screen,
            actor=nurse,
            patient=course.patient,
            sampled_at=sampled_at,
            supervised=supervised,
            setting=setting,
            results=results,
        )
        writes.append(Write(min(recorded_at, clock.now()), course.patient.number, write))
    return writes


def _answer(rng: random.Random) -> str:
    return str(rng.choices(list(OFFER_ANSWERS), weights=list(OFFER_ANSWERS.values()))[0])


def _contacts(
    clinic: Clinic, nurse: User, course: Course, habits: Habits, rng: random.Random
) -> list[Write]:
    writes = []
    inhaling = rng.random() < INHALING_SHARE
    tests_offered_on: date | None = None
    first = min(course.start + timedelta(days=rng.randint(0, 6)), course.end)
    for day in _every(rng, first, course.end, CONTACT_EVERY_DAYS):
        opening = day == first
        supplies: dict[str, int] = {}
        offers: dict[str, str] = {}
        naloxone_share = NALOXONE_AT_START_SHARE if opening else NALOXONE_AGAIN_SHARE
        if rng.random() < naloxone_share:
            supplies["naloxone_kits"] = rng.choice((1, 1, 1, 2))
        street_share = street_use_share((day - course.start).days, habits.street_lean)
        if not opening and rng.random() < street_share:
            supplies["injecting_equipment"] = rng.randint(2, 10) * 5
            if inhaling:
                supplies["inhalation_kits"] = rng.randint(1, 4) * 5
        if tests_offered_on is None or (day - tests_offered_on).days >= TEST_OFFER_EVERY_DAYS:
            offers = {kind: _answer(rng) for kind in ("hiv_test", "hcv_test", "hbv_test")}
            if opening and rng.random() < HBV_VACCINATION_OFFER_SHARE:
                offers["hbv_vaccination"] = _answer(rng)
            tests_offered_on = day
        training = (
            opening and "naloxone_kits" in supplies and rng.random() < TRAINING_AT_START_SHARE
        )
        if not supplies and not offers and not training:
            continue
        given_at = _moment(clinic, day, time(rng.randint(12, 16), rng.choice((0, 20, 40))))
        write = partial(
            record_harm_reduction,
            actor=nurse,
            patient=course.patient,
            given_at=given_at,
            supplies=supplies,
            overdose_training=training,
            offers=offers,
        )
        writes.append(Write(given_at, course.patient.number, write))
    return writes
