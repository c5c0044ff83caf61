"""Outcome interviews over JSON: a patient's schedule and interviews, recording an interview or a
missed one (each write takes an Idempotency-Key), and the instrument versions.

Handlers are thin: the role is checked through patients.access.patient_for (another clinic's
patient is "not found"), one service writes, and answers are checked against the instrument by
the service, so the API and the pages refuse the same answer with the same code.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Status

from openhat.clinics.access import active_memberships, clinic_by_code
from openhat.clinics.api import caller
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import NotFound
from openhat.fhir.common import as_json, searchset
from openhat.fhir.questionnaire import questionnaire, questionnaire_response
from openhat.interviews import services
from openhat.interviews.loader import definition_of
from openhat.interviews.models import Instrument, Interview
from openhat.interviews.reading import (
    DEFAULT_INSTRUMENT_KEY,
    interviews_of,
    schedule_of,
    settings_of,
)
from openhat.interviews.schedule import Windows
from openhat.interviews.schemas import (
    InstrumentOut,
    InterviewIn,
    InterviewOut,
    InterviewSettingsIn,
    InterviewSettingsOut,
    MissedIn,
    ScheduleOut,
)
from openhat.patients.access import patient_for
from openhat.patients.schemas import ErrorOut

router = Router(tags=["interviews"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PATIENT = "/patients/{slug:code}/interviews"


def interview_out(interview: Interview, client_code: str) -> dict[str, Any]:
    instrument = interview.instrument
    return {
        "id": interview.pk,
        "client_code": client_code,
        "time_point": interview.time_point,
        "target_date": interview.target_date,
        "status": interview.status,
        "instrument": f"{instrument.key} v{instrument.version}" if instrument else None,
        "on_date": interview.on_date,
        "answers": interview.answers,
        "missed_reason": interview.missed_reason,
        "outside_window_reason": interview.outside_window_reason,
        "note": interview.note,
        "recorded_at": interview.recorded_at,
    }


@router.get(
    PATIENT,
    response={200: ScheduleOut, **ERRORS},
    summary="A patient's interview schedule (statuses today) and recorded interviews",
    description="Roles that read charts; the read is written to the access log.",
)
def read_interviews(request: HttpRequest, code: str) -> dict[str, Any]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CLINICAL)
    recorded = interviews_of(user, patient)
    points = schedule_of(patient, clinic_today(patient.clinic))
    return {
        "client_code": patient.client_code,
        "schedule": [
            {
                "code": p.code,
                "label": p.label,
                "target": p.target,
                "opens": p.opens,
                "closes": p.closes,
                "status": p.status,
            }
            for p in points
        ],
        "interviews": [interview_out(view.interview, patient.client_code) for view in recorded],
    }


@router.post(
    PATIENT,
    response={201: InterviewOut, **ERRORS},
    summary="Record one time point's interview in the clinic's current instrument",
    description=(
        "Counsellors only. Refused with a code, writing nothing: more days than the recall period "
        "(`days_exceed_recall_period`), a negative count (`answer_negative`), a day outside the "
        "time point's window without `outside_window_reason` (`interview_outside_window`), a "
        f"time point already recorded (409). {idempotency.IDEMPOTENCY_HELP}"
    ),
)
def record_interview(
    request: HttpRequest,
    code: str,
    payload: InterviewIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RECORD_INTERVIEWS)
    interview = services.record_interview(
        actor=user,
        patient=patient,
        time_point=payload.time_point,
        interviewed_on=payload.interviewed_on,
        answers=dict(payload.answers),
        outside_window_reason=payload.outside_window_reason,
        note=payload.note,
        idempotency_key=idempotency.key_from_header(idempotency_key),
    )
    return Status(201, interview_out(interview, patient.client_code))


@router.post(
    f"{PATIENT}/missed",
    response={201: InterviewOut, **ERRORS},
    summary="Record that a time point's interview was missed, and why",
    description=(
        "Counsellors only. `reason`: refused, not_reachable, in_custody or deceased "
        f"(`missed_reason_required` when empty). {idempotency.IDEMPOTENCY_HELP}"
    ),
)
def record_missed(
    request: HttpRequest,
    code: str,
    payload: MissedIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RECORD_INTERVIEWS)
    interview = services.record_missed(
        actor=user,
        patient=patient,
        time_point=payload.time_point,
        reason=payload.reason,
        note=payload.note,
        idempotency_key=idempotency.key_from_header(idempotency_key),
    )
    return Status(201, interview_out(interview, patient.client_code))


def _instrument_out(instrument: Instrument) -> dict[str, Any]:
    definition = definition_of(instrument)
    return {
        "key": instrument.key,
        "version": instrument.version,
        "title": instrument.title,
        "recall_days": instrument.recall_days,
        "recall_source": definition.recall_source,
        "items": [
            {
                "code": item.code,
                "section": item.section,
                "type": item.type,
                "text": item.prompt(definition.recall_days),
                "required": item.required,
                "minimum": item.minimum,
                "maximum": definition.recall_days if item.type == "days" else item.maximum,
                "options": [value for value, _ in item.options],
            }
            for item in definition.items
        ],
    }


def _member(request: HttpRequest) -> None:
    # Instruments identify nobody, but they are the clinics' working material: members only.
    if not active_memberships(caller(request)):
        raise NotFound("not_found", "No such record in your clinics.")


@router.get(
    "/interview-instruments",
    response={200: list[InstrumentOut], **ERRORS},
    summary="Every loaded instrument version, with its items, types, bounds and recall period",
)
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    _member(request)
    return [
        _instrument_out(instrument) for instrument in Instrument.objects.order_by("key", "version")
    ]


# --- FHIR ---------------------------------------------------------------------------------------

FHIR_JSON = "application/fhir+json"


def _fhir(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type=FHIR_JSON)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    f"{PATIENT}/fhir",
    response={200: None, **ERRORS},
    summary="The patient's answered interviews as FHIR QuestionnaireResponse resources (a Bundle)",
    description="Roles that read charts; the read is written to the access log.",
    openapi_extra={
        "responses": {
            200: {"description": "A FHIR R4 searchset Bundle", "content": {FHIR_JSON: {}}}
        }
    },
)
def fhir_responses(request: HttpRequest, code: str) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CLINICAL)
    recorded = interviews_of(user, patient)
    resources = [
        questionnaire_response(view.interview, patient.client_code)
        for view in recorded
        if view.interview.instrument is not None
    ]
    return _fhir(as_json(searchset(list(resources))))


@router.get(
    "/interview-instruments/{slug:key}/{int:version}/fhir",
    response={200: None, **ERRORS},
    summary="One instrument version as a FHIR Questionnaire",
    openapi_extra={
        "responses": {200: {"description": "A FHIR R4 Questionnaire", "content": {FHIR_JSON: {}}}}
    },
)
def fhir_questionnaire(request: HttpRequest, key: str, version: int) -> HttpResponse:
    _member(request)
    instrument = Instrument.objects.filter(key=key, version=version).first()
    if instrument is None:
        raise NotFound("instrument_not_found", "No such instrument version.", "version")
    return _fhir(as_json(questionnaire(instrument)))


# --- the clinic's settings ----------------------------------------------------------------------


def _settings_out(clinic: Clinic) -> dict[str, Any]:
    found = settings_of(clinic)
    windows = found.windows() if found is not None else Windows()
    return {
        "clinic": clinic.code,
        "instrument_key": found.instrument_key if found is not None else DEFAULT_INSTRUMENT_KEY,
        **{name: getattr(windows, name) for name in services.WINDOW_FIELDS},
    }


@router.get(
    "/clinics/{clinic}/interview-settings",
    response={200: InterviewSettingsOut, **ERRORS},
    summary="The clinic's interview instrument and windows (days before and after each point)",
)
def read_settings(request: HttpRequest, clinic: str) -> dict[str, Any]:
    found, _ = clinic_by_code(caller(request), clinic, Capability.VIEW_CLINICAL)
    return _settings_out(found)


@router.put(
    "/clinics/{clinic}/interview-settings",
    response={200: InterviewSettingsOut, **ERRORS},
    summary="Set the clinic's interview instrument and windows (managers)",
    description=(
        "Window limits: intake opens up to 180 days before the start and closes up to 30 after; "
        "a follow-up up to 45 days either side (so 3 and 6 months never overlap); exit up to 90 "
        "(`window_out_of_range`). An instrument key that is not loaded is `instrument_unknown`. "
        + idempotency.IDEMPOTENCY_HELP
    ),
)
def write_settings(
    request: HttpRequest,
    clinic: str,
    payload: InterviewSettingsIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> dict[str, Any]:
    user = caller(request)
    found, _ = clinic_by_code(user, clinic, Capability.MANAGE_SETTINGS)
    services.update_settings(
        actor=user,
        clinic=found,
        instrument_key=payload.instrument_key,
        windows=Windows(**{name: getattr(payload, name) for name in services.WINDOW_FIELDS}),
        idempotency_key=idempotency.key_from_header(idempotency_key),
    )
    return _settings_out(found)
