"""What the station's steps share: finding a session, reading inputs, asking the engine.

Every step that may lead to a dose asks the engine again with the session's overrides, the
patient's history and recent adverse events, so what is recorded always fits the rules in force
at the moment of writing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import models, transaction

from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import bounds, clock, idempotency
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.dosing.models import (
    AssessmentKind,
    DosePreparation,
    DosingSession,
    SessionAssessment,
    SessionDecision,
    SessionOverride,
)
from openhat.dosing.services.context import session_context
from openhat.dosing.services.window_guard import require_window_open
from openhat.rules import snapshot
from openhat.rules.context import DoseRequest, Override
from openhat.rules.decide import decide
from openhat.rules.errors import ContextError
from openhat.rules.outcome import Decision

# Findings severities that stop a dose; the ones a physician may lift are marked overridable.
STOPPING = ("hold", "block", "not_due", "review")


def session_for(actor: User, session_id: object, capability: Capability) -> DosingSession:
    """The session, if `actor` may take this step in its clinic.

    `session_id` is the session's number, or the session itself when the caller has just read
    it (the API and the pages read it to scope it to their clinic): it is not read again. The
    steps lock and re-read their row anyway before they write.
    """
    if isinstance(session_id, DosingSession):
        session: DosingSession | None = session_id
    else:
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


def locked_session(session: DosingSession) -> DosingSession:
    # of=("self",): lock the session row only. A lock with select_related locks the joined clinic
    # row too, which serialises every station of the clinic. no_key: FOR NO KEY UPDATE leaves the
    # key-share lock free that another transaction's foreign-key check takes at commit; FOR UPDATE
    # would deadlock with a transaction that holds the clinic's audit-chain lock and is committing
    # rows that reference this one (tests/audit/test_lock_order.py).
    return (
        DosingSession.objects.select_for_update(no_key=True, of=("self",))
        .select_related("clinic", "patient")
        .get(pk=session.pk)
    )


def sedation_score(value: object) -> int | None:
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


def breath_alcohol(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    amount = bounds.typed_number(
        value,
        "breath_alcohol_mg_per_l",
        code="breath_alcohol",
        message="Breath alcohol is a number in mg/L.",
    )
    if not Decimal(0) <= amount <= Decimal(5):
        raise DomainError(
            "breath_alcohol", "Breath alcohol is 0 to 5 mg/L.", "breath_alcohol_mg_per_l"
        )
    return amount.quantize(Decimal("0.01"))


def positive_mg(value: object, field: str = "dose_mg") -> Decimal:
    amount = bounds.typed_number(
        value, field, code="dose_not_a_number", message="Enter the dose in mg, e.g. 150."
    )
    if amount <= 0:
        raise DomainError("dose_not_positive", "The dose is a number of mg above zero.", field)
    if amount > Decimal(5000) or amount != amount.quantize(Decimal("0.001")):
        raise DomainError("dose_out_of_range", "The dose is at most 5000 mg, to 3 decimals.", field)
    return amount


def clean_notes(notes: object, limit: int = 2000) -> str:
    return str(notes or "").strip()[:limit]


def dose_request(
    session: DosingSession, drug: str, route: str, dose_mg: object | None
) -> DoseRequest:
    try:
        return DoseRequest(
            drug=drug,  # type: ignore[arg-type]
            route=route,  # type: ignore[arg-type]
            # Bounded like every dose the station records: a number the columns can hold.
            dose_mg=None if dose_mg in (None, "") else positive_mg(dose_mg),
            window=session.window,  # type: ignore[arg-type]
        )
    except (ContextError, InvalidOperation) as error:
        field = getattr(error, "field", "dose_mg")
        raise DomainError("invalid_dose_request", str(error), str(field).split(".")[-1]) from None


def latest_assessment(session: DosingSession) -> SessionAssessment | None:
    return session.assessments.filter(kind=AssessmentKind.PRE_DOSE).order_by("-at", "-pk").first()


def latest_decision(session: DosingSession) -> SessionDecision | None:
    return session.decisions.order_by("-at", "-pk").first()


def current_preparation(session: DosingSession) -> DosePreparation | None:
    """The dose drawn and not yet given, spilled or discarded."""
    return (
        session.preparations.filter(administration__isnull=True, spill__isnull=True)
        .order_by("-at", "-pk")
        .first()
    )


def session_overrides(session: DosingSession) -> tuple[Override, ...]:
    return tuple(
        Override(
            rule_ids=frozenset(row.rule_ids),
            reason=row.reason,
            physician=row.physician.get_username(),
            allowed_dose_mg=row.allowed_dose_mg,
        )
        for row in SessionOverride.objects.filter(session=session).select_related("physician")
    )


def ask_engine(session: DosingSession, request: DoseRequest) -> Decision:
    return decide(
        session_context(
            patient=session.patient,
            clinic=session.clinic,
            request=request,
            assessment=latest_assessment(session),
            now=clock.now(),
            overrides=session_overrides(session),
        )
    )


def store_decision(
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


def require_latest_decision(session: DosingSession, decision_id: object) -> SessionDecision:
    latest = latest_decision(session)
    if latest is None:
        raise DomainError(
            "no_decision", "Ask for the decision before recording a dose.", "decision"
        )
    if str(latest.pk) != str(decision_id).strip():
        raise Conflict(
            "stale_decision",
            "The decision on this form is not the latest for the session (another station or a "
            "physician changed it); look at the new decision and try again.",
            "decision",
        )
    return latest


def checked_again(session: DosingSession, latest: SessionDecision, dose: Decimal) -> Decision:
    """The decision re-run now, inside the caller's transaction and lock; refuses what it forbids
    (and a dose after the session's window closed).

    It is asked for the dose the decision was asked for: a reduction takes its share off the
    requested dose, so asking again with the already reduced dose being given would reduce it a
    second time and refuse every reduced dose.
    """
    require_window_open(session, clock.now())
    again = ask_engine(
        session, dose_request(session, latest.drug, latest.route, latest.requested_mg)
    )
    if not again.allows_dose:
        reasons = "; ".join(f.message for f in again.findings if f.severity.value in STOPPING)
        raise DomainError(
            "dose_not_allowed",
            f"The rules say {again.verdict.value.replace('_', ' ')} now: {reasons}"[:500],
            "dose_mg",
        )
    allowed = min(again.max_dose_mg, latest.max_dose_mg)
    if dose > allowed:
        raise DomainError(
            "dose_exceeds_decision",
            f"At most {allowed.normalize():f} mg may be given now; {dose.normalize():f} mg is more.",
            "dose_mg",
        )
    return again


Row = TypeVar("Row", bound=models.Model)


def once(
    actor: User,
    key: str | None,
    operation: str,
    model: type[Row],
    work: Callable[[], Row],
) -> Row:
    """Run `work` in one transaction, or return what the same key's first run wrote."""
    with transaction.atomic():
        if key:
            found = idempotency.previous_result(actor, key, operation)
            if found is not None:
                return model._default_manager.get(pk=int(found.result_id))
        row = work()
        if key:
            idempotency.remember_result(actor, key, operation, row)
        return row
