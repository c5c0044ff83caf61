"""The clinic's dosing windows (morning, midday, evening) in local time.

The hours are the clinic's opening times for supervised dosing, a setting
(`OPENHAT_DOSING_WINDOWS`), not a clinical rule: the rules engine checks intervals and counts.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings

from openhat.clinics.models import Clinic
from openhat.rules.context import SessionWindow

DEFAULT_WINDOWS: dict[str, tuple[str, str]] = {
    SessionWindow.MORNING: ("07:00", "10:30"),
    SessionWindow.MIDDAY: ("11:30", "14:30"),
    SessionWindow.EVENING: ("16:00", "20:00"),
}
ORDER = (SessionWindow.MORNING, SessionWindow.MIDDAY, SessionWindow.EVENING)


def window_hours() -> dict[str, tuple[time, time]]:
    configured = getattr(settings, "OPENHAT_DOSING_WINDOWS", None) or DEFAULT_WINDOWS
    return {
        str(name): (time.fromisoformat(start), time.fromisoformat(end))
        for name, (start, end) in configured.items()
    }


def window_bounds(clinic: Clinic, day: date, window: str) -> tuple[datetime, datetime]:
    start, end = window_hours()[str(window)]
    zone = clinic.zone
    return datetime.combine(day, start, zone), datetime.combine(day, end, zone)


def current_window(clinic: Clinic, now: datetime) -> SessionWindow:
    """The window open now, else the next one today, else the evening (after closing)."""
    local = now.astimezone(clinic.zone).time()
    hours = window_hours()
    for window in ORDER:
        if local < hours[window][1]:
            return window
    return SessionWindow.EVENING


def window_label(window: str) -> str:
    start, end = window_hours()[str(window)]
    return f"{str(window).capitalize()} {start:%H:%M}-{end:%H:%M}"
