"""Who comes to which session on which day of the demo's dosing history, and the one-off events.

Calibration (docs/domain.md §9, SALOME derived): a patient attends about 90% of days, and on an
attended day has about 2.65 DAM injections (here 3 sessions 67%, 2 sessions 27%, 1 session 6%:
2.61) or 2.46 HDM injections (3 sessions 58%, 2 sessions 34%, 1 session 8%: 2.50). No patient
misses more than two days in a row by chance: three or more are the engine's missed-day rule,
which the demo shows on purpose (one patient back after three days, a physician's override; one
patient away for the last three days, due today). Oral night cover (methadone, SROM) is taken in
the evening on 95% of attended days; oral-only patients come on about 90% of days.

The station's records start on history day 0. Patients already on a HAT order then (established)
come to that day's evening session only, where the physician lifts the engine's first-dose
titration cap (their doses before lie outside the records); a patient whose order starts later
is new and titrates as the engine allows.

Everything is drawn from the clinic's own seeded generator, so a load is repeatable for a given
date; the doses themselves are what the engine allows at the moment of writing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openhat.clinics.models import Clinic
from openhat.dosing.windows import window_bounds
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.prescribing.services.queries import orders_for_checks
from openhat.rules.context import Order
from openhat.simulate.demo_pharmacy import DRUG_PRODUCT, SROM_SMALL, Dose

HAT_DRUGS = ("dam", "hdm")
WINDOWS = ("morning", "midday", "evening")
ABSENT_SHARE = 0.08
SESSION_WEIGHTS: dict[str, tuple[tuple[int, float], ...]] = {
    "dam": ((3, 0.67), (2, 0.27), (1, 0.06)),
    "hdm": ((3, 0.58), (2, 0.34), (1, 0.08)),
}
TWO_SESSIONS = (
    (("morning", "evening"), 0.5),
    (("morning", "midday"), 0.25),
    (("midday", "evening"), 0.25),
)
ORAL_TAKEN_SHARE = 0.95
ORAL_ONLY_ABSENT_SHARE = 0.1
MAX_CHANCE_ABSENCE = 2  # days in a row; three would trigger the engine's missed-day review
NEW_START_DAYS = 14  # a new patient's doses are the engine's largest allowed (titration)
WOBBLE_MG = (-10, -5, 0, 0, 0, 5, 10)
# Arrivals after the window opens (minutes: earliest, latest); the morning starts after the
# pharmacy's morning work (07:30-07:40) and leaves time before midday.
ARRIVALS = {"morning": (45, 120), "midday": (5, 120), "evening": (5, 150)}
IV_SITES = ("left_arm", "right_arm", "left_arm", "right_arm", "left_hand", "right_hand")
# The one-off events of each clinic: (day of a 28-day history, event); a shorter or longer
# history has them at the same share of its days. Each goes to a suitable session on that day
# or the next days (see `_fits`).
REFERENCE_DAYS = 28
EVENTS: dict[str, tuple[tuple[int, str], ...]] = {
    "ZRH": (
        (3, "reduce_sedation"),
        (5, "spill"),
        (7, "reduce_alcohol"),
        (9, "refused"),
        (11, "held_alcohol"),
        (12, "allergic"),
        (14, "overdose"),
        (17, "partial_waste"),
        (19, "left_before_dose"),
        (20, "left_early"),
        (22, "oral_spill"),
        (24, "injection_site"),
        (25, "reduce_sedation"),
    ),
    "VAN": (
        (4, "reduce_alcohol"),
        (7, "held_alcohol"),
        (10, "refused"),
        (12, "spill"),
        (16, "injection_site_abscess"),
        (21, "left_early"),
    ),
}
MISSED_AND_BACK_DAY = {"ZRH": 13}  # away three days from this day, back with an override
AWAY, ONCE, PRESENT = "away", "once", "present"  # a forced day: absent, one session, as usual


@dataclass
class Course:
    """One patient's orders as the demo doses them."""

    patient: Patient
    hat: Order | None
    orals: tuple[Order, ...]
    established: bool  # on the HAT order before the records start: go-live on day 0
    sites: tuple[str, ...]
    usual_mg: dict[str, Decimal] = field(default_factory=dict)  # order id -> per-session mg

    @property
    def code(self) -> str:
        return self.patient.client_code


@dataclass
class Visit:
    day: int  # history day; the days of the history are 0..days-1, today is `days`
    window: str
    course: Course
    order: Order
    planned_mg: Decimal
    arrival: datetime
    event: str = ""
    new_until: int = -1  # a new start's titration weeks end on this history day

    @property
    def drug(self) -> str:
        return str(self.order.drug)

    @property
    def hat(self) -> bool:
        return self.drug in HAT_DRUGS

    @property
    def product_key(self) -> str:
        key = DRUG_PRODUCT[self.drug]
        if self.drug == "srom" and self.planned_mg % 200:
            return SROM_SMALL
        return key

    @property
    def asks_for_largest(self) -> bool:
        """A titrating patient's nurse asks the engine for the largest dose allowed."""
        return self.hat and (self.order.phase == "titration" or self.day < self.new_until)


