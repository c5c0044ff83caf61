"""One supervised session, step by step (CLINIC.md §3.5): check in, assess, decide, administer,
sign off observation, or end without a dose. Each step is one transaction with its audit event.

The administration step runs the decision again inside its transaction, under a row lock on the
patient's DosingState, so two stations, a double click or a retried request cannot record a
second dose or exceed a limit (CLINIC.md §7 invariants 1-4): whoever comes second sees the first
dose in the history the engine reads.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.dosing.models import (
    OPEN_STATES,
    Administration,
    AssessmentKind,
    DosingSession,
    DosingState,
    ObservationSignOff,
    SessionAssessment,
    SessionDecision,
    SessionState,
)
from openhat.dosing.services.context import session_context
from openhat.dosing.sites import SITES_BY_ROUTE
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.pharmacy.services import issue_dose
from openhat.pharmacy.services.lookup import lot_of
from openhat.rules import snapshot
from openhat.rules.context import DoseRequest, SessionWindow
from openhat.rules.day import dosing_day
from openhat.rules.decide import decide
from openhat.rules.errors import ContextError
from openhat.rules.outcome import Decision

ADMINISTER_OPERATION = "dosing.administer"
CHECK_IN_OPERATION = "dosing.check_in"


def _session_for(actor: User, session_id: object, capability: Capability) -> DosingSession:
    try:
        pk = int(str(session_id))
    except ValueError:
        raise DomainError("invalid_id", "That is not a session number.", "session") from None
    session = DosingSession.objects.select_related("clinic", "patient").filter(pk=pk).first()
    if session is None:
        raise NotFound("session_not_found", "No such session in your clinics.", "session")
    try:
        require(actor, session.clinic, capability)
    except NotFound:
        raise NotFound("session_not_found", "No such session in your clinics.", "session") from None
    return session


def check_in(
    *,
    actor: User,
    patient: Patient,
    window: str,
    identity_confirmed: bool,
    idempotency_key: str | None = None,
) -> DosingSession:
    """The nurse has compared the person with the photo; the session opens."""
    require(actor, patient.clinic, Capability.ISSUE_DOSE)
    if window not in SessionWindow.__members__.values():
        raise DomainError("unknown_window", "Choose morning, midday or evening.", "window")
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
    now = clock.now()
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(actor, idempotency_key, CHECK_IN_OPERATION)
            if found is not None:
                return DosingSession.objects.get(pk=int(found.result_id))
        state, _ = DosingState.objects.get_or_create(
            patient=patient, defaults={"clinic": patient.clinic}
        )
        DosingState.objects.select_for_update().get(pk=state.pk)
        open_session = DosingSession.objects.filter(patient=patient, state__in=OPEN_STATES).first()
        if open_session is not None:
            raise Conflict(
                "session_open",
                f"{patient.client_code} already has an open session ({open_session.get_state_display().lower()}); "
                "finish or end it first.",
                "patient",
            )
        try:
            with transaction.atomic():
                session = DosingSession.objects.create(
                    clinic=patient.clinic,
                    patient=patient,
                    window=window,
                    dosing_day=dosing_day(now, patient.clinic.zone),
                    checked_in_at=now,
                    checked_in_by=actor,
                    identity_confirmed=True,
                )
        except IntegrityError:
            raise Conflict(
                "session_open", "This patient already has an open session.", "patient"
            ) from None
        record_event(
            AuditCode.SESSION_CHECKED_IN,
            actor=actor,
            clinic=patient.clinic,
            target=session,
            data={"client_code": patient.client_code, "window": window},
        )
        if idempotency_key:
            idempotency.remember_result(actor, idempotency_key, CHECK_IN_OPERATION, session)
        return session


def _score(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        score = int(str(value))
    except ValueError:
        raise DomainError(
            "sedation_score", "The sedation score is a whole number 1-4.", "sedation_score"
        ) from None
    if not 1 <= score <= 4:
        raise DomainError(
            "sedation_score", "The sedation score is a whole number 1-4.", "sedation_score"
        )
    return score


def _alcohol(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError(
            "breath_alcohol", "Breath alcohol is a number in mg/L.", "breath_alcohol_mg_per_l"
        ) from None
    if not amount.is_finite() or not Decimal(0) <= amount <= Decimal(5):
        raise DomainError(
            "breath_alcohol", "Breath alcohol is 0 to 5 mg/L.", "breath_alcohol_mg_per_l"
        )
    return amount.quantize(Decimal("0.01"))


def assess(
    *,
    actor: User,
    session_id: object,
    sedation_score: object,
    breath_alcohol_mg_per_l: object,
    signs: list[str] | tuple[str, ...] = (),
    notes: str = "",
) -> SessionAssessment:
    session = _session_for(actor, session_id, Capability.ISSUE_DOSE)
    score, alcohol = _score(sedation_score), _alcohol(breath_alcohol_mg_per_l)
    cleaned = [sign.strip()[:60] for sign in signs if sign and sign.strip()]
    with transaction.atomic():
        session = DosingSession.objects.select_for_update().get(pk=session.pk)
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


def _request(session: DosingSession, drug: str, route: str, dose_mg: object | None) -> DoseRequest:
    try:
        return DoseRequest(
            drug=drug,  # type: ignore[arg-type]
            route=route,  # type: ignore[arg-type]
            dose_mg=None if dose_mg in (None, "") else Decimal(str(dose_mg)),
            window=session.window,  # type: ignore[arg-type]
        )
    except (ContextError, InvalidOperation) as error:
        field = getattr(error, "field", "dose_mg")
        raise DomainError("invalid_dose_request", str(error), str(field).split(".")[-1]) from None


def _latest_assessment(session: DosingSession) -> SessionAssessment | None:
    return session.assessments.filter(kind=AssessmentKind.PRE_DOSE).order_by("-at", "-pk").first()


def _decide(session: DosingSession, request: DoseRequest) -> Decision:
    return decide(
        session_context(
            patient=session.patient,
            clinic=session.clinic,
            request=request,
            assessment=_latest_assessment(session),
            now=clock.now(),
        )
    )


def _store(
    session: DosingSession, decision: Decision, request: DoseRequest, actor: User
) -> SessionDecision:
    assert decision.context is not None
    return SessionDecision.objects.create(
        session=session,
        drug=request.drug,
        route=request.route,
        requested_mg=request.dose_mg,
        verdict=decision.verdict.value,
        max_dose_mg=decision.max_dose_mg,
        cap_mg=decision.cap_mg,
        observation_minutes=decision.observation_minutes,
        findings=[finding.as_dict() for finding in decision.findings],
        snapshot=snapshot.context_to_data(decision.context),
        result=decision.as_dict(),
        engine_version=decision.engine_version,
        preset_key=decision.preset_key,
        preset_hash=decision.preset_hash,
        at=clock.now(),
        by=actor,
    )


def decision_result(decision: Decision) -> dict[str, Any]:
    return {
        "verdict": decision.verdict.value,
        "max_dose_mg": str(decision.max_dose_mg),
        "cap_mg": str(decision.cap_mg),
        "observation_minutes": decision.observation_minutes,
        "rule_ids": [finding.rule_id for finding in decision.findings],
    }


def decide_session(
    *, actor: User, session_id: object, drug: str, route: str, dose_mg: object | None = None
) -> SessionDecision:
    """Ask the engine whether and how much may be given now; the answer is stored for the record."""
    session = _session_for(actor, session_id, Capability.ISSUE_DOSE)
    request = _request(session, drug, route, dose_mg)
    with transaction.atomic():
        session = (
            DosingSession.objects.select_for_update()
            .select_related("clinic", "patient")
            .get(pk=session.pk)
        )
        if session.state not in (SessionState.ASSESSED, SessionState.DECIDED):
            raise Conflict(
                "session_not_ready_for_decision",
                "Record the pre-dose assessment first."
                if session.state == SessionState.CHECKED_IN
                else "This session is past its decision.",
                "session",
            )
        decision = _decide(session, request)
        stored = _store(session, decision, request, actor)
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


def administer(
    *,
    actor: User,
    session_id: object,
    decision_id: object,
    dose_mg: object,
    site: str,
    lot_id: object,
    location_id: object,
    idempotency_key: str | None = None,
) -> Administration:
    """Record the dose given: the ledger issue and the administration, in one transaction."""
    session = _session_for(actor, session_id, Capability.ISSUE_DOSE)
    try:
        dose = Decimal(str(dose_mg))
    except InvalidOperation:
        raise DomainError("dose_not_a_number", "Enter the dose in mg.", "dose_mg") from None
    if not dose.is_finite() or dose <= 0:
        raise DomainError("dose_not_positive", "The dose is a number of mg above zero.", "dose_mg")
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(actor, idempotency_key, ADMINISTER_OPERATION)
            if found is not None:
                return Administration.objects.get(pk=int(found.result_id))
        # The patient's dosing-state row lock: a second station, a double click or a retry waits
        # here, then finds this dose in the history and the session no longer awaiting one.
        DosingState.objects.select_for_update().get(patient_id=session.patient_id)
        session = (
            DosingSession.objects.select_for_update()
            .select_related("clinic", "patient")
            .get(pk=session.pk)
        )
        if session.state != SessionState.DECIDED:
            if hasattr(session, "administration"):
                raise Conflict(
                    "already_administered",
                    "A dose was already recorded for this session (perhaps at another station).",
                    "session",
                )
            raise DomainError(
                "no_decision", "Ask for the decision before recording a dose.", "decision"
            )
        latest = session.decisions.order_by("-at", "-pk").first()
        if latest is None or str(latest.pk) != str(decision_id):
            raise Conflict(
                "stale_decision",
                "The decision on this form is not the latest for the session; ask again.",
                "decision",
            )
        sites = SITES_BY_ROUTE.get(latest.route, ())
        # Injected doses need one of the route's sites; oral and inhaled doses have none.
        if (site not in sites) if sites else bool(site):
            raise DomainError(
                "site_not_valid_for_route",
                f"{site or 'No site'} is not a site for a {latest.route} dose.",
                "site",
            )
        request = _request(session, latest.drug, latest.route, dose)
        again = _decide(session, request)
        if not again.allows_dose:
            raise DomainError(
                "dose_not_allowed",
                f"The rules say {again.verdict.value.replace('_', ' ')} now: "
                + "; ".join(
                    f.message
                    for f in again.findings
                    if f.severity.value in ("hold", "block", "not_due", "review")
                )[:400],
                "dose_mg",
            )
        if dose > again.max_dose_mg or dose > latest.max_dose_mg:
            raise DomainError(
                "dose_exceeds_decision",
                f"At most {min(again.max_dose_mg, latest.max_dose_mg).normalize():f} mg may be given now.",
                "dose_mg",
            )
        lot = lot_of(session.clinic, lot_id)
        if lot.product.drug != latest.drug:
            raise DomainError(
                "lot_wrong_drug", f"Lot {lot.lot_number} is not {latest.drug}.", "lot"
            )
        orders = again.context.orders if again.context is not None else ()
        order_line = next(
            (
                o
                for o in orders
                if o.drug == latest.drug and latest.route in o.routes and not o.suspended
            ),
            None,
        )
        if order_line is None:
            raise DomainError(
                "no_valid_order", "No active order covers this drug and route.", "decision"
            )
        issued = issue_dose(
            actor=actor,
            clinic=session.clinic,
            lot_id=lot.pk,
            location_id=location_id,
            amount=dose,
            unit="mg",
            patient=session.patient,
            dose_reference=f"session {session.pk}",
        ).first
        now = clock.now()
        administration = Administration.objects.create(
            session=session,
            clinic=session.clinic,
            patient=session.patient,
            decision=latest,
            order_line_id=int(order_line.order_id),
            drug=latest.drug,
            route=latest.route,
            site=site,
            dose_mg=dose,
            issued_entry=issued,
            administered_at=now,
            observe_until=now + timedelta(minutes=again.observation_minutes),
            nurse=actor,
        )
        session.state = SessionState.OBSERVING
        session.save(update_fields=["state"])
        DosingState.objects.filter(patient_id=session.patient_id).update(last_administered_at=now)
        record_event(
            AuditCode.DOSE_ADMINISTERED,
            actor=actor,
            clinic=session.clinic,
            target=administration,
            data={
                "session": session.pk,
                "dose_mg": str(dose),
                "drug": latest.drug,
                "route": latest.route,
                "site": site,
            },
        )
        if idempotency_key:
            idempotency.remember_result(
                actor, idempotency_key, ADMINISTER_OPERATION, administration
            )
        return administration


def sign_off(
    *,
    actor: User,
    session_id: object,
    sedation_score: object,
    notes: str = "",
) -> ObservationSignOff:
    """The post-dose assessment that ends observation; refused before the preset's minutes."""
    session = _session_for(actor, session_id, Capability.ISSUE_DOSE)
    score = _score(sedation_score)
    if score is None:
        raise DomainError(
            "sedation_score", "Record the post-dose sedation score (1-4).", "sedation_score"
        )
    with transaction.atomic():
        session = (
            DosingSession.objects.select_for_update().select_related("clinic").get(pk=session.pk)
        )
        if session.state != SessionState.OBSERVING:
            raise Conflict("not_in_observation", "This session is not in observation.", "session")
        now = clock.now()
        administration = session.administration
        if now < administration.observe_until:
            left = administration.observe_until - now
            raise DomainError(
                "observation_not_over",
                f"Observation runs {int(left.total_seconds() // 60) + 1} more minute(s).",
                "session",
            )
        assessment = SessionAssessment.objects.create(
            session=session,
            kind=AssessmentKind.POST_DOSE,
            sedation_score=score,
            notes=(notes or "").strip()[:2000],
            at=now,
            by=actor,
        )
        signed = ObservationSignOff.objects.create(
            session=session, assessment=assessment, at=now, by=actor
        )
        session.state = SessionState.COMPLETED
        session.ended_at = now
        session.save(update_fields=["state", "ended_at"])
        record_event(
            AuditCode.OBSERVATION_SIGNED_OFF,
            actor=actor,
            clinic=session.clinic,
            target=signed,
            data={"session": session.pk, "sedation_score": score},
        )
        return signed
