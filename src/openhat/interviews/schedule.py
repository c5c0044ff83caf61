"""When a patient's outcome interviews fall due: a pure function of dates, tested by a table.

The time points (docs/domain.md §13; issue 14, item 5): intake, 3, 6 and 12 months after the start
of treatment, then every 12 months, and at exit. England's TOP is taken at the start of treatment
and every 3 months while in treatment; the trials (NAOMI [S13], SALOME [S14]) interviewed at
baseline and 3, 6 and 12 months. Each point has a window around its target day, a clinic setting
(`Windows`, defaults below). After an exit, the follow-ups continue only for a patient whose
research consent holds: trials analyse by intention to treat, so the 12-month interview of someone
who left is the one the analysis needs most.

Statuses of a point on a given day:
  upcoming   its window has not opened
  due        the window is open and the target day not passed
  overdue    the target day has passed and the window is still open
  missed     the window has closed with nothing recorded: a counsellor records why
  done       an interview was recorded
  recorded_missed   recorded as missed, with a reason
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

INTAKE = "intake"
EXIT = "exit"
FIRST_FOLLOW_UPS = (3, 6, 12)  # months after the start (issue 14, item 5; NAOMI, SALOME)
YEARLY_AFTER = 12  # then every 12 months
# How far ahead the schedule lists the next point, so a page can say when the next one is.
LOOKAHEAD_DAYS = 400

UPCOMING, DUE, OVERDUE, MISSED, DONE, RECORDED_MISSED = (
    "upcoming",
    "due",
    "overdue",
    "missed",
    "done",
    "recorded_missed",
)
OPEN_STATUSES = (DUE, OVERDUE, MISSED)  # what the worklist shows


@dataclass(frozen=True)
class Windows:
    """A clinic's interview windows in days (interviews.models.InterviewSettings stores them).

    The defaults, and why:
    - intake closes 14 days after the start: "before the first dose or within 14 days after it"
      (issue 14, item 5), so that the baseline's recall describes life before treatment;
    - intake opens 30 days before the start: local, the usual time between assessment and the
      first dose in the demo clinics' path (docs/domain.md §3), when the patient is already seen;
    - a follow-up opens 14 days before its target and closes 30 days after it: local, wide enough
      to catch a patient who comes two or three times a day, and narrow enough that a 30-day
      recall still describes the month around the target (a 3-month point never slides into the
      6-month one);
    - the exit interview opens 14 days before the exit date (a planned transfer) and closes 30
      days after it: local, as for the follow-ups; after that the patient is often unreachable.
    """

    intake_opens_before: int = 30
    intake_closes_after: int = 14
    follow_up_opens_before: int = 14
    follow_up_closes_after: int = 30
    exit_opens_before: int = 14
    exit_closes_after: int = 30


@dataclass(frozen=True)
class Point:
    code: str  # "intake", "month_3", ..., "exit"
    target: date
    opens: date
    closes: date
    status: str = UPCOMING

    @property
    def label(self) -> str:
        return point_label(self.code)

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


@dataclass(frozen=True)
class Course:
    """What the schedule needs to know of one patient."""

    start: date  # the start of treatment (the first enrolment's start date)
    exit_on: date | None = None  # the exit date, if the patient has left
    research_consent: bool = False  # a research consent holds today
    deceased_on: date | None = None  # recorded as a missed interview's reason "deceased"


def point_label(code: str) -> str:
    if code == INTAKE:
        return "Intake"
    if code == EXIT:
        return "Exit"
    return f"{months_of(code)}-month"


def months_of(code: str) -> int:
    return int(code.removeprefix("month_"))


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_months() -> list[int]:
    """3, 6, 12, 24, 36, ... (far enough for any course: capped at 50 years)."""
    return [*FIRST_FOLLOW_UPS, *range(2 * YEARLY_AFTER, 50 * 12 + 1, YEARLY_AFTER)]


def points_for(course: Course, windows: Windows, today: date) -> list[Point]:
    """The patient's time points up to LOOKAHEAD_DAYS ahead, in date order, without statuses."""
    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    points = [
        Point(
            INTAKE,
            course.start,
            course.start - timedelta(days=windows.intake_opens_before),
            course.start + timedelta(days=windows.intake_closes_after),
        )
    ]
    for months in follow_up_months():
        target = add_months(course.start, months)
        if target > horizon or not _followed_up(course, target):
            break
        points.append(
            Point(
                f"month_{months}",
                target,
                target - timedelta(days=windows.follow_up_opens_before),
                target + timedelta(days=windows.follow_up_closes_after),
            )
        )
    # No exit interview after a death (an exit for death, or a point missed as "deceased").
    if course.exit_on is not None and (
        course.deceased_on is None or course.exit_on < course.deceased_on
    ):
        points.append(
            Point(
                EXIT,
                course.exit_on,
                course.exit_on - timedelta(days=windows.exit_opens_before),
                course.exit_on + timedelta(days=windows.exit_closes_after),
            )
        )
    return sorted(points, key=lambda point: (point.target, point.code == EXIT))


def _alive_on(course: Course, day: date) -> bool:
    return course.deceased_on is None or day <= course.deceased_on


def _followed_up(course: Course, target: date) -> bool:
    if not _alive_on(course, target):
        return False
    if course.exit_on is None or target <= course.exit_on:
        return True
    return course.research_consent


def status_on(point: Point, today: date, recorded: str | None) -> str:
    """`recorded`: None, DONE or RECORDED_MISSED (what the clinic has written for the point)."""
    if recorded is not None:
        return recorded
    if today < point.opens:
        return UPCOMING
    if today <= point.target:
        return DUE
    if today <= point.closes:
        return OVERDUE
    return MISSED


def schedule(
    course: Course, windows: Windows, today: date, recorded: dict[str, str] | None = None
) -> list[Point]:
    """Every time point with its status on `today`; `recorded` maps a point's code to DONE or
    RECORDED_MISSED. (The patient's page lists recorded interviews on their own as well, so
    one recorded at a point no longer scheduled, e.g. an exit before a readmission, stays seen.)"""
    recorded = recorded or {}
    return [
        Point(p.code, p.target, p.opens, p.closes, status_on(p, today, recorded.get(p.code)))
        for p in points_for(course, windows, today)
    ]


def scheduled_point(course: Course, windows: Windows, today: date, code: str) -> Point | None:
    return next((p for p in points_for(course, windows, today) if p.code == code), None)
