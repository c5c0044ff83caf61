"""Missed sessions and missed days (docs/domain.md §3.7), read from the records; nothing is written.

A missed session: a window that is over, in which an order in force expected a dose, and in which
no session took place (a held or refused session took place: it is not missed). An order without
named windows expects its sessions a day in any windows, so a window without a session counts as
missed only when the day's sessions fall short: the latest empty windows carry the shortfall.
A missed day: a day, over, on which an order was in force and no dose was given. The engine's
missed-day rules read the same history at the next decision (rules.missed).

The board reads only the patients' current break (one query); the chart reads the grid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration, DosingSession, SessionState
from openhat.dosing.services.board_orders import OrderPeriod, drug_short, mg_text, order_periods
from openhat.dosing.windows import ORDER as WINDOW_ORDER
from openhat.dosing.windows import window_bounds
from openhat.patients.models import Patient
from openhat.rules.day import day_bounds, dosing_day, missed_days_between

LOOK_BACK_DAYS = 14
ORDER: tuple[str, ...] = tuple(window.value for window in WINDOW_ORDER)
_LAST_MOMENT = timedelta(microseconds=1)


# --- the board: the current break, one query for the clinic -----------------------------------


@dataclass(frozen=True)
class Break:
    days: int
    at_least: bool = False  # no dose within the look-back: the break is at least this long

    @property
    def text(self) -> str:
        unit = "day" if self.days == 1 else "days"
        return f"missed {self.days}{'+' if self.at_least else ''} {unit}"


def last_dose_days(
    clinic: Clinic, day: date, patient_ids: Iterable[int], look_back: int = LOOK_BACK_DAYS
) -> dict[int, date]:
    """Per patient, the last day before `day` with a dose, within the look-back.

    One query: for each patient, the newest administration in the look-back, read from the
    (patient, administered_at) index backwards, one row each; a clinic-wide MAX over the
    look-back would read every dose of the last two weeks (thousands of rows for 150 patients)."""
    zone = clinic.zone
    since, _ = day_bounds(day - timedelta(days=look_back), zone)
    until, _ = day_bounds(day, zone)
    newest = (
        Administration.objects.filter(
            patient_id=OuterRef("pk"), administered_at__gte=since, administered_at__lt=until
        )
        .order_by("-administered_at")
        .values("administered_at")[:1]
    )
    wanted = list(patient_ids)
    # The records merged into a listed patient come in the same query and count as theirs
    # (patients.records): one person, one last dose.
    rows = (
        Patient.objects.filter(clinic=clinic)
        .filter(Q(pk__any_of=wanted) | Q(merged_into__any_of=wanted))
        .order_by()  # no sort by clinic and number (the model's default), nor its join
        .annotate(last=Subquery(newest))
        .filter(last__isnull=False)
        .values_list("pk", "merged_into_id", "last")
    )
    listed = set(wanted)
    found: dict[int, date] = {}
    for patient_id, survivor, last in rows:
        person = survivor if survivor in listed and patient_id not in listed else patient_id
        day = dosing_day(last, zone)
        found[person] = max(found.get(person, day), day)
    return found


def current_break(
    day: date, last_dose_day: date | None, order_started: date, look_back: int = LOOK_BACK_DAYS
) -> Break | None:
    """Whole days without a dose before `day`, counted from the order's start at the earliest:
    what the engine calls missed days at the patient's next decision."""
    since_start = max((day - order_started).days, 0)
    if last_dose_day is not None:
        days = min(missed_days_between(last_dose_day, day), since_start)
        return Break(days) if days > 0 else None
    horizon = day - timedelta(days=look_back)
    if order_started < horizon:
        return Break(look_back, at_least=True)
    return Break(since_start) if since_start > 0 else None


# --- the chart: days x windows --------------------------------------------------------------

GIVEN, HELD, OPEN, MISSED, UPCOMING, NONE = "given", "held", "open", "missed", "upcoming", "none"


@dataclass(frozen=True)
class WindowCell:
    window: str
    status: str  # given, held, open, missed, upcoming, none (no session, none expected)
    text: str


@dataclass(frozen=True)
class AttendanceDay:
    day: date
    cells: tuple[WindowCell, ...]
    expected: int  # sessions the orders expected that day
    given: int  # windows with a dose
    missed_sessions: int
    missed_day: bool


@dataclass(frozen=True)
class Attendance:
    days: tuple[AttendanceDay, ...]  # newest first, from the first day an order expected a dose
    missed_sessions: int
    missed_days: int
    current_break: int  # consecutive missed days before today (what the next decision sees)
    look_back: int

    @property
    def any_expected(self) -> bool:
        return any(day.expected for day in self.days)


@dataclass(frozen=True)
class _Session:
    window: str
    state: str
    dose_mg: Decimal | None
    drug: str | None
    end_reason: str