def round5(value: Decimal) -> Decimal:
    return Decimal(int(value // 5) * 5)


def courses_of(clinic: Clinic, first: datetime, *, dam: bool) -> list[Course]:
    """Enrolled patients with orders the demo can dose (DAM only where the clinic makes the
    solution), by patient number."""
    found = []
    patients = Patient.objects.filter(clinic=clinic, status=PatientStatus.ENROLLED)
    for patient in patients.order_by("number"):
        orders = [o for o in orders_for_checks(patient) if not o.suspended]
        hat = next((o for o in orders if str(o.drug) in HAT_DRUGS), None)
        if hat is not None and str(hat.drug) == "dam" and not dam:
            continue  # VAN makes no DAM solution (see demo_pharmacy)
        orals = tuple(o for o in orders if str(o.drug) in ("methadone", "srom"))
        if hat is None and not orals:
            continue
        sites = IV_SITES[patient.number % 2 :] + IV_SITES[: patient.number % 2]
        course = Course(patient, hat, orals, hat is not None and hat.starts_at < first, sites)
        for order in orders:
            course.usual_mg[order.order_id] = (order.dose_min_mg + order.dose_max_mg) / 2
        found.append(course)
    return found


@dataclass
class DosingPlan:
    clinic: Clinic
    first_day: date
    days: int
    courses: list[Course]
    visits: dict[int, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    away_today: Course | None = None  # missed the last three days: the review shows today

    def window_visits(self, day: int, window: str) -> list[Visit]:
        return sorted(
            (v for v in self.visits.get(day, []) if v.window == window),
            key=lambda v: (v.arrival, v.course.patient.number),
        )

    def planned_doses(self) -> list[Dose]:
        """Each patient's planned total per product and day (for the pharmacy's deliveries)."""
        totals: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
        patients = {}
        for day, visits in self.visits.items():
            for visit in visits:
                key = (day, visit.course.patient.pk, visit.product_key)
                patients[visit.course.patient.pk] = visit.course.patient
                totals[key] += visit.planned_mg
        return [
            Dose(day, patients[patient_id], product, mg)
            for (day, patient_id, product), mg in sorted(totals.items())
        ]


class Planner:
    def __init__(self, clinic: Clinic, first_day: date, days: int, seed: int) -> None:
        self.clinic = clinic
        self.rng = random.Random(seed)
        self.first_day = first_day
        self.days = days

    def scaled(self, day: int | None) -> int | None:
        """A day of the 28-day reference history at the same share of this one."""
        return None if day is None else round(day * self.days / REFERENCE_DAYS)

    def moment(self, day: int, window: str, minutes: int) -> datetime:
        start, _ = window_bounds(self.clinic, self.first_day + timedelta(days=day), window)
        return start + timedelta(minutes=minutes)

    def plan(self, *, dam: bool) -> DosingPlan:
        first = datetime.combine(self.first_day, time(0), tzinfo=self.clinic.zone)
        courses = courses_of(self.clinic, first, dam=dam)
        plan = DosingPlan(self.clinic, self.first_day, self.days, courses)
        established = [c for c in courses if c.established and c.hat is not None]
        forced: dict[int, dict[int, str]] = defaultdict(dict)  # patient -> day -> AWAY...
        back = self.scaled(MISSED_AND_BACK_DAY.get(self.clinic.code))
        back_course = None
        if back is not None and back > 0 and back + 3 < self.days and len(established) > 2:
            back_course = self.rng.choice(established[1:])
            forced[back_course.patient.pk][back - 1] = PRESENT  # three days away, not more
            for day in range(back, back + 3):
                forced[back_course.patient.pk][day] = AWAY
            # Back after three days: the engine asks for a physician's review at every session
            # of that day, so the patient comes once (the physician's override) and then as usual.
            forced[back_course.patient.pk][back + 3] = ONCE
        if self.days >= 5 and len(established) > 2:
            away = self.rng.choice([c for c in established if c is not back_course])
            plan.away_today = away
            for day in range(self.days - 3, self.days):
                forced[away.patient.pk][day] = AWAY
            forced[away.patient.pk][self.days - 4] = PRESENT
        for course in courses:
            for visit in self._visits(course, forced[course.patient.pk]):
                plan.visits[visit.day].append(visit)
        if back_course is not None and back is not None:
            self._mark_return(plan, back_course, back + 3)
        self._place_events(plan)
        return plan

    # -- one patient ----------------------------------------------------------------------

    def _visits(self, course: Course, forced: dict[int, str]) -> list[Visit]:
        visits: list[Visit] = []
        absent_run = 0
        first_hat_day: int | None = None
        for day in range(self.days):
            hat_windows = self._hat_windows(course, day, first_hat_day)
            attends = forced.get(day, "") != AWAY
            if day not in forced:
                share = ABSENT_SHARE if course.hat is not None else ORAL_ONLY_ABSENT_SHARE
                attends = absent_run >= MAX_CHANCE_ABSENCE or self.rng.random() >= share
                if first_hat_day is None and hat_windows:
                    attends = True  # the first day of treatment
            absent_run = 0 if attends else absent_run + 1
            if not attends:
                continue
            if forced.get(day) == ONCE:
                hat_windows = hat_windows[:1]
            evening = None
            if hat_windows and course.hat is not None:
                first_hat_day = day if first_hat_day is None else first_hat_day
                for window in hat_windows:
                    visits.append(self.visit(course, course.hat, day, window))
                evening = visits[-1] if visits[-1].window == "evening" else None
            for oral in course.orals:
                if not self.in_force(oral, day, "evening"):
                    continue
                if course.hat is not None and self.rng.random() >= ORAL_TAKEN_SHARE:
                    continue
                visit = self.visit(course, oral, day, "evening")
                if evening is not None:  # night cover after the evening injection
                    visit.arrival = evening.arrival + timedelta(minutes=self.rng.randint(28, 40))
                visits.append(visit)
        return visits

    def _hat_windows(self, course: Course, day: int, first_hat_day: int | None) -> list[str]:
        order = course.hat
        if order is None:
            return []
        open_windows = [w for w in WINDOWS if self.in_force(order, day, w)]
        if not open_windows:
            return []
        if course.established and day == 0:
            return ["evening"] if "evening" in open_windows else []  # go-live
        if first_hat_day is None:
            return open_windows  # the first day of titration: every session left
        count = SESSION_WEIGHTS[str(order.drug)][self._pick(SESSION_WEIGHTS[str(order.drug)])][0]
        count = min(count, order.sessions_per_day, len(open_windows))
        if count >= len(open_windows):
            return open_windows
        if count == 2 and len(open_windows) == 3:
            return list(TWO_SESSIONS[self._pick(TWO_SESSIONS)][0])
        return sorted(self.rng.sample(open_windows, count), key=WINDOWS.index)

    def _pick(self, weights: tuple[tuple[object, float], ...]) -> int:
        """The index of one choice, drawn by its weight."""
        roll, total = self.rng.random(), 0.0
        for index, (_, weight) in enumerate(weights):
            total += weight
            if roll < total:
                return index
        return 0

    def in_force(self, order: Order, day: int, window: str) -> bool:
        if order.windows and window not in order.windows:
            return False
        latest = self.moment(day, window, ARRIVALS[window][1])
        _, end = window_bounds(self.clinic, self.first_day + timedelta(days=day), window)
        return order.starts_at <= latest and (order.ends_at is None or end <= order.ends_at)

    def visit(self, course: Course, order: Order, day: int, window: str) -> Visit:
        earliest, latest = ARRIVALS[window]
        arrival = self.moment(day, window, self.rng.randint(earliest, latest))
        if arrival < order.starts_at:
            arrival = order.starts_at + timedelta(minutes=self.rng.randint(5, 20))
        if str(order.drug) in HAT_DRUGS:
            usual = course.usual_mg[order.order_id] + self.rng.choice(WOBBLE_MG)
            planned = round5(min(max(usual, order.dose_min_mg), order.dose_max_mg))
        else:
            planned = order.dose_min_mg
        visit = Visit(day, window, course, order, planned, arrival)
        if not course.established and course.hat is not None:
            started = course.hat.starts_at.astimezone(self.clinic.zone).date()
            visit.new_until = (started - self.first_day).days + NEW_START_DAYS
        if course.established and day == 0 and str(order.drug) in HAT_DRUGS:
            visit.event = "go_live"
        return visit

    # -- the one-off events ---------------------------------------------------------------

    def _mark_return(self, plan: DosingPlan, course: Course, day: int) -> None:
        for visit in plan.window_visits(day, "morning") + plan.window_visits(day, "midday"):
            if visit.course is course and visit.hat:
                visit.event = "missed_override"
                return

    def _place_events(self, plan: DosingPlan) -> None:
        for reference_day, event in EVENTS.get(self.clinic.code, ()):
            day = self.scaled(reference_day) or 0
            for later in range(day, min(day + 4, self.days)):
                candidates = [v for v in plan.visits.get(later, []) if _fits(v, event)]
                if candidates:
                    chosen = self.rng.choice(candidates)
                    chosen.event = event
                    if event == "overdose":  # kept for observation, then home: no more today
                        plan.visits[later] = [
                            v
                            for v in plan.visits[later]
                            if v.course is not chosen.course or v.arrival <= chosen.arrival
                        ]
                    break


def _fits(visit: Visit, event: str) -> bool:
    """Oral events go to an oral dose of that drug, the others to an established patient's
    ordinary injection (not the go-live or a return after missed days)."""
    if visit.event:
        return False
    if event == "left_before_dose":
        return visit.drug == "srom"
    if event == "oral_spill":
        return visit.drug == "methadone"
    return visit.hat and visit.course.established
