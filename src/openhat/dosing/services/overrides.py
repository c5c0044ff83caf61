"""A physician lifts a hold or cap for one session (docs/domain.md §5 "Overrides").

The physician names the findings to lift, writes a reason and enters a current second-factor
code, at the station (signing in on the nurse's screen) or from their own device. The override
is stored, the decision is asked again with it and stored, and the administration that follows
links the override it relied on. Hard limits (no order, sessions per day, the daily maximum, an
open observation) cannot be lifted. The physician states the dose the override allows; the new
decision is capped at it, so lifting a reduced cap never hands out the order's full dose.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import DosingSession, SessionDecision, SessionOverride, SessionState
from openhat.dosing.services.steps import (
    ask_engine,
    clean_notes,
    decision_result,
    dose_request,
    locked_session,
    once,
    positive_mg,
    require_latest_decision,
    session_for,
    store_decision,
)
from openhat.prescribing.services.signing import fresh_second_factor

# Findings that limit or stop a dose; advisories and info need no override.
LIFTABLE_SEVERITIES = frozenset({"hold", "review", "cap", "reduce"})
VIA = ("station", "remote")
OPERATION = "dosing.override"


def liftable_findings(decision: SessionDecision) -> list[dict[str, object]]:
    return [
        finding
        for finding in decision.findings
        if finding.get("overridable")
        and not finding.get("overridden")
        and finding.get("severity") in LIFTABLE_SEVERITIES
    ]


def _earlier(actor: User, key: str | None, session: DosingSession) -> SessionDecision | None:
    if not key:
        return None
    with transaction.atomic():
        found = idempotency.previous_result(actor, key, f"{OPERATION}:{session.pk}")
    return None if found is None else SessionDecision.objects.get(pk=int(found.result_id))


def hard_limit(decision: SessionDecision) -> tuple[Decimal, str] | None:
    """The lowest cap no override can lift (the order's dose, the daily maximum, ...) with the
    message of the finding that sets it; None when the decision has no such cap."""
    caps = [
        (Decimal(str(finding["cap_mg"])), str(finding.get("message") or finding["rule_id"]))
        for finding in decision.findings
        if not finding.get("overridable") and finding.get("cap_mg") is not None
    ]
    return min(caps, key=lambda item: item[0]) if caps else None


def _refuse_above_limit(latest: SessionDecision, allowed: Decimal) -> None:
    limit = hard_limit(latest)
    if limit is not None and allowed > limit[0]:
        raise DomainError(
            "override_dose_above_limit",
            f"An override allows at most {limit[0].normalize():f} mg here, which no override can "
            f"raise ({limit[1]}); {allowed.normalize():f} mg is more.",
            "allowed_dose_mg",
        )


def _refuse_unless_liftable(
    session: DosingSession, decision_id: object, chosen: list[str]
) -> SessionDecision:
    if session.state != SessionState.DECIDED:
        raise Conflict(
            "session_not_awaiting_dose",
            "Only a session waiting at its decision can be overridden.",
            "session",
        )
    latest = require_latest_decision(session, decision_id)
    liftable = {str(finding["rule_id"]) for finding in liftable_findings(latest)}
    present = {str(finding["rule_id"]) for finding in latest.findings}
    unknown = [rule for rule in chosen if rule not in present]
    if unknown:
        raise DomainError(
            "override_no_such_finding",
            f"The decision has no finding {', '.join(unknown)}; an override names findings of "
            "the decision it lifts"
            + (f" (liftable now: {', '.join(sorted(liftable))})." if liftable else "."),
            "rule_ids",
        )
    refused = [rule for rule in chosen if rule not in liftable]
    if refused:
        raise DomainError(
            "not_overridable",
            f"{', '.join(refused)} cannot be lifted by an override here"
            + (f"; liftable now: {', '.join(sorted(liftable))}." if liftable else "."),
            "rule_ids",
        )
    return latest


def override_session(
    *,
    actor: User,
    session_id: object,
    decision_id: object,
    rule_ids: Iterable[str],
    reason: str,
    totp_code: str | None,
    allowed_dose_mg: object = None,
    via: str = "remote",
    idempotency_key: str | None = None,
) -> SessionDecision:
    """Store the override and the decision asked again with it; returns the new decision.

    The physician states the dose they allow (`allowed_dose_mg`): the new decision is capped at
    it, and it may not be above the order's dose or another limit no override can lift."""
    session = session_for(actor, session_id, Capability.OVERRIDE_DOSE)
    if via not in VIA:
        raise DomainError("unknown_via", "An override is given at the station or remotely.", "via")
    text = clean_notes(reason)
    if len(text) < 10:
        raise DomainError(
            "override_reason_required",
            "Write the clinical reason for the override (at least a sentence).",
            "reason",
        )
    chosen = sorted({str(rule).strip() for rule in rule_ids if str(rule).strip()})
    if not chosen:
        raise DomainError(
            "override_rules_required", "Choose the finding(s) the override lifts.", "rule_ids"
        )

    if allowed_dose_mg in (None, ""):
        raise DomainError(
            "override_dose_required",
            "State the largest dose the override allows, in mg.",
            "allowed_dose_mg",
        )
    allowed = positive_mg(allowed_dose_mg, "allowed_dose_mg")

    # The key is held from the look for an earlier attempt to the commit: a retry sent while the
    # first is between its code and its override waits for it, then answers with its decision.
    with idempotency.key_held(actor, idempotency_key):
        earlier = _earlier(actor, idempotency_key, session)
        if earlier is not None:  # a retry: the code it carries was already used by the first
            return earlier
        # Checked before the code is used, so a refused override does not spend it; checked again
        # under the lock below.
        _refuse_above_limit(_refuse_unless_liftable(session, decision_id, chosen), allowed)
        # Outside the transaction, as when signing an order: a wrong code stays on record (its
        # audit event and the device's throttling) although nothing else is written. Inside it, the
        # rollback would erase both and let codes be guessed here without limit.
        verified_at = fresh_second_factor(actor, totp_code)

        def work() -> SessionDecision:
            locked = locked_session(session)
            latest = _refuse_unless_liftable(locked, decision_id, chosen)
            _refuse_above_limit(latest, allowed)
            override = SessionOverride.objects.create(
                session=locked,
                decision=latest,
                rule_ids=chosen,
                allowed_dose_mg=allowed,
                reason=text,
                physician=actor,
                second_factor_verified_at=verified_at,
                via=via,
                at=clock.now(),
            )
            request = dose_request(locked, latest.drug, latest.route, latest.requested_mg)
            decision = ask_engine(locked, request)
            stored = store_decision(locked, decision, request, actor)
            record_event(
                AuditCode.DOSE_OVERRIDE,
                actor=actor,
                clinic=locked.clinic,
                target=override,
                data={
                    "session": locked.pk,
                    "lifted": chosen,
                    "allowed_dose_mg": str(allowed),
                    "reason": text,
                    "via": via,
                    "decision_before": latest.pk,
                    "decision_after": stored.pk,
                    **decision_result(decision),
                },
            )
            return stored

        return once(actor, idempotency_key, f"{OPERATION}:{session.pk}", SessionDecision, work)