def attendance_by_patient(
    clinic: Clinic,
    *,
    now: datetime,
    patient_ids: list[int] | None = None,
    days: int = LOOK_BACK_DAYS,
    same_person: dict[int, int] | None = None,
) -> dict[int, Attendance]:
    """Per patient with an order in the period: the last `days` days (today included) by window,
    with missed sessions and days. Three queries, whatever the number of patients.

    `same_person` maps a merged record's id to its survivor's: its orders and sessions count as the
    survivor's (patients.records)."""
    as_person = (same_person or {}).get
    zone = clinic.zone
    today = dosing_day(now, zone)
    first = today - timedelta(days=days - 1)
    periods: dict[int, list[OrderPeriod]] = defaultdict(list)
    for patient_id, found_periods in order_periods(clinic, patient_ids).items():
        periods[as_person(patient_id, patient_id)].extend(found_periods)
    rows = DosingSession.objects.filter(clinic=clinic, dosing_day__gte=first, dosing_day__lte=today)
    if patient_ids is not None:
        rows = rows.filter(patient_id__in=patient_ids)
    sessions: dict[tuple[int, date], list[_Session]] = defaultdict(list)
    for patient_id, day, window, state, dose_mg, drug, reason in rows.order_by(
        "checked_in_at"
    ).values_list(
        "patient_id",
        "dosing_day",
        "window",
        "state",
        "administration__dose_mg",
        "administration__drug",
        "end_reason",
    ):
        sessions[(as_person(patient_id, patient_id), day)].append(
            _Session(window, state, dose_mg, drug, reason)
        )
    bounds = {
        (day, window): window_bounds(clinic, day, window)
        for offset in range(days)
        for day in [first + timedelta(days=offset)]
        for window in ORDER
    }
    found: dict[int, Attendance] = {}
    for patient_id, patient_periods in periods.items():
        grid = [
            _day(day, patient_periods, sessions.get((patient_id, day), []), bounds, now)
            for day in (today - timedelta(days=offset) for offset in range(days))
        ]
        # The days before anything was expected or happened say nothing: leave them out.
        while grid and not grid[-1].expected and all(c.status == NONE for c in grid[-1].cells):
            grid.pop()
        if grid:
            found[patient_id] = _attendance(grid, today, days)
    return found


def _attendance(grid: list[AttendanceDay], today: date, days: int) -> Attendance:
    streak = 0
    for item in grid:
        if item.day == today:
            continue  # the break the next decision sees ends yesterday, as on the board
        if not item.missed_day:
            break
        streak += 1
    return Attendance(
        days=tuple(grid),
        missed_sessions=sum(item.missed_sessions for item in grid),
        missed_days=sum(1 for item in grid if item.missed_day),
        current_break=streak,
        look_back=days,
    )


def _day(
    day: date,
    periods: list[OrderPeriod],
    sessions: list[_Session],
    bounds: dict[tuple[date, str], tuple[datetime, datetime]],
    now: datetime,
) -> AttendanceDay:
    by_window: dict[str, list[_Session]] = defaultdict(list)
    for session in sessions:
        by_window[session.window].append(session)
    expected_windows: list[str] = []
    sessions_a_day = 0
    for window in ORDER:
        last_moment = bounds[(day, window)][1] - _LAST_MOMENT
        covering = [
            period
            for period in periods
            if period.covers(last_moment) and period.order.covers_window(window)
        ]
        if covering:
            expected_windows.append(window)
            sessions_a_day = max(sessions_a_day, *(p.order.sessions_per_day for p in covering))
    expected = min(sessions_a_day, len(expected_windows))
    over = {window: now >= bounds[(day, window)][1] for window in ORDER}
    attended = [window for window in expected_windows if by_window.get(window)]
    waiting = [w for w in expected_windows if not by_window.get(w) and not over[w]]
    empty_over = [w for w in expected_windows if not by_window.get(w) and over[w]]
    shortfall = max(0, expected - len(attended) - len(waiting))
    missed = set(empty_over[len(empty_over) - shortfall :]) if shortfall else set()
    cells = tuple(
        _cell(window, by_window.get(window, []), window in missed, window in waiting)
        for window in ORDER
    )
    given = sum(1 for cell in cells if cell.status == GIVEN)
    all_over = all(over[window] for window in expected_windows)
    return AttendanceDay(
        day=day,
        cells=cells,
        expected=expected,
        given=given,
        missed_sessions=len(missed),
        missed_day=bool(expected) and all_over and given == 0,
    )


def _cell(window: str, sessions: list[_Session], missed: bool, waiting: bool) -> WindowCell:
    # Each drug on its own: 55 mg HDM and 60 mg methadone are not "115 mg" of anything.
    by_drug: dict[str, Decimal] = {}
    for session in sessions:
        if session.dose_mg is not None:
            drug = drug_short(session.drug or "")
            by_drug[drug] = by_drug.get(drug, Decimal(0)) + session.dose_mg
    if by_drug:
        given = ", ".join(f"{drug} {mg_text(mg)} mg" for drug, mg in by_drug.items())
        return WindowCell(window, GIVEN, f"given {given}")
    if any(session.state != SessionState.NO_DOSE for session in sessions):
        return WindowCell(window, OPEN, "in session")
    if sessions:
        reason = sessions[-1].end_reason or "no dose"
        return WindowCell(window, HELD, reason.lower())
    if missed:
        return WindowCell(window, MISSED, "missed")
    if waiting:
        return WindowCell(window, UPCOMING, "not yet")
    return WindowCell(window, NONE, "—")
