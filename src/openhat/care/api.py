"""Care plans, referrals and partner services over JSON, and their FHIR R4 exports.

Every handler validates with a schema, checks the role through patients.access.patient_for or
clinics.api.clinic_for_request (another clinic's record is "not found"), calls one care service
and returns its result. Reads of a patient's care record are written to the access log.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Status

from openhat.care import reading, services
from openhat.care.inputs import GoalInput, GoalReviewInput, PartnerInput, ReferralInput
from openhat.care.models import CarePlan, PartnerService
from openhat.care.schemas import (
    CarePlanOut,
    CarePlanStartIn,
    FollowUpIn,
    GoalIn,
    GoalOut,
    PartnerIn,
    PartnerOut,
    ReferralIn,
    ReferralOut,
    ReferralStatusIn,
    ReviewIn,
    ReviewOut,
)
from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.roles import Capability
from openhat.core.errors import NotFound
from openhat.core.idempotency import IDEMPOTENCY_HELP, key_from_header
from openhat.fhir.care_plan import care_plan_resource
from openhat.fhir.common import as_json, searchset
from openhat.fhir.service_request import service_request_resource
from openhat.patients.access import patient_for
from openhat.patients.schemas import ErrorOut

router = Router(tags=["care"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PATIENT = "/patients/{slug:code}"
REFERRAL = f"{PATIENT}/referrals/{{int:referral_id}}"
FHIR_JSON = "application/fhir+json"
KEY = Header(default=None, alias="Idempotency-Key")


def _plan(plan: CarePlan) -> CarePlan:
    found = reading.care_plan_of(plan.patient)
    if found is None:  # pragma: no cover - the plan was just read or written
        raise NotFound("care_plan_not_found", "No care plan.")
    return found


def _goal_input(payload: GoalIn) -> GoalInput:
    return GoalInput(
        domain=payload.domain,
        goal=payload.goal,
        owner=payload.owner,
        target_on=payload.target_on,
        actions=payload.actions,
        status=payload.status,
        review_note=payload.review_note,
        patient_words=payload.patient_words,
    )


@router.get(
    f"{PATIENT}/care-plan",
    response={200: CarePlanOut, **ERRORS},
    summary="The patient's care plan: goals, reviews and the next review date (read logged)",
)
def get_care_plan(request: HttpRequest, code: str) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CARE)
    plan = reading.plan_required(patient)
    reading.log_care_read(user, patient)
    return plan


@router.post(
    f"{PATIENT}/care-plan",
    response={201: CarePlanOut, **ERRORS},
    summary="Start the patient's care plan (one per patient; counsellors)",
    description=IDEMPOTENCY_HELP,
)
def start_care_plan(
    request: HttpRequest, code: str, payload: CarePlanStartIn, idempotency_key: str | None = KEY
) -> Status[CarePlan]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    plan = services.start_care_plan(
        actor=user,
        patient=patient,
        started_on=payload.started_on,
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, _plan(plan))


@router.post(
    f"{PATIENT}/care-plan/goals",
    response={201: GoalOut, **ERRORS},
    summary="Add a goal to the patient's care plan (counsellors)",
    description=IDEMPOTENCY_HELP,
)
def add_goal(
    request: HttpRequest, code: str, payload: GoalIn, idempotency_key: str | None = KEY
) -> Status[Any]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    goal = services.add_goal(
        actor=user,
        plan=reading.plan_required(patient),
        goal=_goal_input(payload),
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, goal)


@router.put(
    f"{PATIENT}/care-plan/goals/{{int:goal_id}}",
    response={200: GoalOut, **ERRORS},
    summary="Change a goal (the earlier version stays in its history; counsellors)",
    description=IDEMPOTENCY_HELP,
)
def update_goal(
    request: HttpRequest,
    code: str,
    goal_id: int,
    payload: GoalIn,
    idempotency_key: str | None = KEY,
) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    goal = reading.goal_of(patient, goal_id)
    return services.update_goal(
        actor=user,
        goal=goal,
        changes=_goal_input(payload),
        idempotency_key=key_from_header(idempotency_key),
    )


@router.post(
    f"{PATIENT}/care-plan/reviews",
    response={201: ReviewOut, **ERRORS},
    summary="Record a review of the care plan; the next review date is derived (counsellors)",
    description=IDEMPOTENCY_HELP,
)
def review_care_plan(
    request: HttpRequest, code: str, payload: ReviewIn, idempotency_key: str | None = KEY
) -> Status[Any]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    review = services.review_care_plan(
        actor=user,
        plan=reading.plan_required(patient),
        note_text=payload.note,
        reviewed_on=payload.reviewed_on,
        goal_reviews=[
            GoalReviewInput(item.goal_id, item.status, item.review_note) for item in payload.goals
        ],
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, review)


@router.get(
    f"{PATIENT}/referrals",
    response={200: list[ReferralOut], **ERRORS},
    summary="The patient's referrals, newest first (read logged)",
)
def list_referrals(request: HttpRequest, code: str) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CARE)
    reading.log_care_read(user, patient)
    return reading.referrals_of(patient)


@router.post(
    f"{PATIENT}/referrals",
    response={201: ReferralOut, **ERRORS},
    summary="Plan a referral to a partner service (counsellors)",
    description=IDEMPOTENCY_HELP,
)
def plan_referral(
    request: HttpRequest, code: str, payload: ReferralIn, idempotency_key: str | None = KEY
) -> Status[Any]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    referral = services.plan_referral(
        actor=user,
        patient=patient,
        referral=ReferralInput(
            kind=payload.kind,
            partner_id=payload.partner_id,
            reason=payload.reason,
            follow_up_on=payload.follow_up_on,
            sends_data=list(payload.sends_data),
            planned_on=payload.planned_on,
        ),
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, reading.referral_of(patient, referral.pk))


@router.get(
    REFERRAL,
    response={200: ReferralOut, **ERRORS},
    summary="One referral with its stages (read logged)",
)
def get_referral(request: HttpRequest, code: str, referral_id: int) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CARE)
    referral = reading.referral_of(patient, referral_id)
    reading.log_care_read(user, patient)
    return referral


@router.post(
    f"{REFERRAL}/status",
    response={200: ReferralOut, **ERRORS},
    summary="Move a referral on: planned -> sent -> accepted -> attended -> completed, or "
    "declined, or lost to follow-up",
    description=(
        "An illegal move is 409 `referral_transition_not_allowed`. Sending a referral that sends "
        "patient data needs release-of-information consents for its partner covering each "
        "category on the day: otherwise 400 `referral_consent_missing`, naming the consent. "
        f"{IDEMPOTENCY_HELP}"
    ),
)
def change_referral_status(
    request: HttpRequest,
    code: str,
    referral_id: int,
    payload: ReferralStatusIn,
    idempotency_key: str | None = KEY,
) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    referral = services.change_referral_status(
        actor=user,
        referral=reading.referral_of(patient, referral_id),
        status=payload.status,
        on=payload.on,
        follow_up_on=payload.follow_up_on,
        note_text=payload.note,
        idempotency_key=key_from_header(idempotency_key),
    )
    return reading.referral_of(patient, referral.pk)


@router.post(
    f"{REFERRAL}/follow-up",
    response={200: ReferralOut, **ERRORS},
    summary="Move an open referral's follow-up date (counsellors)",
    description=IDEMPOTENCY_HELP,
)
def set_follow_up(
    request: HttpRequest,
    code: str,
    referral_id: int,
    payload: FollowUpIn,
    idempotency_key: str | None = KEY,
) -> Any:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.WRITE_CARE)
    referral = services.set_follow_up(
        actor=user,
        referral=reading.referral_of(patient, referral_id),
        follow_up_on=payload.follow_up_on,
        note_text=payload.note,
        idempotency_key=key_from_header(idempotency_key),
    )
    return reading.referral_of(patient, referral.pk)


# --- partner services ----------------------------------------------------------------------------

CLINIC = "/clinics/{slug:clinic}/partner-services"


def _partner_input(payload: PartnerIn) -> PartnerInput:
    return PartnerInput(
        name=payload.name,
        kinds=list(payload.kinds),
        contact=payload.contact,
        note=payload.note,
        is_active=payload.is_active,
    )


@router.get(
    CLINIC,
    response={200: list[PartnerOut], **ERRORS},
    summary="The clinic's directory of partner services",
)
def list_partners(request: HttpRequest, clinic: str) -> Any:
    user = caller(request)
    found, membership = clinic_for_request(user, clinic, Capability.VIEW_PATIENTS)
    from openhat.clinics.roles import role_can

    if not (
        role_can(membership.role, Capability.VIEW_CARE)
        or role_can(membership.role, Capability.MANAGE_PARTNERS)
    ):
        clinic_for_request(user, clinic, Capability.MANAGE_PARTNERS)  # raises: role not allowed
    return list(PartnerService.objects.filter(clinic=found).order_by("-is_active", "name"))


@router.post(
    CLINIC,
    response={201: PartnerOut, **ERRORS},
    summary="Add a partner service (counsellors and managers)",
    description=IDEMPOTENCY_HELP,
)
def add_partner(
    request: HttpRequest, clinic: str, payload: PartnerIn, idempotency_key: str | None = KEY
) -> Status[Any]:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, Capability.MANAGE_PARTNERS)
    saved = services.save_partner_service(
        actor=user,
        clinic=found,
        partner=_partner_input(payload),
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, saved)


@router.put(
    f"{CLINIC}/{{int:partner_id}}",
    response={200: PartnerOut, **ERRORS},
    summary="Change a partner service (counsellors and managers)",
    description=IDEMPOTENCY_HELP,
)
def update_partner(
    request: HttpRequest,
    clinic: str,
    partner_id: int,
    payload: PartnerIn,
    idempotency_key: str | None = KEY,
) -> Any:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, Capability.MANAGE_PARTNERS)
    service = PartnerService.objects.filter(clinic=found, pk=partner_id).first()
    if service is None:
        raise NotFound("partner_not_found", "No such partner service in this clinic.", "partner")
    return services.save_partner_service(
        actor=user,
        clinic=found,
        partner=_partner_input(payload),
        service=service,
        idempotency_key=key_from_header(idempotency_key),
    )


# --- FHIR ----------------------------------------------------------------------------------------

_BUNDLE_DOC = {
    "responses": {200: {"description": "A FHIR R4 searchset Bundle", "content": {FHIR_JSON: {}}}}
}


def _bundle_response(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type=FHIR_JSON)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    f"{PATIENT}/fhir/care-plan",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    summary="The patient's care plan as a FHIR CarePlan with its goals (a Bundle; read logged)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_care_plan(request: HttpRequest, code: str) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CARE)
    plan = reading.care_plan_of(patient)
    reading.log_care_read(user, patient)
    resources = care_plan_resource(plan) if plan is not None else []
    return _bundle_response(as_json(searchset(resources)))


@router.get(
    f"{PATIENT}/fhir/service-requests",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    summary="The patient's referrals as FHIR ServiceRequest resources (a Bundle; read logged)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_service_requests(request: HttpRequest, code: str) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CARE)
    reading.log_care_read(user, patient)
    resources = [service_request_resource(r) for r in reading.referrals_of(patient)]
    return _bundle_response(as_json(searchset(list(resources))))
