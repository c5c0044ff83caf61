"""Today at the demo clinic's dosing station: the current window with a patient at every step.

The current window is the one `dosing.windows.current_window` gives for the moment the demo is
loaded (the one open now, else the next today, else the evening). The earlier windows of today
went as on any day; in the current window, timed back from now:

- done: came about an hour ago, dose given, observation signed off (more of them when this is
  the day's first window);
- held: breath alcohol above the hold level, the session ended without a dose;
- in observation: one with a few minutes left, one just given;
- a decision that says hold (sedation score 4), waiting for the nurse or a physician;
- a dose drawn (prepared), not yet given; one assessed; one just checked in;
- due: the others, among them two who have not come today yet and one who has been away for
  the last three days (the engine's missed-day review shows at their decision);
- ZRH: one patient's mild allergic reaction earlier today (in the last window before this one,
  else at the first session done in this one) is recorded and not yet signed off, on purpose:
  the engine asks for the physician's review at that patient's next decision.

Outside the dosing hours the same states are placed in the hour before now, labelled with the
current window. Just after midnight there is too little of today for all of them: a state whose
times would fall before the day began is left out.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from openhat.dosing.windows import current_window, open_window, window_bounds
from openhat.rules.context import Order
from openhat.simulate.demo_dosing_plan import WINDOWS, Course, Visit
from openhat.simulate.demo_pharmacy import PharmacyHistory

if TYPE_CHECKING:
    from openhat.simulate.demo_dosing import DemoDosing

MINUTE = timedelta(minutes=1)
OBSERVATION = timedelta(minutes=25)  # check-in to sign-off of an ordinary session, at least
# Each state of the current window: minutes before now at check-in, the stage the session stops
# at, and the plan event it carries.
STATES: dict[str, tuple[int, str, str]] = {
    "done": (62, "completed", ""),
    "done_2": (55, "completed", ""),
    "done_3": (48, "completed", ""),
    "held": (44, "completed", "held_alcohol"),
    "observing_late": (18, "observing", ""),
    "decided_hold": (12, "decided", "hold_sedation"),
    "prepared": (9, "prepared", ""),
    "observing_new": (5, "observing", ""),
    "assessed": (4, "assessed", ""),
    "checked_in": (2, "checked_in", ""),
}
ROLES: dict[str, tuple[str, ...]] = {
    "ZRH": (
        "done",
        "observing_late",
        "observing_new",
        "decided_hold",
        "prepared",
        "held",
        "assessed",
        "checked_in",
        "not_come",
        "not_come",
    ),
    "VAN": ("done", "observing_late", "not_come"),
}
FIRST_WINDOW_EXTRA = ("done_2", "done_3")
UNSIGNED_REACTION = ("ZRH",)  # where one reaction today waits for the physician's sign-off
EARLIER_ATTENDANCE = 0.9


def write_today(dosing: DemoDosing, pharmacy: PharmacyHistory) -> None:
    _Today(dosing, pharmacy).run()


class _Today:
    def __init__(self, dosing: DemoDosing, pharmacy: PharmacyHistory) -> None:
        self.dosing = dosing
        self.pharmacy = pharmacy
        self.clinic = dosing.clinic
        self.now = timezone.now()
        self.window = str(current_window(self.clinic, self.now))
        self.earlier = WINDOWS[: WINDOWS.index(self.window)]
        self.day = pharmacy.days
        zone = self.clinic.zone
        self.began = datetime.combine(pharmacy.today, time(0), tzinfo=zone) + 5 * MINUTE
        # Check-ins happen while the window is open: loaded at night, today has no current
        # sessions (the window opens later), only the earlier windows' ones.
        opens, closes = window_bounds(self.clinic, pharmacy.today, self.window)
        in_window = open_window(self.clinic, self.now) is not None and self.now < closes
        self.current_from = max(self.began, opens) if in_window else self.now
        self.rng = random.Random(dosing.seed + 2)
        self.reaction_waits = self.clinic.code in UNSIGNED_REACTION

    def run(self) -> None:
        plan = self.dosing.plan
        courses = [c for c in plan.courses if c.hat is not None and c is not plan.away_today]
        self.rng.shuffle(courses)
        roles = list(ROLES.get(self.clinic.code, ROLES["ZRH"]))
        if not self.earlier:
            roles[1:1] = FIRST_WINDOW_EXTRA
        assigned: dict[int, str] = {}
        for course, role in zip(courses, roles, strict=False):
            if role in STATES and self._check_in_of(role) < self.current_from:
                continue  # too early in the day, or before the window opened, for this state
            assigned[course.patient.pk] = role
        for window in self.earlier:
            self._earlier_window(window, courses, assigned)
        for role_name, course in sorted(
            ((assigned[c.patient.pk], c) for c in courses if assigned.get(c.patient.pk) in STATES),
            key=lambda item: -STATES[item[0]][0],
        ):
            self._current(course, role_name)
        self._oral_only(plan.courses)

    def _check_in_of(self, role: str) -> datetime:
        return self.now - STATES[role][0] * MINUTE

    def _visit(self, course: Course, window: str) -> Visit:
        assert course.hat is not None
        return self.dosing.planner.visit(course, course.hat, self.day, window)

    def _earlier_window(self, window: str, courses: list[Course], assigned: dict[int, str]) -> None:
        visits = []
        for course in courses:
            role = assigned.get(course.patient.pk, "due")
            if role == "not_come" or self.rng.random() >= EARLIER_ATTENDANCE:
                continue
            if course.hat is None or not self.dosing.planner.in_force(course.hat, self.day, window):
                continue
            visits.append(self._visit(course, window))
        unsigned = next(
            (v for v in visits if assigned.get(v.course.patient.pk, "due") == "due"), None
        )
        if unsigned is not None and window == self.earlier[-1] and self.reaction_waits:
            unsigned.event = "allergic_unsigned"
        for visit in sorted(visits, key=lambda v: v.arrival):
            start = max(self.dosing.start_for(visit), self.began)
            role = assigned.get(visit.course.patient.pk, "due")
            latest = self.now - OBSERVATION - 30 * MINUTE
            if role in STATES:
                # Done early enough for the current window's session: its decision comes after
                # the protocol's interval and this observation.
                next_check_in = self._check_in_of(role)
                latest = min(latest, next_check_in - self.dosing.interval - 5 * MINUTE)
            if start > latest:
                continue
            self.dosing.ran(visit, self.dosing.station.run(visit, start))

    def _current(self, course: Course, role: str) -> None:
        _, stage, event = STATES[role]
        if course.hat is None or not self.dosing.planner.in_force(
            course.hat, self.day, self.window
        ):
            return
        visit = self._visit(course, self.window)
        visit.event = event
        if role == "done" and not self.earlier and self.reaction_waits:
            visit.event = "allergic_unsigned"
        start = self._check_in_of(role)
        outcome = self.dosing.station.run(visit, start, stage)
        self.dosing.ran(visit, outcome)
        if stage == "completed" and self.window == "evening" and not event:
            for oral in course.orals:
                self._oral(course, oral, outcome.free_at + MINUTE)

    def _oral_only(self, courses: list[Course]) -> None:
        """In the evening one patient on oral night cover only has had it, the others are due."""
        if self.window != "evening":
            return
        for course in courses:
            if course.hat is None and course.orals:
                self._oral(course, course.orals[0], self.now - 50 * MINUTE)
                return

    def _oral(self, course: Course, order: Order, start: datetime) -> None:
        # Only inside the evening window: loaded between the midday and evening windows (or
        # after closing), "50 minutes ago" is not in the evening and the check-in is refused.
        if start < self.began or start + OBSERVATION > self.now:
            return
        if open_window(self.clinic, start) != "evening":
            return
        if not self.dosing.planner.in_force(order, self.day, "evening"):
            return
        visit = self.dosing.planner.visit(course, order, self.day, "evening")
        self.dosing.ran(visit, self.dosing.station.run(visit, start))
