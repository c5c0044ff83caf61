"""The window of a check-in or a dose is the clock's, never the caller's (docs/domain.md §3.5).

A check-in is refused outside the clinic's dosing windows, in a window other than the one a
caller names, and in a window none of the patient's orders covers; a dose step (decision,
preparation, administration) is refused once the session's window has closed (a page left open,
a click after closing). A physician may open an out-of-window session with a reason and their
second factor (`sessions.open_out_of_window`); such a session may be dosed on its dosing day.
"""

from __future__ import annotations

from datetime import datetime

from openhat.clinics.models import Clinic
from openhat.core.errors import DomainError
from openhat.dosing.models import DosingSession
from openhat.dosing.windows import open_window, window_hours, windows_text
from openhat.patients.models import Patient
from openhat.prescribing.services.queries import active_orders
from openhat.rules.context import SessionWindow
from openhat.rules.day import dosing_day

ASK_A_PHYSICIAN = "A physician may open an out-of-window session with a reason."


def _local(clinic: Clinic, now: datetime) -> str:
    return f"{now.astimezone(clinic.zone):%H:%M}"


def named_window(value: object) -> SessionWindow | None:
    """A window a caller named: None when none was named; an unknown name is refused."""
    if value in (None, ""):
        return None
    if value not in SessionWindow.__members__.values():
        raise DomainError("unknown_window", "Choose morning, midday or evening.", "window")
    return SessionWindow(str(value))


def check_in_window(patient: Patient, now: datetime, named: SessionWindow | None) -> SessionWindow:
    """The window open now for a check-in of `patient`; refused outside it or the orders'."""
    clinic = patient.clinic
    window = open_window(clinic, now)
    if window is None:
        raise DomainError(
            "outside_dosing_window",
            f"It is {_local(clinic, now)} at {clinic.code}: no dosing window is open "
            f"(the windows are {windows_text(clinic)}). {ASK_A_PHYSICIAN}",
            "window",
        )
    if named is not None and named != window:
        raise DomainError(
            "window_not_open",
            f"It is {_local(clinic, now)} at {clinic.code}: the {window} window is open, "
            f"not the {named} window.",
            "window",
        )
    require_order_window(patient, now, window)
    return window


def require_order_window(patient: Patient, now: datetime, window: SessionWindow) -> None:
    """Refused when the patient has orders in force and none covers `window`."""
    orders = active_orders(patient, now)
    if not orders or any(not order.windows or window in order.windows for order in orders):
        return
    covered = sorted({str(name) for order in orders for name in order.windows})
    hours = window_hours(patient.clinic)
    spans = ", ".join(f"{name} {hours[name][0]:%H:%M}-{hours[name][1]:%H:%M}" for name in covered)
    raise DomainError(
        "outside_order_window",
        f"{patient.client_code}'s orders cover the {spans} session(s), not the {window} "
        f"session. {ASK_A_PHYSICIAN}",
        "window",
    )


def require_window_open(session: DosingSession, now: datetime) -> None:
    """A dose step of `session` now: inside its window, or an out-of-window session today."""
    clinic = session.clinic
    if session.out_of_window:
        if session.dosing_day == dosing_day(now, clinic.zone):
            return
        raise DomainError(
            "window_closed",
            f"This out-of-window session was opened for {session.dosing_day:%d %b}; "
            "end it and check the patient in again.",
            "session",
        )
    if open_window(clinic, now) == session.window and session.dosing_day == dosing_day(
        now, clinic.zone
    ):
        return
    closes = window_hours(clinic)[session.window][1]
    if session.dosing_day != dosing_day(now, clinic.zone):
        raise DomainError(
            "window_closed",
            f"This session was for the {session.window} window of {session.dosing_day:%d %b}: "
            "no dose in it now; end it and check the patient in again.",
            "session",
        )
    raise DomainError(
        "window_closed",
        f"The {session.window} window closed at {closes:%H:%M} (it is {_local(clinic, now)}): "
        f"no dose in this session. {ASK_A_PHYSICIAN}",
        "session",
    )
