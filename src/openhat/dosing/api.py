"""The dosing station over JSON (issue 6): the board, sessions step by step, adverse events.

Every path is under /api/clinics/{clinic}/dosing/. Handlers validate with a schema, check the
role through clinic_for_request, find the record in the caller's clinic (another clinic's is "not
found"), call one dosing service and answer with the record written. Nurses run sessions;
nurses, pharmacists and physicians prepare doses; physicians override and sign off adverse
events; every chart-reading role reads. The steps are in api_steps.py, adverse events in
api_events.py; all are registered on this module's `router`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.dosing.api_common import (
    DOSING,
    ERRORS,
    IDEMPOTENCY_HELP,
    caller_in,
    key,
    patient_in,
    physician_at_station,
    same_request,
    session_in,
)
from openhat.dosing.api_events import router as events_router
from openhat.dosing.api_rows import session_detail, session_row
from openhat.dosing.api_steps import router as steps_router
from openhat.dosing.schemas import (
    BoardOut,
    BoardQuery,
    CheckInIn,
    OutOfWindowIn,
    SessionDetailOut,
    SessionOut,
)
from openhat.dosing.services.board import BoardRow, board_day_in_range, build_board
from openhat.dosing.services.out_of_window import open_out_of_window
from openhat.dosing.services.sessions import check_in, session_viewed
from openhat.dosing.windows import current_window
from openhat.rules.day import dosing_day

router = Router(tags=["dosing"])


def _board_row(row: BoardRow) -> dict[str, Any]:
    return {
        "patient_id": row.patient_id,
        "client_code": row.client_code,
        "state": row.group,
        "state_text": row.state_text,
        "session_id": row.session_id,
        "session_state": row.session_state,
        "checked_in_at": row.checked_in_at,
        "observe_until": row.observe_until,
        "observation_over": row.observation_over,
        "orders": [
            {
                "line_id": order.line_id,
                "drug": order.drug,
                "routes": list(order.routes),
                "dose_min_mg": order.dose_min_mg,
                "dose_max_mg": order.dose_max_mg,
                "sessions_per_day": order.sessions_per_day,
                "daily_max_mg": order.daily_max_mg,
                "windows": sorted(order.windows),
                "suspended": order.suspended,
                "text": order.text,
            }
            for order in row.orders
        ],
        "doses_today": [
            {"drug": drug.drug, "doses": drug.doses, "mg": drug.mg} for drug in row.doses_today
        ],
        "next_due": {"kind": row.next_due.kind, "text": row.next_due.text, "at": row.next_due.at},
        "missed": None
        if row.missed is None
        else {"days": row.missed.days, "at_least": row.missed.at_least, "text": row.missed.text},
    }


@router.get(
    f"{DOSING}/board",
    response={200: BoardOut, **ERRORS},
    summary="The board: each enrolled patient's state in a window of a day",
    description=(
        "Every patient whose order covers the window, or who has a session in it. `state` is "
        "the board's group: due, checked_in (before the dose), observing, done, held (ended "
        "without a dose) or not_come; `session_state` the session's own state. Each row has the "
        "orders in force, the doses today, when the next dose is due and any missed days. "
        "Default: today and the window open now."
    ),
)
def board(request: HttpRequest, clinic: str, filters: Query[BoardQuery]) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING)
    now = clock.now()
    today = dosing_day(now, who.clinic.zone)
    day = board_day_in_range(filters.day, today) if filters.day else today
    window = str(filters.window or current_window(who.clinic, now))
    found = build_board(who.clinic, day=day, window=window, now=now)
    return {
        "day": found.day,
        "window": found.window,
        "window_start": found.window_start,
        "window_end": found.window_end,
        "counts": found.counts,
        "rows": [_board_row(row) for row in found.rows],
    }


@router.post(
    f"{DOSING}/sessions",
    response={201: SessionOut, **ERRORS},
    summary="Check a patient in: the nurse has confirmed their identity against the photo",
    description=(
        "The session's window is the one open at the clinic's time. Outside the clinic's windows: "
        "400 `outside_dosing_window`; a `window` other than the open one: 400 `window_not_open`; "
        "a window none of the patient's orders covers: 400 `outside_order_window` (a physician "
        "may open an out-of-window session instead). A patient with an open session is 409 "
        f"`session_open`; a patient not enrolled is 400 `patient_not_enrolled`. {IDEMPOTENCY_HELP}"
    ),
)
def open_session(
    request: HttpRequest,
    clinic: str,
    payload: CheckInIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    patient = patient_in(who.clinic, payload.patient_id)
    session = check_in(
        actor=who.user,
        patient=patient,
        window=payload.window,
        identity_confirmed=payload.identity_confirmed,
        idempotency_key=key(idempotency_key),
    )
    same_request(
        session.patient_id == patient.pk
        and payload.window in (None, session.window)
        and not session.out_of_window
    )
    return Status(201, session_row(session))


@router.post(
    f"{DOSING}/sessions/out-of-window",
    response={201: SessionOut, **ERRORS},
    summary="Check a patient in outside the dosing windows, allowed by a physician",
    description=(
        "The nurse's station sends the physician's `physician_username`, `physician_password` and "
        "current authenticator code with the clinical reason and the window the session stands "
        "for. While that window is open and covered by the orders: 400 `window_is_open` (check "
        f"in as usual). {IDEMPOTENCY_HELP}"
    ),
)
def open_out_of_window_session(
    request: HttpRequest,
    clinic: str,
    payload: OutOfWindowIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    patient = patient_in(who.clinic, payload.patient_id)
    physician = physician_at_station(
        request, who.clinic, payload.physician_username, payload.physician_password
    )
    session = open_out_of_window(
        actor=who.user,
        physician=physician,
        patient=patient,
        window=payload.window,
        reason=payload.reason,
        totp_code=payload.totp_code,
        identity_confirmed=payload.identity_confirmed,
        idempotency_key=key(idempotency_key),
    )
    same_request(session.patient_id == patient.pk and session.out_of_window)
    return Status(201, session_row(session))


@router.get(
    f"{DOSING}/sessions/{{int:session_id}}",
    response={200: SessionDetailOut, **ERRORS},
    summary="One session with every step so far: what a station needs to continue it",
    description="Each read is written to the access log, as the day sheet's is.",
)
def show_session(request: HttpRequest, clinic: str, session_id: int) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING)
    session = session_in(who.clinic, session_id)
    session_viewed(actor=who.user, session=session)
    return session_detail(session)


router.add_router("", steps_router)
router.add_router("", events_router)
