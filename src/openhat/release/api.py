"""Release of information over the JSON API: make a release, list a patient's releases.

A release answers 201 with the package itself (a FHIR R4 document Bundle, application/fhir+json)
exactly as recorded: its SHA-256 is in the `X-Package-SHA256` header and the release's number in
`X-Release-Id`. A refusal is the usual error shape (release_consent_expired, ...), and nothing is
written. Staff with Capability.RELEASE_INFORMATION (physicians, counsellors, managers).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Schema

from openhat.clinics.api import caller
from openhat.clinics.roles import Capability
from openhat.core.idempotency import IDEMPOTENCY_HELP, key_from_header
from openhat.patients.access import patient_for
from openhat.patients.schemas import ErrorOut
from openhat.release import services
from openhat.release.models import InformationRelease

router = Router(tags=["release"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
FHIR_JSON = "application/fhir+json"
KEY = Header(default=None, alias="Idempotency-Key")


class ReleaseIn(Schema):
    recipient: str
    purpose: str
    categories: list[str]


class ReleaseOut(Schema):
    id: int
    recipient: str
    purpose: str
    categories: list[str]
    consent_ids: list[int]
    on_date: date
    package_sha256: str
    released_by: str
    released_at: datetime

    @staticmethod
    def resolve_released_by(obj: InformationRelease) -> str:
        return str(obj.released_by.get_username())


@router.post(
    "/patients/{slug:code}/releases",
    response={201: None, **ERRORS},
    summary="Release the chosen data categories to a recipient under the patient's consent; "
    "answers with the package (a FHIR document Bundle)",
    description=IDEMPOTENCY_HELP,
    openapi_extra={
        "responses": {201: {"description": "A FHIR R4 document Bundle", "content": {FHIR_JSON: {}}}}
    },
)
def make_release(
    request: HttpRequest, code: str, payload: ReleaseIn, idempotency_key: str | None = KEY
) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    release = services.release_information(
        actor=user,
        patient=patient,
        recipient=payload.recipient,
        purpose=payload.purpose,
        categories=payload.categories,
        idempotency_key=key_from_header(idempotency_key),
    )
    response = HttpResponse(release.package.encode(), content_type=FHIR_JSON, status=201)
    response["X-Package-SHA256"] = release.package_sha256
    response["X-Release-Id"] = str(release.pk)
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/patients/{slug:code}/releases",
    response={200: list[ReleaseOut], **ERRORS},
    summary="The patient's releases of information, newest first (no record content)",
)
def list_releases(request: HttpRequest, code: str) -> list[InformationRelease]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    return services.releases_of(user, patient)
