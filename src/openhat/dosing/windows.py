"""The clinic's dosing windows (morning, midday, evening) in local time.

The hours are clinic settings (`Clinic.morning_opens` ... `evening_closes`), kept by the clinic's
manager: the opening times for supervised dosing, not a clinical rule (the rules engine checks
intervals and counts). The window of a check-in is the clock's, never the caller's: the one open
at the clinic's local time now (docs/domain.md §3.5).
"""

from __future__ import annotations

from datetime import date, datetime, time

from openhat.clinics.models import Clinic
from openhat.rules.context import SessionWindow

ORDER = (SessionWindow.MORNING, SessionWindow.MIDDAY, SessionWindow.EVENING)


def window_hours(clinic: Clinic) -> dict[str, tuple[time, time]]:
    return clinic.window_hours()


def window_bounds(clinic: Clinic, day: date, window: str) -> tuple[datetime, datetime]:
    start, end = window_hours(clinic)[str(window)]
    zone = clinic.zone
    return datetime.combine(day, start, zone), datetime.combine(day, end, zone)


def open_window(clinic: Clinic, now: datetime) -> SessionWindow | None:
    """The window open at `now` in the clinic's time (opening time included, closing excluded)."""
    local = now.astimezone(clinic.zone).time()
    hours = window_hours(clinic)
    for window in ORDER:
        opens, closes = hours[window]
        if opens <= local < closes:
            return window
    return None


def current_window(clinic: Clinic, now: datetime) -> SessionWindow:
    """The window open now, else the next one today, else the evening (after closing)."""
    local = now.astimezone(clinic.zone).time()
    hours = window_hours(clinic)
    for window in ORDER:
        if local < hours[window][1]:
            return window
    return SessionWindow.EVENING


def window_label(clinic: Clinic, window: str) -> str:
    start, end = window_hours(clinic)[str(window)]
    return f"{str(window).capitalize()} {start:%H:%M}-{end:%H:%M}"


def windows_text(clinic: Clinic) -> str:
    """All the clinic's windows in a few words: "07:00-10:30, 11:30-14:30 and 16:00-20:00"."""
    spans = [f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in window_hours(clinic).values()]
    return ", ".join(spans[:-1]) + " and " + spans[-1]
