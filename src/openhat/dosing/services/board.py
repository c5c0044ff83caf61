"""Today's board (docs/domain.md §3.5): who is due, checked in, in observation, done, held or has not
come in one window of one day, with each patient's order, doses today, next due time and break.

Read only. Four queries whatever the clinic's size, read as plain values (no model per row): the
orders in force for the whole clinic, the day's sessions (and any still open) with their doses and
sign-offs, each patient's last dose before the day within a bounded look-back, and which patients
have a photo. Nothing is read per patient.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, Subquery

from openhat.clinics.models import Clinic
from openhat.core.errors import DomainError
from openhat.dosing.models import OPEN_STATES, AdverseEvent, DosingSession, SessionState
from openhat.dosing.services.board_orders import orders_in_force
from openhat.dosing.services.board_rows import (
    CHECKED_IN,
    CHIP_LABELS,
    DONE,
    DUE,
    GROUP_KEYS,
    GROUPS,
    HELD,
    NOT_COME,
    OBSERVING,
    BoardRow,
    DrugToday,
    RowContext,
    SessionFacts,
    board_row,
    main_order,
    sort_key,
)
from openhat.dosing.services.context import protocol_for
from openhat.dosing.services.missed import last_dose_days
from openhat.dosing.services.observation import AFTER_NALOXONE_KEY
from openhat.dosing.windows import ORDER, window_bounds, window_label
from openhat.patients.models import IdentityPhoto
from openhat.rules.day import dosing_day

__all__ = [
    "CHECKED_IN",
    "CHIP_LABELS",
    "DONE",
    "DUE",
    "GROUPS",
    "GROUP_KEYS",
    "HELD",
    "NOT_COME",
    "OBSERVING",
    "Board",
    "BoardGroup",
    "BoardRow",
    "DrugToday",
    "build_board",
]


@dataclass(frozen=True)
class BoardGroup:
    key: str
    label: str
    number: int  # the digit key that filters the board to this group
    rows: tuple[BoardRow, ...]  # all of the group's rows (search and filter only hide them)
    shown: bool  # no group chosen, or this one
    visible: int  # rows matching the search


@dataclass(frozen=True)
class Board:
    clinic: Clinic
    day: date
    window: str
    now: datetime
    window_start: datetime
    window_end: datetime
    # Every patient of the window. The search and the chosen group only hide rows, so the page
    # can change them without asking the server again.
    rows: tuple[BoardRow, ...]
    query: str = ""
    group: str = ""  # the chosen group, or "" for all
    counts: dict[str, int] = field(default_factory=dict)  # rows matching the search, per group

    def matches(self, row: BoardRow) -> bool:
        return not self.query or self.query.upper() in row.client_code.upper()

    def visible(self, row: BoardRow) -> bool:
        return self.matches(row) and (not self.group or row.group == self.group)

    @property
    def matching(self) -> int:
        return sum(self.counts.values())

    @property
    def is_today(self) -> bool:
        return self.day == dosing_day(self.now, self.clinic.zone)

    @property
    def window_over(self) -> bool:
        return self.now >= self.window_end

    @property
    def window_label(self) -> str:
        return window_label(self.clinic, self.window)

    @property
    def groups(self) -> list[BoardGroup]:
        return [
            BoardGroup(
                key,
                label,
                number,
                tuple(row for row in self.rows if row.group == key),
                shown=not self.group or self.group == key,
                visible=self.counts.get(key, 0),
            )
            for number, (key, label) in enumerate(GROUPS, start=1)
        ]


# The board and the day sheet look a year back or ahead at most (a typo in the day, not a day of
# the clinic's); the API's board keeps the same bound as the page.
MAX_DAYS_AWAY = 366


def board_day_in_range(day: date, today: date) -> date:
    if abs((day - today).days) > MAX_DAYS_AWAY:
        raise DomainError("day_out_of_range", "Choose a day within a year of today.", "day")
    return day


def build_board(
    clinic: Clinic,
    *,
    day: date,
    window: str,
    now: datetime,
    with_photos: bool = False,
    query: str = "",
    group: str = "",
) -> Board:
    """The board of `window` on `day`. The caller has checked the user may view dosing."""
    start, end = window_bounds(clinic, day, window)
    moment = min(max(now, start), end - timedelta(microseconds=1))
    orders = orders_in_force(clinic, moment)
    sessions = _after_naloxone(clinic, _sessions(clinic, day))
    by_patient: dict[int, list[SessionFacts]] = defaultdict(list)
    for session in sessions:
        by_patient[session.patient_id].append(session)
    codes = {patient_id: entry.client_code for patient_id, entry in orders.items()}
    for session in sessions:
        codes.setdefault(session.patient_id, session.client_code)
    shown = {
        patient_id
        for patient_id, entry in orders.items()
        if (main := main_order(entry.orders)) is not None and main.covers_window(window)
    } | {
        session.patient_id
        for session in sessions
        if session.dosing_day == day and session.window == window
    }
    last_days = last_dose_days(clinic, day, shown)
    photos = _with_photo(shown) if with_photos else set()
    context = RowContext(
        day=day,
        window=window,
        now=now,
        is_today=day == dosing_day(now, clinic.zone),
        window_over=now >= end,
        protocol=protocol_for(clinic),
        bounds={name: window_bounds(clinic, day, name) for name in ORDER},
        zone=clinic.zone,
    )
    rows = sorted(
        (
            board_row(
                context,
                (patient_id, codes[patient_id]),
                orders[patient_id].orders if patient_id in orders else [],
                by_patient.get(patient_id, []),
                last_days.get(patient_id),
                patient_id in photos,
            )
            for patient_id in shown
        ),
        key=sort_key,
    )
    needle = query.strip().upper()
    counts = {
        key: sum(1 for row in rows if row.group == key and needle in row.client_code.upper())
        for key in GROUP_KEYS
    }
    return Board(
        clinic=clinic,
        day=day,
        window=window,
        now=now,
        window_start=start,
        window_end=end,
        rows=tuple(rows),
        query=query.strip(),
        group=group if group in GROUP_KEYS else "",
        counts=counts,
    )


def _sessions(clinic: Clinic, day: date) -> list[SessionFacts]:
    """The day's sessions and any still open, oldest first, with their dose and sign-off."""
    rows = (
        DosingSession.objects.filter(Q(dosing_day=day) | Q(state__in=OPEN_STATES), clinic=clinic)
        .annotate(
            naloxone_at=Subquery(
                AdverseEvent.objects.filter(
                    patient_id=OuterRef("patient_id"),
                    naloxone_given=True,
                    recorded_at__gte=OuterRef("administration__administered_at"),
                )
                .order_by("-recorded_at")
                .values("recorded_at")[:1]
            )
        )
        .order_by("checked_in_at", "pk")
        .values_list(
            "pk",
            "patient_id",
            "patient__client_code",
            "window",
            "dosing_day",
            "state",
            "checked_in_at",
            "end_reason",
            "administration__drug",
            "administration__dose_mg",
            "administration__administered_at",
            "administration__observe_until",
            "sign_off__at",
            "naloxone_at",
            # A record merged into another of this clinic shows on the survivor's row.
            "patient__merged_into_id",
            "patient__merged_into__client_code",
            "patient__merged_into__clinic_id",
        )
    )
    facts = []
    for *fields, survivor, survivor_code, survivor_clinic in rows:
        session = SessionFacts(*fields)
        if survivor is not None and survivor_clinic == clinic.pk:
            session = session._replace(patient_id=survivor, client_code=survivor_code)
        facts.append(session)
    return facts


def _after_naloxone(clinic: Clinic, sessions: list[SessionFacts]) -> list[SessionFacts]:
    """Sessions in observation whose patient had naloxone since the dose observe at least the
    preset's minutes after it (services/observation.py, as the session's screen and sign-off)."""
    if not any(s.naloxone_at for s in sessions if s.state == SessionState.OBSERVING):
        return sessions
    minutes = timedelta(minutes=int(protocol_for(clinic).whole[AFTER_NALOXONE_KEY]))
    return [
        s._replace(observe_until=max(s.observe_until, s.naloxone_at + minutes))
        if s.state == SessionState.OBSERVING and s.naloxone_at and s.observe_until
        else s
        for s in sessions
    ]


def _with_photo(patient_ids: set[int]) -> set[int]:
    return set(
        IdentityPhoto.objects.filter(patient_id__any_of=list(patient_ids))
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()
    )
