"""When a patient's next dose becomes due, in a few words a nurse reads at a glance.

A preview for the board, not a decision: the engine decides at the session. It reads only what
the board already holds (today's doses, the open session, the order's sessions a day and windows,
the preset's minimum interval) and says "now", "after observation", "15:40", "not today: all 3
given" or "tomorrow". It never promises a dose the engine would refuse for these reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openhat.dosing.models import SessionState
from openhat.dosing.windows import ORDER

BEFORE_DOSE = (
    SessionState.CHECKED_IN,
    SessionState.ASSESSED,
    SessionState.DECIDED,
    SessionState.PREPARED,
)


@dataclass(frozen=True)
class NextDue:
    kind: str  # now, later, tomorrow, in_session, after_observation, after_sign_off, done_today,
    # no_order, suspended, not_today (a day other than today)
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class DueInputs:
    now: datetime
    zone: ZoneInfo
    window_bounds: Mapping[str, tuple[datetime, datetime]]  # today's windows
    order_windows: frozenset[str]  # the windows the order covers; empty: every window
    sessions_allowed: int  # the order's sessions a day, capped by the preset
    sessions_today: int  # sessions with a dose today
    last_dose_at: datetime | None
    min_interval: timedelta  # the preset's minimum time between sessions
    open_state: str | None = None  # the state of the patient's open session, if any
    observe_until: datetime | None = None  # of that open session


def next_due(inputs: DueInputs) -> NextDue:
    now = inputs.now
    if inputs.open_state == SessionState.OBSERVING:
        if inputs.observe_until is not None and now < inputs.observe_until:
            return NextDue("after_observation", "after observation", inputs.observe_until)
        return NextDue("after_sign_off", "after the observation sign-off")
    if inputs.open_state in BEFORE_DOSE:
        return NextDue("in_session", "in session now")
    if inputs.sessions_today >= inputs.sessions_allowed:
        allowed = inputs.sessions_allowed
        return NextDue("done_today", f"not today: all {allowed} given")
    earliest = now
    if inputs.last_dose_at is not None:
        earliest = max(now, inputs.last_dose_at + inputs.min_interval)
    for window in ORDER:
        if inputs.order_windows and window not in inputs.order_windows:
            continue
        start, end = inputs.window_bounds[window]
        moment = max(earliest, start)
        if moment >= end:
            continue
        if moment <= now:
            return NextDue("now", "now", now)
        local = moment.astimezone(inputs.zone)
        text = f"{local:%H:%M} ({window})" if moment == start else f"{local:%H:%M}"
        return NextDue("later", text, moment)
    return NextDue("tomorrow", "tomorrow")
