"""Today's board (CLINIC.md §3.5): who is due, checked in, in observation, done, held or has not
come in one window of one day, with each patient's order, doses today, next due time and break.

Read only. A fixed handful of queries whatever the clinic's size (the board of a 150-patient
clinic renders in a few milliseconds): the orders in force for the whole clinic, the day's
sessions (and any still open) with their administrations, each patient's last dose before the
day within a bounded look-back, and which patients have a photo. Nothing is read per patient.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from openhat.clinics.models import Clinic
from openhat.dosing.models import OPEN_STATES, Administration, DosingSession, SessionState
from openhat.dosing.services.board_orders import (
    OrderSummary,
    PatientOrders,
    drug_short,
    mg_text,
    orders_in_force,
)
from openhat.dosing.services.context import protocol_for
from openhat.dosing.services.missed import Break, current_break, last_dose_days
from openhat.dosing.services.next_due import BEFORE_DOSE, DueInputs, NextDue, next_due
from openhat.dosing.windows import ORDER, window_bounds, window_label
from openhat.patients.models import IdentityPhoto, Patient
from openhat.rules.context import HAT_DRUGS
from openhat.rules.day import dosing_day
from openhat.rules.errors import AdjustmentError, PresetError
from openhat.rules.protocol import Protocol, loosen

DUE, CHECKED_IN, OBSERVING, DONE, HELD, NOT_COME = (
    "due",
    "checked_in",
    "observing",
    "done",
    "held",
    "not_come",
)
GROUPS: tuple[tuple[str, str], ...] = (
    (DUE, "Due"),
    (CHECKED_IN, "Checked in"),
    (OBSERVING, "In observation"),
    (DONE, "Done"),
    (HELD, "Held / no dose"),
    (NOT_COME, "Not come"),
)
# The filter chips' short names (one row of chips on a 1024 px tablet).
CHIP_LABELS = {OBSERVING: "Observing", HELD: "Held"}
GROUP_KEYS = tuple(key for key, _ in GROUPS)
_INTERVAL_KEY = "sessions.min_interval_minutes"
_SESSIONS_KEY = "sessions.max_per_day"


@dataclass(frozen=True)
class DrugToday:
    drug: str
    doses: int
    mg: Decimal

    @property
    def text(self) -> str:
        doses = "1 dose" if self.doses == 1 else f"{self.doses} doses"
        return f"{drug_short(self.drug)} {doses} · {mg_text(self.mg)} mg"


@dataclass(frozen=True)
class BoardRow:
    patient_id: int
    client_code: str
    group: str
    orders: tuple[OrderSummary, ...]
    doses_today: tuple[DrugToday, ...]
    next_due: NextDue
    state_text: str
    session_id: int | None = None
    session_state: str = ""
    checked_in_at: datetime | None = None
    observe_until: datetime | None = None
    missed: Break | None = None
    has_photo: bool = False
    observation_over: bool = False  # observe_until has passed: the nurse may sign off

    @property
    def observe_until_ms(self) -> int | None:
        return int(self.observe_until.timestamp() * 1000) if self.observe_until else None


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
        return window_label(self.window)

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
    today = dosing_day(now, clinic.zone)
    orders = orders_in_force(clinic, moment)
    sessions = list(
        DosingSession.objects.filter(Q(dosing_day=day) | Q(state__in=OPEN_STATES), clinic=clinic)
        .select_related("patient", "administration", "sign_off")
        .order_by("checked_in_at", "pk")
    )
    by_patient: dict[int, list[DosingSession]] = defaultdict(list)
    patients: dict[int, Patient] = {}
    for session in sessions:
        by_patient[session.patient_id].append(session)
        patients[session.patient_id] = session.patient
    shown = {
        patient_id
        for patient_id, entry in orders.items()
        if entry.main is not None and entry.main.covers_window(window)
    } | {
        session.patient_id
        for session in sessions
        if session.dosing_day == day and session.window == window
    }
    last_days = last_dose_days(clinic, day)
    photos = _with_photo(shown) if with_photos else set()
    context = _Context(
        day=day,
        window=window,
        now=now,
        is_today=day == today,
        window_over=now >= end,
        protocol=protocol_for(clinic),
        bounds={name: window_bounds(clinic, day, name) for name in ORDER},
        zone=clinic.zone,
    )
    rows = []
    for patient_id in shown:
        patient = orders[patient_id].patient if patient_id in orders else patients[patient_id]
        entry = orders.get(patient_id, PatientOrders(patient, []))
        row = _row(
            context,
            entry,
            by_patient.get(patient_id, []),
            last_days.get(patient_id),
            patient_id in photos,
        )
        rows.append(row)
    rows.sort(key=_sort_key)
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


def _with_photo(patient_ids: set[int]) -> set[int]:
    return set(
        IdentityPhoto.objects.filter(patient_id__in=patient_ids)
        .values_list("patient_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class _Context:
    day: date
    window: str
    now: datetime
    is_today: bool
    window_over: bool
    protocol: Protocol
    bounds: dict[str, tuple[datetime, datetime]]
    zone: ZoneInfo


def _row(
    context: _Context,
    entry: PatientOrders,
    sessions: list[DosingSession],
    last_dose_day: date | None,
    has_photo: bool,
) -> BoardRow:
    patient = entry.patient
    main = entry.main
    of_day = [session for session in sessions if session.dosing_day == context.day]
    in_window = [session for session in of_day if session.window == context.window]
    given = [s.administration for s in of_day if hasattr(s, "administration")]
    open_session = next((s for s in reversed(sessions) if s.state in OPEN_STATES), None)
    allowed, interval = _limits(context.protocol, main)
    counted = _sessions_counted(given, main)
    latest = in_window[-1] if in_window else None
    group, state_text = _group(context, latest, main, counted, allowed)
    due = NextDue("not_today", "")
    if main is None:
        due = NextDue("no_order", "no active order")
    elif context.is_today:
        due = next_due(
            DueInputs(
                now=context.now,
                zone=context.zone,
                window_bounds=context.bounds,
                order_windows=main.windows,
                sessions_allowed=allowed,
                sessions_today=counted,
                last_dose_at=max((a.administered_at for a in given), default=None),
                min_interval=interval,
                open_state=open_session.state if open_session else None,
                observe_until=_observe_until(open_session),
            )
        )
    started = min((order.started_at for order in entry.orders), default=None)
    missed = (
        current_break(context.day, last_dose_day, dosing_day(started, context.zone))
        if started is not None
        else None
    )
    observe_until = _observe_until(latest) if group == OBSERVING else None
    shown_session = latest or (open_session if context.is_today else None)
    return BoardRow(
        patient_id=patient.pk,
        client_code=patient.client_code,
        group=group,
        orders=tuple(entry.orders),
        doses_today=_doses_today(given),
        next_due=due,
        state_text=state_text,
        session_id=shown_session.pk if shown_session else None,
        session_state=shown_session.state if shown_session else "",
        checked_in_at=latest.checked_in_at if latest else None,
        observe_until=observe_until,
        observation_over=observe_until is not None and context.now >= observe_until,
        missed=missed,
        has_photo=has_photo,
    )


def _limits(protocol: Protocol, order: OrderSummary | None) -> tuple[int, timedelta]:
    """Sessions a day (the order's, capped by the preset) and the minimum interval, with the
    preset loosenings a physician signed on the order (as the station applies them)."""
    for item in order.loosenings if order is not None else ():
        if item.get("key") in (_INTERVAL_KEY, _SESSIONS_KEY):
            try:
                protocol = loosen(
                    protocol,
                    str(item["key"]),
                    str(item["value"]),
                    reason=str(item.get("reason", "")),
                    approved_by=str(item.get("approved_by", "")),
                )
            except (AdjustmentError, PresetError, KeyError):
                continue
    allowed = protocol.whole[_SESSIONS_KEY]
    if order is not None:
        allowed = min(allowed, order.sessions_per_day)
    return allowed, protocol.durations[_INTERVAL_KEY]


def _sessions_counted(given: list[Administration], main: OrderSummary | None) -> int:
    """Sessions with a dose today, as the engine counts them for the order's drug (DAM and HDM
    together; an oral drug on its own)."""
    if main is None:
        return len(given)
    drugs = HAT_DRUGS if main.is_hat else {main.drug}
    return len({a.session_id for a in given if a.drug in drugs})


def _group(
    context: _Context,
    latest: DosingSession | None,
    main: OrderSummary | None,
    counted: int,
    allowed: int,
) -> tuple[str, str]:
    if latest is not None:
        state = latest.state
        if state in BEFORE_DOSE:
            return (
                CHECKED_IN,
                f"{latest.get_state_display()} · in since {_hhmm(context, latest.checked_in_at)}",
            )
        if state == SessionState.OBSERVING:
            return OBSERVING, "in observation"
        if state == SessionState.COMPLETED:
            sign_off = getattr(latest, "sign_off", None)
            if sign_off is not None:
                return DONE, f"signed off {_hhmm(context, sign_off.at)}"
            return DONE, latest.end_reason or "done"
        return HELD, latest.end_reason or "ended without a dose"
    if main is not None and counted >= allowed:
        return DONE, f"all {allowed} given today"
    if context.window_over:
        return NOT_COME, "did not come"
    return DUE, ""


def _hhmm(context: _Context, moment: datetime) -> str:
    return f"{moment.astimezone(context.zone):%H:%M}"


def _observe_until(session: DosingSession | None) -> datetime | None:
    if session is None or session.state != SessionState.OBSERVING:
        return None
    administration = getattr(session, "administration", None)
    return administration.observe_until if administration is not None else None


def _doses_today(given: list[Administration]) -> tuple[DrugToday, ...]:
    doses: dict[str, list[Decimal]] = defaultdict(list)
    for administration in given:
        doses[administration.drug].append(administration.dose_mg)
    return tuple(
        DrugToday(drug, len(amounts), sum(amounts, Decimal(0)))
        for drug, amounts in sorted(doses.items(), key=lambda item: item[0] not in HAT_DRUGS)
    )


_FAR = datetime.max.replace(tzinfo=ZoneInfo("UTC"))


def _sort_key(row: BoardRow) -> tuple[int, datetime, str]:
    if row.group == DUE:
        moment = row.next_due.at or _FAR
    elif row.group == CHECKED_IN:
        moment = row.checked_in_at or _FAR
    elif row.group == OBSERVING:
        moment = row.observe_until or _FAR
    else:
        moment = _FAR
    return GROUP_KEYS.index(row.group), moment, row.client_code
