"""FHIR R4 exports over the JSON API: a patient's MedicationRequests and Consents.

Each answer is a searchset Bundle (application/fhir+json) built and validated by
fhir.resources.R4B. These routes serve the patient's own clinic (Capability.VIEW_CLINICAL;
another clinic's patient is "not found"). An export to any other party is a release of
information and must first pass openhat.enrolment.checks.release_consent for the recipient,
the purpose and each data category it sends.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.roles import Capability
from openhat.fhir.bundle import read_patient_bundle
from openhat.fhir.common import as_json, searchset
from openhat.fhir.consent import consents
from openhat.fhir.medication_administration import (
    administration_for,
    administration_resource,
    medication_administrations,
    patient_in_clinic,
    period,
)
from openhat.fhir.medication_request import medication_requests
from openhat.patients.access import patient_for
from openhat.patients.models import Patient
from openhat.patients.records import person_record_ids
from openhat.patients.schemas import ErrorOut

router = Router(tags=["fhir"])

FHIR_JSON = "application/fhir+json"
ERRORS: dict[int, type[ErrorOut]] = {403: ErrorOut, 404: ErrorOut}
_BUNDLE_DOC = {
    "responses": {200: {"description": "A FHIR R4 searchset Bundle", "content": {FHIR_JSON: {}}}}
}


def _bundle_response(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type=FHIR_JSON)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/patients/{slug:code}/fhir/medication-requests",
    response={200: None, **ERRORS},
    summary="The patient's order versions as FHIR MedicationRequest resources (a Bundle)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_medication_requests(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_CLINICAL)
    return _bundle_response(as_json(searchset(list(medication_requests(patient)))))


@router.get(
    "/patients/{slug:code}/fhir/bundle",
    response={200: None, **ERRORS},
    summary="The patient's record as one FHIR R4 collection Bundle: Patient, MedicationRequest, "
    "MedicationAdministration, Observation, CarePlan, Consent and QuestionnaireResponse",
    description="What the caller's role may read; the name, date of birth and health number "
    "only for roles that see identity. Each kind of record read is written to the access log.",
    openapi_extra={
        "responses": {
            200: {"description": "A FHIR R4 collection Bundle", "content": {FHIR_JSON: {}}}
        }
    },
)
def fhir_patient_bundle(request: HttpRequest, code: str) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_CLINICAL)
    return _bundle_response(as_json(read_patient_bundle(actor=user, patient=patient)))


@router.get(
    "/patients/{slug:code}/fhir/consents",
    response={200: None, **ERRORS},
    summary="The patient's consents as FHIR Consent resources (a Bundle)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_consents(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_CLINICAL)
    return _bundle_response(as_json(searchset(list(consents(patient)))))


@router.get(
    "/clinics/{clinic}/fhir/MedicationAdministration/{administration_id}",
    response={200: None, 400: ErrorOut, **ERRORS},
    summary="One dose given at the dosing station as a FHIR MedicationAdministration",
    openapi_extra={
        "responses": {
            200: {"description": "A FHIR R4 MedicationAdministration", "content": {FHIR_JSON: {}}}
        }
    },
)
def fhir_medication_administration(
    request: HttpRequest, clinic: str, administration_id: str
) -> HttpResponse:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, Capability.VIEW_CLINICAL)
    row = administration_for(found, administration_id)
    # A view of the patient's dosing record (docs/domain.md §7 invariant 7), as the day sheet logs.
    record_access(actor=user, patient=row.patient, record=AccessedRecord.DOSING_RECORD)
    return _bundle_response(as_json(administration_resource(row)))


@router.get(
    "/clinics/{clinic}/fhir/Patient/{patient_id}/MedicationAdministration",
    response={200: None, 400: ErrorOut, **ERRORS},
    summary="A patient's doses given on the dosing days from..to (default the last 30 days) "
    "as FHIR MedicationAdministration resources (a Bundle)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_medication_administrations(
    request: HttpRequest,
    clinic: str,
    patient_id: str,
    first: str | None = Query(default=None, alias="from"),
    last: str | None = Query(default=None, alias="to"),
) -> HttpResponse:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, Capability.VIEW_CLINICAL)
    patient = patient_in_clinic(found, patient_id)
    first_day, last_day = period(found, first, last)
    resources = medication_administrations(patient, first_day, last_day)
    # A view of each record read: the patient's own and any merged into it (patients.records).
    for record in Patient.objects.filter(
        pk__in=person_record_ids(patient, clinic_id=found.pk)
    ).order_by("pk"):
        record_access(actor=user, patient=record, record=AccessedRecord.DOSING_RECORD)
    return _bundle_response(as_json(searchset(list(resources))))
