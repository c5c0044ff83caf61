"""Adverse events over JSON: recorded by nurses and physicians, signed off by a physician
(registered on openhat.dosing.api's router)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status

from openhat.clinics.roles import Capability
from openhat.dosing.api_common import (
    DOSING,
    ERRORS,
    IDEMPOTENCY_HELP,
    caller_in,
    event_in,
    key,
    patient_in,
    same_request,
    session_in,
)
from openhat.dosing.api_rows import adverse_event_row, adverse_sign_off_row
from openhat.dosing.schemas import (
    AdverseEventIn,
    AdverseEventOut,
    AdverseSignOffIn,
    AdverseSignOffOut,
)
from openhat.dosing.services.adverse import record_adverse_event, sign_off_adverse_event

router = Router(tags=["dosing"])
KeyHeader = Header(default=None, alias="Idempotency-Key")


@router.post(
    f"{DOSING}/adverse-events",
    response={201: AdverseEventOut, **ERRORS},
    summary="Record an adverse event with its interventions and outcome (nurses, physicians)",
    description=(
        "Naloxone given needs its dose in mg and its route (im, iv, intranasal, sc). Until a "
        "physician signs off a serious event, the engine asks for a physician's review before "
        f"the patient's next dose. {IDEMPOTENCY_HELP}"
    ),
)
def record_event(
    request: HttpRequest,
    clinic: str,
    payload: AdverseEventIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RECORD_ADVERSE_EVENT)
    patient = patient_in(who.clinic, payload.patient_id)
    session = None if payload.session_id is None else session_in(who.clinic, payload.session_id)
    event = record_adverse_event(
        actor=who.user,
        patient=patient,
        kind=payload.kind,
        severity=payload.severity,
        outcome=payload.outcome,
        session_id=None if session is None else session.pk,
        onset_at=payload.onset_at,
        description=payload.description,
        naloxone_given=payload.naloxone_given,
        naloxone_dose_mg=payload.naloxone_dose_mg,
        naloxone_route=payload.naloxone_route,
        oxygen_given=payload.oxygen_given,
        ambulance_called=payload.ambulance_called,
        idempotency_key=key(idempotency_key),
    )
    same_request(
        event.patient_id == patient.pk
        and event.session_id == (None if session is None else session.pk)
    )
    return Status(201, adverse_event_row(event))


@router.post(
    f"{DOSING}/adverse-events/{{int:event_id}}/sign-off",
    response={201: AdverseSignOffOut, **ERRORS},
    summary="A physician signs off an adverse event with their assessment and plan",
    description=f"A second sign-off is 409 `already_signed_off`. {IDEMPOTENCY_HELP}",
)
def sign_off_event(
    request: HttpRequest,
    clinic: str,
    event_id: int,
    payload: AdverseSignOffIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.SIGN_OFF_ADVERSE_EVENT)
    event = event_in(who.clinic, event_id)
    signed = sign_off_adverse_event(
        actor=who.user,
        event_id=event.pk,
        note=payload.note,
        idempotency_key=key(idempotency_key),
    )
    same_request(signed.event_id == event.pk)
    return Status(201, adverse_sign_off_row(signed))
