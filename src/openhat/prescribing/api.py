"""Medication orders over JSON (issue 4, item 4): sign, supersede, suspend, resume, stop, read.

Every handler validates with a schema, checks the role through patients.access.patient_for (or
clinic_for_request for the clinic's list), calls one prescribing service and returns. An order the
preset forbids answers 400 {"code": "order_forbidden_by_preset", ..., "findings": [...]}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema, Status

from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.errors import NotFound
from openhat.patients.access import patient_for
from openhat.patients.models import Patient
from openhat.patients.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, ErrorOut
from openhat.prescribing import services
from openhat.prescribing.models import OrderEvent, OrderLine, OrderVersion
from openhat.prescribing.schemas import (
    ExpiringOrderOut,
    ExpiringQuery,
    OrderEventOut,
    OrderFieldsIn,
    OrdersOut,
    OrderVersionOut,
    ReasonIn,
    ResumeIn,
    SignOrderIn,
    SupersedeIn,
)
from openhat.prescribing.services import OrderInput

router = Router(tags=["orders"])


class OrderFindingOut(Schema):
    rule_id: str
    message: str
    preset_key: str | None
    preset_value: str | None
    needed_value: str | None
    unit: str | None
    sources: list[str]


class RefusalOut(ErrorOut):
    findings: list[OrderFindingOut] = []


ERRORS: dict[int, type[ErrorOut]] = {
    400: RefusalOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PATIENT = "/patients/{slug:code}"
LINE = PATIENT + "/orders/{int:line_id}"
IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key answers "
    "with the version signed the first time and signs nothing more."
)


def _order_input(payload: OrderFieldsIn) -> OrderInput:
    return OrderInput(
        drug=payload.drug,
        routes=list(payload.routes),
        dose_min=payload.dose_min,
        dose_max=payload.dose_max,
        usual_dose=payload.usual_dose,
        dose_unit=payload.dose_unit,
        sessions_per_day=payload.sessions_per_day,
        daily_max=payload.daily_max,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        phase=payload.phase,
        windows=list(payload.windows),
        reason=payload.reason,
        note=payload.note,
    )


def _key(header: str | None) -> str | None:
    return (header or "")[: IDEMPOTENCY_KEY_MAX_LENGTH + 1] or None


def _line_of(patient: Patient, line_id: int) -> OrderLine:
    line = OrderLine.objects.filter(patient=patient, pk=line_id).select_related("patient").first()
    if line is None:
        raise NotFound("order_not_found", "This patient has no such order.", "line_id")
    return line


def _version(version: OrderVersion) -> OrderVersion:
    """The version with what its schema reads (line state, signer) loaded."""
    return OrderVersion.objects.select_related("line", "signed_by").get(pk=version.pk)


@router.get(
    f"{PATIENT}/orders",
    response={200: OrdersOut, **ERRORS},
    summary="The current plan (versions in force now), the full version history and events",
)
def list_orders(request: HttpRequest, code: str) -> dict[str, Any]:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_CLINICAL)
    current = [_version(version) for version in services.active_orders(patient)]
    return {
        "current_plan": current,
        "history": services.order_history(patient),
        "events": services.order_events(patient),
    }


@router.post(
    f"{PATIENT}/orders",
    response={201: OrderVersionOut, **ERRORS},
    summary="Sign a new order (physicians, with the authenticator's current code)",
    description=(
        "An order the clinic's preset forbids is refused (400 `order_forbidden_by_preset` with "
        "the engine's `findings`) unless `loosening_reason` is given and every finding can be "
        f"loosened; the loosening is stored with the version and audited. {IDEMPOTENCY_HELP}"
    ),
)
def sign_order(
    request: HttpRequest,
    code: str,
    payload: SignOrderIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[OrderVersion]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.PRESCRIBE)
    version = services.sign_order(
        actor=user,
        patient=patient,
        order=_order_input(payload),
        totp_code=payload.totp_code,
        loosening_reason=payload.loosening_reason or None,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, _version(version))


@router.post(
    f"{LINE}/supersede",
    response={201: OrderVersionOut, **ERRORS},
    summary="Change an order: a new version replaces the current one from `effective_at`",
    description=(
        "`expected_version` is the version you changed; if another change came first the answer "
        f"is 409 `order_changed` and nothing is saved. {IDEMPOTENCY_HELP}"
    ),
)
def supersede_order(
    request: HttpRequest,
    code: str,
    line_id: int,
    payload: SupersedeIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[OrderVersion]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.PRESCRIBE)
    version = services.supersede_order(
        actor=user,
        line=_line_of(patient, line_id),
        expected_version=payload.expected_version,
        order=_order_input(payload),
        totp_code=payload.totp_code,
        effective_at=payload.effective_at,
        loosening_reason=payload.loosening_reason or None,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, _version(version))


@router.post(
    f"{LINE}/suspend",
    response={200: OrderEventOut, **ERRORS},
    summary="Suspend an active order, with a reason",
    description=idempotency.IDEMPOTENCY_HELP,
)
def suspend_order(
    request: HttpRequest,
    code: str,
    line_id: int,
    payload: ReasonIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> OrderEvent:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.PRESCRIBE)
    line = _line_of(patient, line_id)
    return _once(
        request,
        idempotency_key,
        f"prescribing.suspend:{line.pk}",
        lambda: services.suspend_order(actor=user, line=line, reason=payload.reason),
    )


@router.post(
    f"{LINE}/resume",
    response={200: OrderEventOut, **ERRORS},
    summary="Resume a suspended order, with a reason and the authenticator's current code",
    description=idempotency.IDEMPOTENCY_HELP,
)
def resume_order(
    request: HttpRequest,
    code: str,
    line_id: int,
    payload: ResumeIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> OrderEvent:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.PRESCRIBE)
    line = _line_of(patient, line_id)
    return _once(
        request,
        idempotency_key,
        f"prescribing.resume:{line.pk}",
        lambda: services.resume_order(
            actor=user, line=line, reason=payload.reason, totp_code=payload.totp_code
        ),
    )


@router.post(
    f"{LINE}/stop",
    response={200: OrderEventOut, **ERRORS},
    summary="Stop an order for good, with a reason",
    description=idempotency.IDEMPOTENCY_HELP,
)
def stop_order(
    request: HttpRequest,
    code: str,
    line_id: int,
    payload: ReasonIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> OrderEvent:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.PRESCRIBE)
    line = _line_of(patient, line_id)
    return _once(
        request,
        idempotency_key,
        f"prescribing.stop:{line.pk}",
        lambda: services.stop_order(actor=user, line=line, reason=payload.reason),
    )


def _once(
    request: HttpRequest, header: str | None, operation: str, work: Callable[[], OrderEvent]
) -> OrderEvent:
    """A change of an order's state, once per Idempotency-Key."""
    return idempotency.once(
        caller(request), idempotency.key_from_header(header), operation, OrderEvent, work
    )


@router.get(
    "/orders/expiring",
    response={200: list[ExpiringOrderOut], **ERRORS},
    summary="The clinic's active orders that end soon (within the expiry warning days)",
)
def expiring_orders(request: HttpRequest, filters: Query[ExpiringQuery]) -> list[OrderVersion]:
    clinic, _ = clinic_for_request(caller(request), filters.clinic, Capability.VIEW_CLINICAL)
    return services.expiring_orders(clinic)
