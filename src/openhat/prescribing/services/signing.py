"""Signing and superseding orders: a physician, a fresh second factor, the preset's checks.

The preset is checked before the second-factor code is used, so an order the preset refuses does
not burn the physician's code; it is checked again under the patient's row lock before saving.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.clinics.services import totp_device_for, verify_second_factor
from openhat.core import idempotency
from openhat.core.errors import Conflict, DomainError
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine, OrderState, OrderVersion
from openhat.prescribing.services.inputs import CleanOrder, OrderInput, clean_order
from openhat.prescribing.services.queries import clinic_protocol, orders_for_checks
from openhat.rules.context import Order
from openhat.rules.errors import AdjustmentError, PresetError
from openhat.rules.prescribing import OrderFinding, check_order, loosenings_needed
from openhat.rules.protocol import Protocol, loosen

SIGN_OPERATION = "prescribing.sign"
SUPERSEDE_OPERATION = "prescribing.supersede"
PRESCRIBABLE = (PatientStatus.ENROLLED, PatientStatus.ASSESSING)
# A change may take effect "now" as the physician saw it a moment ago, never further back: doses
# may already have been given under the version it replaces.
BACKDATING_TOLERANCE = timedelta(minutes=5)


class OrderRefused(DomainError):
    """The preset forbids the order; `findings` says why (rule id, message, preset value)."""

    def __init__(self, findings: tuple[OrderFinding, ...], message: str) -> None:
        super().__init__("order_forbidden_by_preset", message, None)
        self.findings = findings

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "findings": [item.as_dict() for item in self.findings]}


@dataclass(frozen=True)
class _Settled:
    findings: tuple[OrderFinding, ...]
    loosenings: list[dict[str, str]]


def _settle(
    protocol: Protocol,
    order: Order,
    others: list[Order],
    loosening_reason: str | None,
    actor: User,
) -> _Settled:
    """The findings, and the loosenings that let the order through; OrderRefused if none can."""
    findings = check_order(protocol, order, others)
    if not findings:
        return _Settled((), [])
    listed = " ".join(item.message for item in findings)
    reason = (loosening_reason or "").strip()
    if not reason:
        raise OrderRefused(
            findings,
            "The clinic's dosing preset forbids this order: "
            f"{listed} To sign it anyway, give a reason for loosening the preset.",
        )
    fixed = [item for item in findings if not item.loosenable]
    if fixed:
        raise OrderRefused(
            findings,
            f"This cannot be signed through a loosening; change the order: "
            f"{' '.join(item.message for item in fixed)}",
        )
    loosened = protocol
    loosenings = []
    for key, value in loosenings_needed(findings):
        try:
            loosened = loosen(
                loosened, key, str(value), reason=reason, approved_by=actor.get_username()
            )
        except (AdjustmentError, PresetError) as error:
            raise OrderRefused(
                findings, f"The preset cannot be loosened that far: {error}"
            ) from None
        loosenings.append(
            {
                "key": key,
                "value": str(value),
                "previous": str(protocol.number(key)),
                "reason": reason,
                "approved_by": actor.get_username(),
            }
        )
    return _Settled(findings, loosenings)


def _refusal_recorded(actor: User, patient: Patient, refused: OrderRefused) -> None:
    """The refusal stays in the audit trail although nothing else is saved."""
    with transaction.atomic():
        record_event(
            AuditCode.ORDER_SIGNING_REFUSED,
            actor=actor,
            clinic=patient.clinic,
            target=patient,
            data={"findings": [item.rule_id for item in refused.findings]},
        )


def fresh_second_factor(actor: User, totp_code: str | None) -> datetime:
    """Check the code from the physician's confirmed authenticator now; the time it was checked."""
    code = (totp_code or "").strip()
    if not code:
        raise DomainError(
            "second_factor_required",
            "Enter the 6-digit code from your authenticator app to sign.",
            "totp_code",
        )
    device = totp_device_for(actor)
    if not device.confirmed:
        raise DomainError(
            "second_factor_not_set_up",
            "Set up your authenticator app before signing orders.",
            "totp_code",
        )
    if not verify_second_factor(actor=actor, device=device, token=code):
        raise DomainError(
            "second_factor_invalid",
            "That code is not valid (wrong, expired or already used); enter the current one.",
            "totp_code",
        )
    return timezone.now()


def _require_prescribable(patient: Patient) -> None:
    if patient.status not in PRESCRIBABLE:
        raise DomainError(
            "patient_not_enrolled",
            f"{patient.client_code} is {patient.get_status_display().lower()}: orders are written "
            "for patients being assessed or enrolled.",
            "client_code",
        )


