"""The session's steps over JSON: assessment, decision, preparation, administration, sign-off,
exceptions and a physician's override (registered on openhat.dosing.api's router).

Recording a dose runs the decision again under the patient's row lock (the services do it), so
a second station, a double click or a retry gets 409 `already_administered` or, with the same
`Idempotency-Key`, the first answer again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status

from openhat.clinics.roles import Capability
from openhat.dosing.api_common import (
    DOSING,
    ERRORS,
    IDEMPOTENCY_HELP,
    WITNESS_HELP,
    caller_in,
    key,
    physician_at_station,
    same_request,
    session_in,
    witness,
)
from openhat.dosing.api_rows import (
    administration_row,
    assessment_row,
    decision_row,
    exception_row,
    preparation_row,
    sign_off_row,
)
from openhat.dosing.models import ExceptionKind, SessionException
from openhat.dosing.schemas import (
    AdministrationIn,
    AdministrationOut,
    AssessmentIn,
    AssessmentOut,
    DecisionIn,
    DecisionOut,
    ExceptionIn,
    ExceptionOut,
    OverrideIn,
    PreparationIn,
    PreparationOut,
    SignOffIn,
    SignOffOut,
)
from openhat.dosing.services import exceptions, overrides
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.sessions import assess, decide_session, sign_off

router = Router(tags=["dosing"])
SESSION = f"{DOSING}/sessions/{{int:session_id}}"
KeyHeader = Header(default=None, alias="Idempotency-Key")


@router.post(
    f"{SESSION}/assessment",
    response={201: AssessmentOut, **ERRORS},
    summary="The pre-dose assessment: sedation score, breath alcohol, observed signs, notes",
    description=f"A later assessment replaces an earlier one for the decision. {IDEMPOTENCY_HELP}",
)
def record_assessment(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: AssessmentIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = session_in(who.clinic, session_id)
    row = assess(
        actor=who.user,
        session_id=session,
        sedation_score=payload.sedation_score,
        breath_alcohol_mg_per_l=payload.breath_alcohol_mg_per_l,
        signs=payload.signs,
        notes=payload.notes,
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, assessment_row(row))


@router.post(
    f"{SESSION}/decision",
    response={201: DecisionOut, **ERRORS},
    summary="Ask the rules engine: the verdict, the largest dose allowed now, every finding",
    description=(
        "Each finding names its rule, its severity, a message in plain words and the preset "
        f"value and source behind it. Asking again stores a new decision. {IDEMPOTENCY_HELP}"
    ),
)
def record_decision(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: DecisionIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = session_in(who.clinic, session_id)
    row = decide_session(
        actor=who.user,
        session_id=session,
        drug=payload.drug,
        route=payload.route,
        dose_mg=payload.dose_mg,
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, decision_row(row))


@router.post(
    f"{SESSION}/preparation",
    response={201: PreparationOut, **ERRORS},
    summary="Draw the dose from a dosing-room lot (nurses, pharmacists, physicians)",
    description=(
        "The ledger's `dose issued` entry for the session, in mg and mL. The decision is run "
        "again first; a stale `decision_id` is 409 `stale_decision`, an unknown lot 404 "
        f"`unknown_lot`, expired solution 400 `solution_expired`. {IDEMPOTENCY_HELP}"
    ),
)
def record_preparation(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: PreparationIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.ISSUE_DOSE)
    session = session_in(who.clinic, session_id)
    row = prepare(
        actor=who.user,
        session_id=session,
        decision_id=payload.decision_id,
        dose_mg=payload.dose_mg,
        lot_id=payload.lot_id,
        location_id=payload.location_id,
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, preparation_row(row))


@router.post(
    f"{SESSION}/administration",
    response={201: AdministrationOut, **ERRORS},
    summary="Record the dose given; observation starts",
    description=(
        "Give the prepared dose (`preparation_id`), or draw and give in one step (`lot_id`, "
        "`location_id`). A partial dose returns or wastes the rest (`remainder`), witnessed. "
        f"{WITNESS_HELP} The decision is run again under the patient's lock: a dose already "
        "recorded (another station, a stale form) is 409 `already_administered`, a dose above "
        f"what is allowed 400 `dose_exceeds_decision`. {IDEMPOTENCY_HELP}"
    ),
)
def record_administration(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: AdministrationIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = session_in(who.clinic, session_id)
    row = administer(
        actor=who.user,
        session_id=session,
        decision_id=payload.decision_id,
        dose_mg=payload.dose_mg,
        site=payload.site,
        preparation_id=payload.preparation_id,
        lot_id=payload.lot_id,
        location_id=payload.location_id,
        remainder=payload.remainder,
        witness=witness(request, payload.witness_username, payload.witness_password),
        remainder_reason=payload.remainder_reason,
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, administration_row(row))


@router.post(
    f"{SESSION}/sign-off",
    response={201: SignOffOut, **ERRORS},
    summary="Sign off observation with the post-dose assessment",
    description=(
        "Before the observation ends (the decision's minutes; after naloxone at least the "
        "preset's `observation.after_naloxone_minutes` from the event): 400 "
        "`observation_not_over`. After a serious adverse event a physician signs off with the "
        "nurse: send `physician_username`, `physician_password` and `totp_code`, else 400 "
        f"`physician_sign_off_required`. {IDEMPOTENCY_HELP}"
    ),
)
def record_sign_off(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: SignOffIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = session_in(who.clinic, session_id)
    physician = (
        physician_at_station(
            request, who.clinic, payload.physician_username, payload.physician_password
        )
        if payload.physician_username or payload.physician_password
        else None
    )
    row = sign_off(
        actor=who.user,
        session_id=session,
        sedation_score=payload.sedation_score,
        notes=payload.notes,
        physician=physician,
        totp_code=payload.totp_code,
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, sign_off_row(row))


@router.post(
    f"{SESSION}/exceptions",
    response={201: ExceptionOut, **ERRORS},
    summary="The session did not go to plan: refused, held, left, vomited, spilled",
    description=(
        "`refused`, `held` (notes required) and `left_before_dose` end the session without a "
        "dose; a dose already drawn is wasted, witnessed. `spilled` wastes the drawn dose, "
        "witnessed, and another may be drawn. `left_early` closes observation; `vomited` is "
        f"recorded against an oral dose. {WITNESS_HELP} {IDEMPOTENCY_HELP}"
    ),
)
def record_exception(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: ExceptionIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = session_in(who.clinic, session_id)
    kind, notes, idem = payload.kind, payload.notes, key(idempotency_key)
    row: SessionException
    if kind == ExceptionKind.LEFT_EARLY:
        row = exceptions.record_left_early(
            actor=who.user, session_id=session, notes=notes, idempotency_key=idem
        )
    elif kind == ExceptionKind.VOMITED:
        row = exceptions.record_vomited(
            actor=who.user, session_id=session, notes=notes, idempotency_key=idem
        )
    else:
        seen = witness(request, payload.witness_username, payload.witness_password)
        if kind == ExceptionKind.SPILLED:
            row = exceptions.record_spill(
                actor=who.user,
                session_id=session,
                witness=seen,
                notes=notes,
                idempotency_key=idem,
            )
        else:
            row = exceptions.end_without_dose(
                actor=who.user,
                session_id=session,
                kind=kind,
                notes=notes,
                witness=seen,
                idempotency_key=idem,
            )
    same_request(row.session_id == session.pk and row.kind == kind)
    return Status(201, exception_row(row))


@router.post(
    f"{SESSION}/override",
    response={201: DecisionOut, **ERRORS},
    summary="A physician lifts a hold or cap for this session; the answer is the new decision",
    description=(
        "Name the findings to lift (`rule_ids`, from the session's `liftable_findings`), state "
        "the largest dose the override allows (`allowed_dose_mg`), write the clinical reason and "
        "enter a current authenticator code. From the physician's own "
        "device (remote) the caller is the physician; at the station the nurse's device sends the "
        "physician's `physician_username` and `physician_password` too. Hard limits cannot be "
        "lifted (400 `not_overridable`); a finding the decision does not have is 400 "
        "`override_no_such_finding`; a dose above the order or a hard limit is 400 "
        f"`override_dose_above_limit`. {IDEMPOTENCY_HELP}"
    ),
)
def record_override(
    request: HttpRequest,
    clinic: str,
    session_id: int,
    payload: OverrideIn,
    idempotency_key: str | None = KeyHeader,
) -> Status[dict[str, Any]]:
    at_station = bool(payload.physician_username or payload.physician_password)
    who = caller_in(
        request, clinic, Capability.RUN_SESSIONS if at_station else Capability.OVERRIDE_DOSE
    )
    session = session_in(who.clinic, session_id)
    physician = (
        physician_at_station(
            request, who.clinic, payload.physician_username, payload.physician_password
        )
        if at_station
        else who.user
    )
    row = overrides.override_session(
        actor=physician,
        session_id=session,
        decision_id=payload.decision_id,
        rule_ids=payload.rule_ids,
        reason=payload.reason,
        totp_code=payload.totp_code,
        allowed_dose_mg=payload.allowed_dose_mg,
        via="station" if at_station else "remote",
        idempotency_key=key(idempotency_key),
    )
    same_request(row.session_id == session.pk)
    return Status(201, decision_row(row))
