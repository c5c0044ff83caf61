"""One row of the board, from plain values the board's queries read (no model per session):
the patient's group in the window, doses today, next due time, countdown and missed-days badge."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openhat.dosing.models import OPEN_STATES, SessionState
from openhat.dosing.services.board_orders import OrderSummary, drug_short, mg_text
from openhat.dosing.services.missed import Break, current_break
from openhat.dosing.services.next_due import BEFORE_DOSE, DueInputs, NextDue, next_due
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
_STATE_LABELS = dict(SessionState.choices)


class SessionFacts(NamedTuple):
    """What the board needs of a session and its dose (one row of the sessions query)."""

    pk: int
    patient_id: int
    client_code: str
    window: str
    dosing_day: date
    state: str
    checked_in_at: datetime
    end_reason: str
    drug: str | None  # of the dose given, if any
    dose_mg: Decimal | None
    administered_at: datetime | None
    observe_until: datetime | None
    signed_off_at: datetime | None
    naloxone_at: datetime | None = None  # the patient's latest naloxone since the dose


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
    observe_until_hhmm: str = ""  # in the clinic's time

    @property
    def observe_until_ms(self) -> int | None:
        return int(self.observe_until.timestamp() * 1000) if self.observe_until else None


@dataclass(frozen=True)
class RowContext:
    day: date
    window: str
    now: datetime
    is_today: bool
    window_over: bool
    protocol: Protocol
    bounds: dict[str, tuple[datetime, datetime]]
    zone: ZoneInfo


def board_row(
    context: RowContext,
    patient: tuple[int, str],
    orders: list[OrderSummary],
    sessions: list[SessionFacts],
    last_dose_day: date | None,
    has_photo: bool,
) -> BoardRow:
    main = main_order(orders)
    of_day = [session for session in sessions if session.dosing_day == context.day]
    in_window = [session for session in of_day if session.window == context.window]
    given = [session for session in of_day if session.dose_mg is not None]
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
                last_dose_at=max(
                    (s.administered_at for s in given if s.administered_at), default=None
                ),
                min_interval=interval,
                open_state=open_session.state if open_session else None,
                observe_until=_observe_until(open_session),
            )
        )
    started = min((order.started_at for order in orders), default=None)
    missed = (
        current_break(context.day, last_dose_day, dosing_day(started, context.zone))
        if started is not None
        else None
    )
    observe_until = _observe_until(latest) if group == OBSERVING else None
    shown_session = latest or (open_session if context.is_today else None)
    return BoardRow(
        patient_id=patient[0],
        client_code=patient[1],
        group=group,
        orders=tuple(orders),
        doses_today=_doses_today(given),
        next_due=due,
        state_text=state_text,
        session_id=shown_session.pk if shown_session else None,
        session_state=shown_session.state if shown_session else "",
        checked_in_at=latest.checked_in_at if latest else None,
        observe_until=observe_until,
        observation_over=observe_until is not None and context.now >= observe_until,
        observe_until_hhmm=_hhmm(context, observe_until) if observe_until else "",
        missed=missed,
        has_photo=has_photo,
    )


def main_order(orders: list[OrderSummary]) -> OrderSummary | None:
    """The order the board's "next due" follows: the first HAT order in force, else any."""
    live = [order for order in orders if not order.suspended]
    return next((order for order in live if order.is_hat), live[0] if live else None)


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


def _sessions_counted(given: list[SessionFacts], main: OrderSummary | None) -> int:
    """Sessions with a dose today, as the engine counts them for the order's drug (DAM and HDM
    together; an oral drug on its own)."""
    if main is None:
        return len(given)
    drugs = HAT_DRUGS if main.is_hat else {main.drug}
    return len({s.pk for s in given if s.drug in drugs})


def _group(
    context: RowContext,
    latest: SessionFacts | None,
    main: OrderSummary | None,
    counted: int,
    allowed: int,
) -> tuple[str, str]:
    if latest is not None:
        state = latest.state
        if state in BEFORE_DOSE:
            since = _hhmm(context, latest.checked_in_at)
            return CHECKED_IN, f"{_STATE_LABELS[state]} · in since {since}"
        if state == SessionState.OBSERVING:
            return OBSERVING, "in observation"
        if state == SessionState.COMPLETED:
            if latest.signed_off_at is not None:
                return DONE, f"signed off {_hhmm(context, latest.signed_off_at)}"
            return DONE, latest.end_reason or "done"
        return HELD, latest.end_reason or "ended without a dose"
    if main is not None and counted >= allowed:
        return DONE, f"all {allowed} given today"
    if context.window_over:
        return NOT_COME, "did not come"
    return DUE, ""


def _hhmm(context: RowContext, moment: datetime) -> str:
    return f"{moment.astimezone(context.zone):%H:%M}"


def _observe_until(session: SessionFacts | None) -> datetime | None:
    if session is None or session.state != SessionState.OBSERVING:
        return None
    return session.observe_until


def _doses_today(given: list[SessionFacts]) -> tuple[DrugToday, ...]:
    doses: dict[str, list[Decimal]] = defaultdict(list)
    for session in given:
        if session.drug is not None and session.dose_mg is not None:
            doses[session.drug].append(session.dose_mg)
    return tuple(
        DrugToday(drug, len(amounts), sum(amounts, Decimal(0)))
        for drug, amounts in sorted(doses.items(), key=lambda item: item[0] not in HAT_DRUGS)
    )


_FAR = datetime.max.replace(tzinfo=ZoneInfo("UTC"))


def sort_key(row: BoardRow) -> tuple[int, datetime, str]:
    if row.group == DUE:
        moment = row.next_due.at or _FAR
    elif row.group == CHECKED_IN:
        moment = row.checked_in_at or _FAR
    elif row.group == OBSERVING:
        moment = row.observe_until or _FAR
    else:
        moment = _FAR
    return GROUP_KEYS.index(row.group), moment, row.client_code