def _earlier(actor: User, key: str | None, operation: str) -> OrderVersion | None:
    if not key:
        return None
    earlier = idempotency.previous_result(actor, key, operation)
    return None if earlier is None else OrderVersion.objects.get(pk=earlier.result_id)


def _new_version(
    *,
    line: OrderLine,
    number: int,
    cleaned: CleanOrder,
    actor: User,
    verified_at: datetime,
    protocol: Protocol,
    settled: _Settled,
    supersedes: OrderVersion | None,
) -> OrderVersion:
    return OrderVersion.objects.create(
        line=line,
        clinic_id=line.clinic_id,
        patient_id=line.patient_id,
        number=number,
        drug=cleaned.drug.value,
        routes=list(cleaned.routes),
        dose_min_mg=cleaned.dose_min_mg,
        dose_max_mg=cleaned.dose_max_mg,
        sessions_per_day=cleaned.sessions_per_day,
        daily_max_mg=cleaned.daily_max_mg,
        starts_at=cleaned.starts_at,
        ends_at=cleaned.ends_at,
        phase=cleaned.phase.value,
        windows=list(cleaned.windows),
        reason=cleaned.reason,
        note=cleaned.note,
        usual_dose_mg=cleaned.usual_dose_mg,
        signed_by=actor,
        signed_at=timezone.now(),
        second_factor_verified_at=verified_at,
        supersedes=supersedes,
        preset_key=protocol.key,
        preset_version=protocol.version,
        preset_hash=protocol.hash,
        preset_loosenings=settled.loosenings,
        findings=[item.as_dict() for item in settled.findings],
    )


def _audit_signed(code: AuditCode, actor: User, version: OrderVersion, settled: _Settled) -> None:
    record_event(
        code,
        actor=actor,
        clinic=version.line.clinic,
        target=version,
        data={
            "line": version.line_id,
            "version": version.number,
            "client_code": version.line.patient.client_code,
            "drug": version.drug,
            "daily_max_mg": version.daily_max_mg,
        },
    )
    if settled.loosenings:
        record_event(
            AuditCode.ORDER_PRESET_LOOSENED,
            actor=actor,
            clinic=version.line.clinic,
            target=version,
            data={
                "loosenings": settled.loosenings,
                "findings": [item.rule_id for item in settled.findings],
            },
        )


def sign_order(
    *,
    actor: User,
    patient: Patient,
    order: OrderInput,
    totp_code: str | None,
    loosening_reason: str | None = None,
    idempotency_key: str | None = None,
) -> OrderVersion:
    """Sign a new order (version 1 of a new order line) for an assessing or enrolled patient.

    Physicians only (Capability.PRESCRIBE), with a fresh TOTP code. An order the clinic's dosing
    preset forbids raises OrderRefused ("order_forbidden_by_preset", with the findings) unless
    `loosening_reason` is given and every finding can be loosened: then the loosenings are stored
    with the version and audited (ORDER_PRESET_LOOSENED). Bad input: DomainError, nothing saved.
    """
    require(actor, patient.clinic_id, Capability.PRESCRIBE)
    # The key is held from the look for an earlier attempt to the commit: a retry sent while the
    # first is between its code and its order waits for it, then answers with the version it signed.
    with idempotency.key_held(actor, idempotency_key):
        if idempotency_key:
            with transaction.atomic():
                done = _earlier(actor, idempotency_key, SIGN_OPERATION)
            if done is not None:
                return done
        cleaned = clean_order(order, now=timezone.now())
        _require_prescribable(patient)
        protocol = clinic_protocol(patient.clinic.dosing_preset)
        engine_order = cleaned.engine_order("new")
        try:
            _settle(protocol, engine_order, orders_for_checks(patient), loosening_reason, actor)
            verified_at = fresh_second_factor(actor, totp_code)
            with transaction.atomic():
                done = _earlier(actor, idempotency_key, SIGN_OPERATION)
                if done is not None:
                    return done
                # Race: two physicians signing, say, oral methadone and a DAM order for the same
                # patient at once would each pass the methadone-beside-DAM check without seeing the
                # other's order. The patient's row lock makes the second wait and check again.
                locked = (
                    Patient.objects.select_for_update(no_key=True, of=("self",))
                    .select_related("clinic")
                    .get(pk=patient.pk)
                )
                _require_prescribable(locked)
                settled = _settle(
                    protocol, engine_order, orders_for_checks(locked), loosening_reason, actor
                )
                line = OrderLine.objects.create(
                    clinic_id=locked.clinic_id,
                    patient=locked,
                    drug=cleaned.drug.value,
                    state=OrderState.ACTIVE,
                    created_at=timezone.now(),
                    created_by=actor,
                )
                version = _new_version(
                    line=line,
                    number=1,
                    cleaned=cleaned,
                    actor=actor,
                    verified_at=verified_at,
                    protocol=protocol,
                    settled=settled,
                    supersedes=None,
                )
                line.current_version = version
                line.save(update_fields=["current_version"])
                _audit_signed(AuditCode.ORDER_SIGNED, actor, version, settled)
                if idempotency_key:
                    idempotency.remember_result(actor, idempotency_key, SIGN_OPERATION, version)
                return version
        except OrderRefused as refused:
            _refusal_recorded(actor, patient, refused)
            raise


