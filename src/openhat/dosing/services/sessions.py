"""One supervised session, step by step (docs/domain.md §3.5): check in, assess, decide, administer,
sign off observation, or end without a dose. Each step is one transaction with its audit event.

The administration step runs the decision again inside its transaction, under a row lock on the
patient's DosingState, so two stations, a double click or a retried request cannot record a
second dose or exceed a limit (docs/domain.md §7 invariants 1-4): whoever comes second sees the first
dose in the history the engine reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import (
    OPEN_STATES,
    AssessmentKind,
    DosingSession,
    DosingState,
    SessionAssessment,
    SessionDecision,
    SessionState,
)
from openhat.dosing.services import stale
from openhat.dosing.services.due_check import require_due_and_stocked
from openhat.dosing.services.sign_off import sign_off as sign_off
from openhat.dosing.services.steps import (
    ask_engine,
    breath_alcohol,
    decision_result,
    dose_request,
    locked_session,
    once,
    session_for,
    store_decision,
)
from openhat.dosing.services.steps import sedation_score as read_score
from openhat.dosing.services.window_guard import (
    check_in_window,
    named_window,
    require_window_open,
)
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.patients.records import refuse_merged
from openhat.rules.context import DoseRequest
from openhat.rules.day import dosing_day

CHECK_IN_OPERATION = "dosing.check_in"


def check_in(
    *,
    actor: User,
    patient: Patient,
    identity_confirmed: bool,
    window: str | None = None,
    idempotency_key: str | None = None,
) -> DosingSession:
    """The nurse has compared the person with the photo; the session opens in the window open now.

    The window is the clock's: a caller may name it (the API's `window`), and a name other than
    the open window is refused, as is a check-in outside the clinic's windows or the orders'.
    """
    require(actor, patient.clinic, Capability.RUN_SESSIONS)
    named = named_window(window)
    require_identity_and_enrolment(patient, identity_confirmed)
    now = clock.now()
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(
                actor, idempotency_key, f"{CHECK_IN_OPERATION}:{patient.pk}"
            )
            if found is not None:
                return DosingSession.objects.get(pk=int(found.result_id))
        opened = check_in_window(patient, now, named)
        session = open_session(
            actor,
            patient,
            opened,
            now,
            before_opening=lambda: require_due_and_stocked(patient, opened, now),
        )
        record_event(
            AuditCode.SESSION_CHECKED_IN,
            actor=actor,
            clinic=patient.clinic,
            target=session,
            data={"client_code": patient.client_code, "window": str(opened)},
        )
        if idempotency_key:
            idempotency.remember_result(
                actor, idempotency_key, f"{CHECK_IN_OPERATION}:{patient.pk}", session
            )
        return session


def require_identity_and_enrolment(patient: Patient, identity_confirmed: bool) -> None:
    if not identity_confirmed:
        raise DomainError(
            "identity_not_confirmed",
            "Confirm the person is the patient in the photo before checking them in.",
            "identity_confirmed",
        )
    if patient.status != PatientStatus.ENROLLED:
        raise DomainError(
            "patient_not_enrolled",
            f"{patient.client_code} is {patient.get_status_display().lower()}, not enrolled.",
            "patient",
        )


def open_session(
    actor: User,
    patient: Patient,
    window: str,
    now: datetime,
    before_opening: Callable[[], None] | None = None,
    **fields: Any,
) -> DosingSession:
    """The session row, under the patient's dosing-state lock; inside the caller's transaction.

    `before_opening` runs once no other session is open (that one is named first): the checks that
    may refuse the check-in (`due_check.require_due_and_stocked`)."""
    # The patient's dosing-state row lock (made on their first check-in): a second check-in
    # from another station waits here, then finds this session open.
    locking = DosingState.objects.select_for_update(no_key=True).filter(patient=patient)
    if not locking.values_list("patient_id", flat=True):
        DosingState.objects.get_or_create(patient=patient, defaults={"clinic": patient.clinic})
        locking.get()
    refuse_merged(patient)  # read under the lock a merge of this record also takes
    open_session = DosingSession.objects.filter(patient=patient, state__in=OPEN_STATES).first()
    if open_session is not None and stale.close_if_window_over(
        open_session, actor, "closed at the patient's next check-in: its window had ended"
    ):
        open_session = None
    if open_session is not None:
        raise Conflict(
            "session_open",
            f"{patient.client_code} already has an open session ({open_session.get_state_display().lower()}); "
            + (
                "it is stale: end it from the board's stale sessions, with a reason."
                if stale.is_stale(open_session, now)
                else "finish or end it first."
            ),
            "patient",
        )
    if before_opening is not None:
        before_opening()
    try:
        with transaction.atomic():
            return DosingSession.objects.create(
                clinic=patient.clinic,
                patient=patient,
                window=window,
                dosing_day=dosing_day(now, patient.clinic.zone),
                checked_in_at=now,
                checked_in_by=actor,
                identity_confirmed=True,
                **fields,
            )
    except IntegrityError:
        raise Conflict(
            "session_open", "This patient already has an open session.", "patient"
        ) from None


def assess(
    *,
    actor: User,
    session_id: object,
    sedation_score: object,
    breath_alcohol_mg_per_l: object,
    signs: list[str] | tuple[str, ...] = (),
    notes: str = "",
    idempotency_key: str | None = None,
) -> SessionAssessment:
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    score, alcohol = read_score(sedation_score), breath_alcohol(breath_alcohol_mg_per_l)
    cleaned = [sign.strip()[:60] for sign in signs if sign and sign.strip()][:20]

    def work() -> SessionAssessment:
        return _assess(actor, session, score, alcohol, cleaned, notes)

    return once(actor, idempotency_key, f"dosing.assess:{session.pk}", SessionAssessment, work)


def _assess(
    actor: User,
    session: DosingSession,
    score: int | None,
    alcohol: Decimal | None,
    cleaned: list[str],
    notes: str,
) -> SessionAssessment:
    session = locked_session(session)
    if session.state not in (
        SessionState.CHECKED_IN,
        SessionState.ASSESSED,
        SessionState.DECIDED,
    ):
        raise Conflict(
            "session_not_open_for_assessment", "This session is past its assessment.", "session"
        )
    row = SessionAssessment.objects.create(
        session=session,
        kind=AssessmentKind.PRE_DOSE,
        sedation_score=score,
        breath_alcohol_mg_per_l=alcohol,
        signs=cleaned,
        notes=(notes or "").strip()[:2000],
        at=clock.now(),
        by=actor,
    )
    session.state = SessionState.ASSESSED
    session.save(update_fields=["state"])
    record_event(
        AuditCode.SESSION_ASSESSED,
        actor=actor,
        clinic=session.clinic,
        target=row,
        data={"session": session.pk, "sedation_score": score, "breath_alcohol": str(alcohol)},
    )
    return row


def decide_session(
    *,
    actor: User,
    session_id: object,
    drug: str,
    route: str,
    dose_mg: object | None = None,
    idempotency_key: str | None = None,
) -> SessionDecision:
    """Ask the engine whether and how much may be given now; the answer is stored for the record."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    request = dose_request(session, drug, route, dose_mg)

    def work() -> SessionDecision:
        return _decide(actor, locked_session(session), request)

    return once(actor, idempotency_key, f"dosing.decide:{session.pk}", SessionDecision, work)


def _decide(actor: User, session: DosingSession, request: DoseRequest) -> SessionDecision:
    if session.state not in (SessionState.ASSESSED, SessionState.DECIDED):
        raise Conflict(
            "session_not_ready_for_decision",
            "Record the pre-dose assessment first."
            if session.state == SessionState.CHECKED_IN
            else "This session is past its decision.",
            "session",
        )
    require_window_open(session, clock.now())
    decision = ask_engine(session, request)
    stored = store_decision(session, decision, request, actor)
    session.state = SessionState.DECIDED
    session.save(update_fields=["state"])
    record_event(
        AuditCode.SESSION_DECIDED,
        actor=actor,
        clinic=session.clinic,
        target=stored,
        data={"session": session.pk, **decision_result(decision)},
    )
    return stored


def session_viewed(*, actor: User, session: DosingSession) -> None:
    """A session's screens, and its detail over the API, show the patient's dosing record (today's
    doses, orders, decisions): each showing is logged, as the day sheet's is."""
    require(actor, session.clinic_id, Capability.VIEW_DOSING)
    with transaction.atomic():
        record_access(actor=actor, patient=session.patient, record=AccessedRecord.DOSING_RECORD)
