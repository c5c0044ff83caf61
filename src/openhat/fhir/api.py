"""FHIR R4 exports over the JSON API: a patient's MedicationRequests and Consents.

Each answer is a searchset Bundle (application/fhir+json) built and validated by
fhir.resources.R4B. These routes serve the patient's own clinic (Capability.VIEW_CLINICAL;
another clinic's patient is "not found"). An export to any other party is a release of
information and must first pass openhat.enrolment.checks.release_consent for the recipient,
the purpose and each data category it sends.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from openhat.clinics.api import caller
from openhat.clinics.roles import Capability
from openhat.fhir.common import as_json, searchset
from openhat.fhir.consent import consents
from openhat.fhir.medication_request import medication_requests
from openhat.patients.access import patient_for
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
    "/patients/{slug:code}/fhir/consents",
    response={200: None, **ERRORS},
    summary="The patient's consents as FHIR Consent resources (a Bundle)",
    openapi_extra=_BUNDLE_DOC,
)
def fhir_consents(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_CLINICAL)
    return _bundle_response(as_json(searchset(list(consents(patient)))))
