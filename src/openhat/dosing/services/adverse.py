"""Adverse events at the station, and a physician's sign-off (docs/domain.md §3.5, §8 safety).

An event is recorded with its interventions (naloxone dose and route, oxygen, ambulance) and
outcome. Until a physician signs off a serious one, the engine asks for a physician's review
before the patient's next dose (the `adverse_event_review` finding).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils.dateparse import parse_datetime

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import bounds, clock
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.dosing.models import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventSignOff,
    DosingSession,
    NaloxoneRoute,
)
from openhat.dosing.services.steps import clean_notes, once
from openhat.patients.models import Patient

# An event is recorded when it happens or soon after, never for the future.
LATEST_BACKDATING = timedelta(days=7)


def _choice(value: object, choices: type, code: str, field: str, what: str) -> str:
    text = str(value or "").strip()
    if text not in choices.values:  # type: ignore[attr-defined]
        names = ", ".join(str(label).lower() for label in choices.labels)  # type: ignore[attr-defined]
        raise DomainError(code, f"Choose the {what}: {names}.", field)
    return text


def _onset(value: object, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    moment = value if isinstance(value, datetime) else parse_datetime(str(value).strip())
    if moment is None or moment.tzinfo is None:
        raise DomainError(
            "onset_invalid", "Give the time it began as a date and time with a zone.", "onset_at"
        )
    if moment > now + timedelta(minutes=1) or moment < now - LATEST_BACKDATING:
        raise DomainError(
            "onset_out_of_range",
            "The time it began is in the past 7 days and not in the future.",
            "onset_at",
        )
    return moment


def _naloxone(given: bool, dose: object, route: object) -> tuple[Decimal | None, str]:
    if not given:
        if dose not in (None, "") or route not in (None, ""):
            raise DomainError(
                "naloxone_not_given",
                "A naloxone dose or route is filled in but naloxone is not ticked as given.",
                "naloxone_given",
            )
        return None, ""
    amount = bounds.typed_number(
        dose,
        "naloxone_dose_mg",
        code="naloxone_dose_required",
        message="Give the naloxone dose in mg.",
    )
    if not Decimal("0") < amount <= Decimal("20"):
        raise DomainError(
            "naloxone_dose_range",
            "The naloxone dose is above 0 and at most 20 mg in total.",
            "naloxone_dose_mg",
        )
    kind = _choice(route, NaloxoneRoute, "naloxone_route_required", "naloxone_route", "route")
    return amount.quantize(Decimal("0.01")), kind


def record_adverse_event(
    *,
    actor: User,
    patient: Patient,
    kind: object,
    severity: object,
    outcome: object,
    session_id: object | None = None,
    onset_at: object | None = None,
    description: str = "",
    naloxone_given: bool = False,
    naloxone_dose_mg: object | None = None,
    naloxone_route: object | None = None,
    oxygen_given: bool = False,
    ambulance_called: bool = False,
    idempotency_key: str | None = None,
) -> AdverseEvent:
    require(actor, patient.clinic, Capability.RECORD_ADVERSE_EVENT)
    now = clock.now()
    event_kind = _choice(kind, AdverseEventKind, "adverse_event_kind", "kind", "type of event")
    level = _choice(
        severity, AdverseEventSeverity, "adverse_event_severity", "severity", "severity"
    )
    result = _choice(outcome, AdverseEventOutcome, "adverse_event_outcome", "outcome", "outcome")
    began = _onset(onset_at, now)
    dose, route = _naloxone(bool(naloxone_given), naloxone_dose_mg, naloxone_route)
    text = clean_notes(description, 4000)
    if event_kind == AdverseEventKind.OTHER and not text:
        raise DomainError("description_required", "Describe what happened.", "description")
    session = None
    if session_id not in (None, ""):
        try:
            session = DosingSession.objects.filter(pk=int(str(session_id)), patient=patient).first()
        except ValueError:
            session = None
        if session is None:
            raise DomainError(
                "session_not_found", "That session is not one of this patient's.", "session"
            )

    def work() -> AdverseEvent:
        event = AdverseEvent.objects.create(
            clinic=patient.clinic,
            patient=patient,
            session=session,
            kind=event_kind,
            severity=level,
            onset_at=began,
            description=text,
            naloxone_given=bool(naloxone_given),
            naloxone_dose_mg=dose,
            naloxone_route=route,
            oxygen_given=bool(oxygen_given),
            ambulance_called=bool(ambulance_called),
            outcome=result,
            recorded_at=now,
            recorded_by=actor,
        )
        record_event(
            AuditCode.ADVERSE_EVENT_RECORDED,
            actor=actor,
            clinic=patient.clinic,
            target=event,
            data={
                "client_code": patient.client_code,
                "session": session.pk if session else None,
                "kind": event_kind,
                "severity": level,
                "naloxone_mg": None if dose is None else str(dose),
                "outcome": result,
            },
        )
        return event

    return once(actor, idempotency_key, f"dosing.adverse_event:{patient.pk}", AdverseEvent, work)


def event_for(actor: User, event_id: object, capability: Capability) -> AdverseEvent:
    try:
        pk = int(str(event_id))
    except ValueError:
        raise DomainError("invalid_id", "That is not an event number.", "event") from None
    event = AdverseEvent.objects.select_related("clinic", "patient").filter(pk=pk).first()
    if event is None:
        raise NotFound("event_not_found", "No such adverse event in your clinics.", "event")
    try:
        require(actor, event.clinic, capability)
    except NotFound:
        raise NotFound(
            "event_not_found", "No such adverse event in your clinics.", "event"
        ) from None
    return event


def sign_off_adverse_event(
    *, actor: User, event_id: object, note: str, idempotency_key: str | None = None
) -> AdverseEventSignOff:
    event = event_for(actor, event_id, Capability.SIGN_OFF_ADVERSE_EVENT)
    text = clean_notes(note)
    if not text:
        raise DomainError(
            "sign_off_note_required", "Write the physician's assessment and plan.", "note"
        )

    def work() -> AdverseEventSignOff:
        AdverseEvent.objects.select_for_update(no_key=True).get(pk=event.pk)
        if AdverseEventSignOff.objects.filter(event=event).exists():
            raise Conflict("already_signed_off", "This event is already signed off.", "event")
        signed = AdverseEventSignOff.objects.create(
            event=event, physician=actor, note=text, at=clock.now()
        )
        record_event(
            AuditCode.ADVERSE_EVENT_SIGNED_OFF,
            actor=actor,
            clinic=event.clinic,
            target=signed,
            data={"event": event.pk, "client_code": event.patient.client_code},
        )
        return signed

    return once(
        actor, idempotency_key, f"dosing.adverse_sign_off:{event.pk}", AdverseEventSignOff, work
    )
