"""Suspending, resuming and stopping an order line: each an append-only event with a reason."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core.errors import DomainError
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderEvent, OrderEventKind, OrderLine, OrderState
from openhat.prescribing.services.inputs import MAX_TEXT_LENGTH
from openhat.prescribing.services.signing import fresh_second_factor

# kind: (states it may follow, state it leads to, audit code)
_TRANSITIONS = {
    OrderEventKind.SUSPENDED: (
        (OrderState.ACTIVE,),
        OrderState.SUSPENDED,
        AuditCode.ORDER_SUSPENDED,
    ),
    OrderEventKind.RESUMED: ((OrderState.SUSPENDED,), OrderState.ACTIVE, AuditCode.ORDER_RESUMED),
    OrderEventKind.STOPPED: (
        (OrderState.ACTIVE, OrderState.SUSPENDED),
        OrderState.STOPPED,
        AuditCode.ORDER_STOPPED,
    ),
}


def _change(actor: User, line: OrderLine, kind: OrderEventKind, reason: str) -> OrderEvent:
    text = (reason or "").strip()
    if not text:
        raise DomainError("reason_required", "Write the reason.", "reason")
    if len(text) > MAX_TEXT_LENGTH:
        raise DomainError(
            "reason_too_long", f"The reason has at most {MAX_TEXT_LENGTH} characters.", "reason"
        )
    allowed_from, to_state, code = _TRANSITIONS[kind]
    with transaction.atomic():
        # Same lock order as signing (patient, then line). Race: a suspension and a stop (or two
        # resumptions) at the same moment would both read the old state; the lock serialises them.
        Patient.objects.select_for_update(no_key=True).filter(pk=line.patient_id).get()
        locked = (
            OrderLine.objects.select_for_update(no_key=True, of=("self",))
            .select_related("clinic")
            .get(pk=line.pk)
        )
        if locked.state not in allowed_from:
            raise DomainError(
                "illegal_order_transition",
                f"An order that is {locked.get_state_display().lower()} cannot be "
                f"{kind.label.lower()}.",
                None,
            )
        from_state = locked.state
        locked.state = to_state
        locked.save(update_fields=["state"])
        event = OrderEvent.objects.create(
            line=locked,
            clinic_id=locked.clinic_id,
            kind=kind,
            reason=text,
            actor=actor,
            at=timezone.now(),
        )
        record_event(
            code,
            actor=actor,
            clinic=locked.clinic,
            target=locked,
            data={"from": from_state, "to": to_state, "reason": text},
        )
        return event


def suspend_order(*, actor: User, line: OrderLine, reason: str) -> OrderEvent:
    """Take an active order out of force until it is resumed (physicians only)."""
    require(actor, line.clinic_id, Capability.PRESCRIBE)
    return _change(actor, line, OrderEventKind.SUSPENDED, reason)


def resume_order(*, actor: User, line: OrderLine, reason: str, totp_code: str | None) -> OrderEvent:
    """Put a suspended order back in force. Like signing, it authorises doses again, so it needs
    a fresh second factor."""
    require(actor, line.clinic_id, Capability.PRESCRIBE)
    if not (reason or "").strip():
        raise DomainError("reason_required", "Write the reason.", "reason")
    fresh_second_factor(actor, totp_code)
    return _change(actor, line, OrderEventKind.RESUMED, reason)


def stop_order(*, actor: User, line: OrderLine, reason: str) -> OrderEvent:
    """End an order for good (a new order is needed to prescribe again)."""
    require(actor, line.clinic_id, Capability.PRESCRIBE)
    return _change(actor, line, OrderEventKind.STOPPED, reason)
