"""The clinic's own full FHIR Bulk Data-style export over the JSON API (managers only).

GET /api/clinics/{clinic}/fhir/export answers at once with a zip of one NDJSON file per resource
type and the Bulk Data manifest (research.bulk). The asynchronous `$export` kick-off and status
polling of the Bulk Data Access IG are not implemented: a clinic's export takes seconds, so one
request returns it. A study's pseudonymised export is made and downloaded on the researchers' page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.roles import Capability
from openhat.core.clock import clinic_today
from openhat.core.clock import now as clock_now
from openhat.patients.schemas import ErrorOut
from openhat.research.clinic_export import clinic_fhir_export
from openhat.research.files import zip_bytes

router = Router(tags=["fhir"])


@router.get(
    "/clinics/{clinic}/fhir/export",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    summary="The clinic's full FHIR export: NDJSON per resource type and a Bulk Data manifest, "
    "zipped (managers; identifiable, every patient logged)",
    openapi_extra={
        "responses": {
            200: {"description": "A zip of NDJSON files", "content": {"application/zip": {}}}
        }
    },
)
def clinic_fhir_export_zip(request: HttpRequest, clinic: str) -> HttpResponse:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, Capability.EXPORT_CLINIC_DATA)
    files = clinic_fhir_export(actor=user, clinic=found)
    moment = clock_now()
    folder = f"{found.code}-fhir-{clinic_today(found, moment).isoformat()}"
    response = HttpResponse(zip_bytes(files, folder, moment), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    response["Cache-Control"] = "no-store"
    return response
