"""Sessions left open (docs/domain.md §3.5): a crash, a closed tab or a patient who walked out leaves a
session unfinished, and one open session per patient blocks the patient's next check-in.

A session is stale when its window has ended, or when nothing has happened in it for
`OPENHAT_STALE_SESSION_MINUTES` (counted from the check-in, or from the end of the observation
once a dose was given). The board lists stale sessions; a nurse ends one with a written reason.
Once its window has ended, an unfinished session is closed as "not completed": by
`openhat sessions close-stale` (run it after each window, e.g. from cron), or by the patient's
next check-in. Either way the closing is a `not_completed` SessionException row with its audit
event, in one transaction.

A session with a drawn dose is never closed without a person: the drawn mg must be wasted in
front of a witness (docs/domain.md §7 invariant 4), so only a nurse with a witness ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import (
    OPEN_STATES,
    DosingSession,
    DosingState,
    ExceptionKind,
    SessionException,
    SessionState,
)
from openhat.dosing.services.exceptions import _audit, _waste_drawn
from openhat.dosing.services.steps import (
    clean_notes,
    current_preparation,
    locked_session,
    once,
    session_for,
)
from openhat.dosing.windows import window_bounds

DEFAULT_STALE_MINUTES = 120
NOT_COMPLETED = "Not completed"


def stale_minutes() -> int:
    return int(getattr(settings, "OPENHAT_STALE_SESSION_MINUTES", DEFAULT_STALE_MINUTES))


def window_end(session: DosingSession) -> datetime:
    return window_bounds(session.clinic, session.dosing_day, session.window)[1]


def _last_step(session: DosingSession) -> datetime:
    given = getattr(session, "administration", None)
    return max(session.checked_in_at, given.observe_until) if given else session.checked_in_at


def is_stale(session: DosingSession, now: datetime) -> bool:
    if session.state not in OPEN_STATES:
        return False
    if now >= window_end(session):
        return True
    return now - _last_step(session) >= timedelta(minutes=stale_minutes())


def closable_without_a_person(session: DosingSession, now: datetime) -> bool:
    """The window is over, no dose is drawn and not given, and any observation has run out."""
    if session.state not in OPEN_STATES or now < window_end(session):
        return False
    if session.state == SessionState.PREPARED:
        return False
    given = getattr(session, "administration", None)
    return given is None or now >= given.observe_until


@dataclass(frozen=True)
class StaleSession:
    session_id: int
    client_code: str
    state: str
    window: str
    dosing_day: object
    checked_in_at: datetime
    window_over: bool
    drawn: bool  # a drawn dose waits: ending it needs a witness


def stale_sessions(clinic: Clinic, now: datetime) -> list[StaleSession]:
    """The clinic's open sessions that are stale, oldest first."""
    rows = (
        DosingSession.objects.filter(clinic=clinic, state__in=OPEN_STATES)
        .select_related("clinic", "patient", "administration")
        .order_by("checked_in_at", "pk")
    )
    return [
        StaleSession(
            session_id=row.pk,
            client_code=row.patient.client_code,
            state=row.get_state_display(),
            window=row.window,
            dosing_day=row.dosing_day,
            checked_in_at=row.checked_in_at,
            window_over=now >= window_end(row),
            drawn=row.state == SessionState.PREPARED,
        )
        for row in rows
        if is_stale(row, now)
    ]


def _close(
    session: DosingSession, actor: User | None, notes: str, witness: User | None
) -> SessionException:
    """Under the caller's locks: the session ends as not completed, with its record."""
    now = clock.now()
    waste = None
    preparation = current_preparation(session)
    if preparation is not None:
        assert actor is not None  # only a nurse ends a session with a drawn dose
        waste = _waste_drawn(
            actor, session, preparation, witness, "drawn, not given: not completed"
        )
    row = SessionException.objects.create(
        session=session,
        kind=ExceptionKind.NOT_COMPLETED,
        notes=notes,
        waste_entry=waste,
        witness=witness if waste is not None else None,
        at=now,
        by=actor,
    )
    given = getattr(session, "administration", None)
    session.state = SessionState.COMPLETED if given is not None else SessionState.NO_DOSE
    session.ended_at = now
    session.end_reason = NOT_COMPLETED if given is None else f"{NOT_COMPLETED}: not signed off"
    session.save(update_fields=["state", "ended_at", "end_reason"])
    _audit(actor, session, row)  # type: ignore[arg-type]
    return row


def end_stale_session(
    *,
    actor: User,
    session_id: object,
    reason: str,
    witness: User | None = None,
    idempotency_key: str | None = None,
) -> SessionException:
    """A nurse ends a stale session with a written reason; a drawn dose is wasted, witnessed."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    text = clean_notes(reason)
    if not text:
        raise DomainError("notes_required", "Say why the session is ended.", "notes")

    def work() -> SessionException:
        DosingState.objects.select_for_update(no_key=True).get(patient_id=session.patient_id)
        locked = locked_session(session)
        if locked.state not in OPEN_STATES:
            raise Conflict("session_not_open", "This session has already ended.", "session")
        if not is_stale(locked, clock.now()):
            raise Conflict(
                "session_not_stale",
                "This session is still in progress; finish it on its screens, or end it there.",
                "session",
            )
        return _close(locked, actor, text, witness)

    operation = f"dosing.end_stale:{session.pk}"
    return once(actor, idempotency_key, operation, SessionException, work)


def close_if_window_over(session: DosingSession, actor: User | None, why: str) -> bool:
    """Under the caller's lock on the patient's dosing state: close `session` as not completed
    when its window has ended and nothing needs a person; whether it was closed."""
    locked = locked_session(session)
    if not closable_without_a_person(locked, clock.now()):
        return False
    _close(locked, actor, why, None)
    return True


def close_stale_sessions(clinic: Clinic | None = None) -> tuple[list[int], list[int]]:
    """Close every open session whose window has ended (the command). Returns the sessions
    closed and those left for a nurse (a drawn dose to waste, or an observation still running)."""
    closed: list[int] = []
    left: list[int] = []
    rows = DosingSession.objects.filter(state__in=OPEN_STATES).select_related("clinic")
    if clinic is not None:
        rows = rows.filter(clinic=clinic)
    now = clock.now()
    for session in rows.order_by("pk"):
        if now < window_end(session):
            continue
        with transaction.atomic():
            DosingState.objects.select_for_update(no_key=True).get(patient_id=session.patient_id)
            if locked_session(session).state not in OPEN_STATES:
                continue  # a nurse finished or ended it meanwhile
            why = "closed after the window ended (openhat sessions close-stale)"
            (closed if close_if_window_over(session, None, why) else left).append(session.pk)
    return closed, left
