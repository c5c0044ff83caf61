"""When a session does not go to plan (docs/domain.md §3.5 step 7): refused, held, left before the
dose, left before observation ended, vomited an oral dose, a spilled dose (witnessed waste).

Each is an append-only SessionException row written with its audit event in one transaction. A
prepared dose never simply vanishes: ending a session with a drawn dose, or a spill, books the
drawn mg to waste with a witness (docs/domain.md §7 invariant 4).
"""

from __future__ import annotations

from django.contrib.auth.models import User

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import (
    ENDS_WITHOUT_DOSE,
    DosePreparation,
    DosingSession,
    DosingState,
    ExceptionKind,
    SessionException,
    SessionState,
)
from openhat.dosing.services.ledger_guard import station_adjusting
from openhat.dosing.services.steps import (
    clean_notes,
    current_preparation,
    locked_session,
    once,
    session_for,
)
from openhat.pharmacy.models import LedgerEntry
from openhat.pharmacy.services import record_waste
from openhat.pharmacy.services.witness import check_witness

BEFORE_DOSE = (
    SessionState.CHECKED_IN,
    SessionState.ASSESSED,
    SessionState.DECIDED,
    SessionState.PREPARED,
)


def _waste_drawn(
    actor: User,
    session: DosingSession,
    preparation: DosePreparation,
    witness: User | None,
    why: str,
) -> LedgerEntry:
    check_witness(session.clinic, actor, witness, required=True)
    token = station_adjusting.set(True)
    try:
        movement = record_waste(
            actor=actor,
            clinic=session.clinic,
            lot_id=preparation.lot_id,
            location_id=preparation.location_id,
            amount=preparation.dose_mg,
            unit="mg",
            reason=why,
            witness=witness,
            issued_entry_id=preparation.issued_entry_id,
        )
    finally:
        station_adjusting.reset(token)
    return movement.entries[-1]


def _audit(actor: User, session: DosingSession, row: SessionException) -> None:
    record_event(
        AuditCode.SESSION_EXCEPTION,
        actor=actor,
        clinic=session.clinic,
        target=row,
        data={
            "session": session.pk,
            "kind": row.kind,
            "waste_entry": row.waste_entry_id,
            "witness": row.witness.get_username() if row.witness else None,
        },
    )


def end_without_dose(
    *,
    actor: User,
    session_id: object,
    kind: str,
    notes: str = "",
    witness: User | None = None,
    idempotency_key: str | None = None,
) -> SessionException:
    """Refused, held, or left before the dose. A dose already drawn is wasted, witnessed."""
    if kind not in ENDS_WITHOUT_DOSE:
        raise DomainError(
            "unknown_exception",
            "Choose refused, held or left before the dose.",
            "kind",
        )
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    text = clean_notes(notes)
    if kind == ExceptionKind.HELD and not text:
        raise DomainError("notes_required", "Say why the dose is held.", "notes")

    def work() -> SessionException:
        DosingState.objects.select_for_update(no_key=True).get(patient_id=session.patient_id)
        locked = locked_session(session)
        if locked.state not in BEFORE_DOSE:
            raise Conflict(
                "session_past_dose",
                "This session already has a dose recorded or has ended.",
                "session",
            )
        preparation = current_preparation(locked)
        waste = None
        if preparation is not None:
            label = ExceptionKind(kind).label.lower()
            waste = _waste_drawn(actor, locked, preparation, witness, f"drawn, not given: {label}")
        now = clock.now()
        row = SessionException.objects.create(
            session=locked,
            kind=kind,
            notes=text,
            waste_entry=waste,
            witness=witness if waste is not None else None,
            at=now,
            by=actor,
        )
        locked.state = SessionState.NO_DOSE
        locked.ended_at = now
        locked.end_reason = ExceptionKind(kind).label
        locked.save(update_fields=["state", "ended_at", "end_reason"])
        _audit(actor, locked, row)
        return row

    return once(
        actor, idempotency_key, f"dosing.end_without_dose:{session.pk}", SessionException, work
    )


def record_spill(
    *,
    actor: User,
    session_id: object,
    witness: User | None,
    notes: str = "",
    idempotency_key: str | None = None,
) -> SessionException:
    """The drawn dose was spilled: all of it is wasted, witnessed; a new dose may be drawn."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    text = clean_notes(notes)

    def work() -> SessionException:
        DosingState.objects.select_for_update(no_key=True).get(patient_id=session.patient_id)
        locked = locked_session(session)
        preparation = current_preparation(locked)
        if locked.state != SessionState.PREPARED or preparation is None:
            raise Conflict("nothing_drawn", "No drawn dose in this session to spill.", "session")
        waste = _waste_drawn(actor, locked, preparation, witness, f"spilled: {text}"[:200])
        row = SessionException.objects.create(
            session=locked,
            kind=ExceptionKind.SPILLED,
            notes=text,
            preparation=preparation,
            waste_entry=waste,
            witness=witness,
            at=clock.now(),
            by=actor,
        )
        locked.state = SessionState.DECIDED
        locked.save(update_fields=["state"])
        _audit(actor, locked, row)
        return row

    return once(actor, idempotency_key, f"dosing.spill:{session.pk}", SessionException, work)


def record_left_early(
    *, actor: User, session_id: object, notes: str = "", idempotency_key: str | None = None
) -> SessionException:
    """The patient left before observation ended: the observation closes on that record."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    text = clean_notes(notes)

    def work() -> SessionException:
        locked = locked_session(session)
        if locked.state != SessionState.OBSERVING:
            raise Conflict("not_in_observation", "This session is not in observation.", "session")
        now = clock.now()
        row = SessionException.objects.create(
            session=locked, kind=ExceptionKind.LEFT_EARLY, notes=text, at=now, by=actor
        )
        locked.state = SessionState.COMPLETED
        locked.ended_at = now
        locked.end_reason = ExceptionKind.LEFT_EARLY.label
        locked.save(update_fields=["state", "ended_at", "end_reason"])
        _audit(actor, locked, row)
        return row

    return once(actor, idempotency_key, f"dosing.left_early:{session.pk}", SessionException, work)


def record_vomited(
    *, actor: User, session_id: object, notes: str = "", idempotency_key: str | None = None
) -> SessionException:
    """An oral dose was vomited. Recorded for the physician; no dose is repeated automatically."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    text = clean_notes(notes)

    def work() -> SessionException:
        locked = locked_session(session)
        given = getattr(locked, "administration", None)
        if given is None:
            raise Conflict("no_dose_given", "No dose was given in this session.", "session")
        if given.route != "oral":
            raise DomainError(
                "not_an_oral_dose",
                "Vomiting is recorded against an oral dose; this dose was "
                f"{given.route}. Record an adverse event instead.",
                "session",
            )
        if locked.exceptions.filter(kind=ExceptionKind.VOMITED).exists():
            raise Conflict("already_recorded", "Vomiting is already recorded.", "session")
        row = SessionException.objects.create(
            session=locked, kind=ExceptionKind.VOMITED, notes=text, at=clock.now(), by=actor
        )
        _audit(actor, locked, row)
        return row

    return once(actor, idempotency_key, f"dosing.vomited:{session.pk}", SessionException, work)