def _require_current(line: OrderLine, expected_version: int) -> None:
    if line.state == OrderState.STOPPED:
        raise DomainError("order_stopped", "This order was stopped; write a new order.", None)
    current = line.current_version
    if current is None or current.number != expected_version:
        raise Conflict(
            "order_changed",
            f"This order was changed meanwhile (now version "
            f"{current.number if current else '-'}, you changed version {expected_version}); "
            "reload it and decide again.",
            "expected_version",
        )


def supersede_order(
    *,
    actor: User,
    line: OrderLine,
    expected_version: int,
    order: OrderInput,
    totp_code: str | None,
    effective_at: datetime | None = None,
    loosening_reason: str | None = None,
    idempotency_key: str | None = None,
) -> OrderVersion:
    """Change an order: version N+1 replaces the current version N from `effective_at` (default:
    the order's starts_at, else now; never in the past). Version N is kept as it was.

    `expected_version` is the version the physician looked at; if another change came first the
    request gets Conflict("order_changed") and nothing is saved. Same checks as sign_order; the
    drug cannot change (that is a new order).
    """
    require(actor, line.clinic_id, Capability.PRESCRIBE)
    # The key is held from the look for an earlier attempt to the commit: a retry sent while the
    # first is between its code and its order waits for it, then answers with the version it signed.
    with idempotency.key_held(actor, idempotency_key):
        if idempotency_key:
            with transaction.atomic():
                done = _earlier(actor, idempotency_key, SUPERSEDE_OPERATION)
            if done is not None:
                return done
        now = timezone.now()
        start = effective_at or order.starts_at or now
        if not isinstance(start, datetime) or start.tzinfo is None:
            raise DomainError(
                "datetime_not_aware", "Give a date and time with its time zone.", "effective_at"
            )
        if start < now - BACKDATING_TOLERANCE:
            raise DomainError(
                "effective_at_in_past",
                "A change takes effect now or later, never in the past.",
                "effective_at",
            )
        cleaned = clean_order(replace(order, starts_at=start), now=now)
        if cleaned.drug.value != line.drug:
            raise DomainError(
                "drug_change_needs_new_order",
                f"This is a {line.drug} order; write a new order for {cleaned.drug.value}.",
                "drug",
            )
        patient = line.patient
        _require_prescribable(patient)
        _require_current(
            OrderLine.objects.select_related("current_version").get(pk=line.pk), expected_version
        )
        protocol = clinic_protocol(patient.clinic.dosing_preset)
        engine_order = cleaned.engine_order(str(line.pk))
        try:
            _settle(
                protocol, engine_order, orders_for_checks(patient, line), loosening_reason, actor
            )
            verified_at = fresh_second_factor(actor, totp_code)
            with transaction.atomic():
                done = _earlier(actor, idempotency_key, SUPERSEDE_OPERATION)
                if done is not None:
                    return done
                # Same lock order everywhere (patient, then line): no deadlocks between writers.
                locked_patient = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
                _require_prescribable(locked_patient)
                # Race: two physicians changing the same version at the same moment would each
                # create a version N+1. Under the line's lock the second one sees that the version
                # it changed is no longer current and gets a Conflict.
                locked = (
                    OrderLine.objects.select_for_update(no_key=True, of=("self",))
                    .select_related("current_version", "clinic", "patient")
                    .get(pk=line.pk)
                )
                _require_current(locked, expected_version)
                previous = locked.current_version
                assert previous is not None  # checked by _require_current
                settled = _settle(
                    protocol,
                    engine_order,
                    orders_for_checks(locked_patient, locked),
                    loosening_reason,
                    actor,
                )
                version = _new_version(
                    line=locked,
                    number=previous.number + 1,
                    cleaned=cleaned,
                    actor=actor,
                    verified_at=verified_at,
                    protocol=protocol,
                    settled=settled,
                    supersedes=previous,
                )
                locked.current_version = version
                locked.save(update_fields=["current_version"])
                _audit_signed(AuditCode.ORDER_SUPERSEDED, actor, version, settled)
                if idempotency_key:
                    idempotency.remember_result(
                        actor, idempotency_key, SUPERSEDE_OPERATION, version
                    )
                return version
        except OrderRefused as refused:
            _refusal_recorded(actor, patient, refused)
            raise
