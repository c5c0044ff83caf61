"""The patient registry over JSON: list, register, chart skeleton, identity, status and photo.

Every handler validates with a schema, checks the role through the access helper, calls one
service and returns. A patient of a clinic the caller does not work in is "not found".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Header, Query, Router, Status
from ninja.files import UploadedFile

from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.roles import Capability
from openhat.core.errors import DomainError, NotFound
from openhat.core.idempotency import IDEMPOTENCY_HELP, key_from_header, once
from openhat.patients import services
from openhat.patients.access import patient_for, search_patients
from openhat.patients.duplicates import DuplicateConfirmation
from openhat.patients.merging import merge_patients
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity, PatientMerge
from openhat.patients.schemas import (
    ErrorOut,
    IdentityCorrectionIn,
    IdentityIn,
    IdentityOut,
    MergeIn,
    PatientListQuery,
    PatientOut,
    PatientPageOut,
    PhotoOut,
    PossibleDuplicateOut,
    RegisterPatientIn,
    StatusChangeIn,
)
from openhat.patients.validation import IdentityInput

router = Router(tags=["patients"])

ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _identity_input(payload: IdentityIn) -> IdentityInput:
    return IdentityInput(
        legal_name=payload.legal_name,
        date_of_birth=payload.date_of_birth,
        sex=payload.sex,
        health_number=payload.health_number,
    )


@router.get(
    "",
    response={200: PatientPageOut, **ERRORS},
    summary="Patients of one clinic, by client code (no names)",
)
def list_patients(request: HttpRequest, filters: Query[PatientListQuery]) -> dict[str, Any]:
    user = caller(request)
    clinic, _ = clinic_for_request(user, filters.clinic, Capability.VIEW_PATIENTS)
    patients = search_patients(user, clinic.pk, filters.q, filters.status or "").select_related(
        "clinic"
    )
    return {
        "count": patients.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(patients[filters.offset : filters.offset + filters.limit]),
    }


@router.post(
    "",
    response={201: PatientOut, **ERRORS, 409: PossibleDuplicateOut},
    summary="Register a referred patient",
    description=(
        "Send an `Idempotency-Key` header (or the body field `idempotency_key`) to make a retry safe: "
        "a repeat with the same key answers 201 with the patient made the first time and creates "
        "nothing. Reusing a key for a different action is 409 `idempotency_key_reused`.\n\n"
        "A possible earlier record of the same person in any clinic (same name and date of birth, "
        "or same health number; case, accents and spacing ignored) is 409 `possible_duplicate` and "
        "registers nothing. Its `matches` name the records your role may see in their clinic (that "
        "read is logged) and count the others without naming them. To register anyway, send the "
        "same request with `duplicate_confirmation` set to the answer's `confirmation` and a "
        "`duplicate_reason`; if the matches changed meanwhile, the answer is 409 again."
    ),
)
def register_patient(
    request: HttpRequest,
    payload: RegisterPatientIn,
    idempotency_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Patient]:
    user = caller(request)
    key = _one_idempotency_key(idempotency_header, payload.idempotency_key)
    clinic, _ = clinic_for_request(user, payload.clinic, Capability.EDIT_PATIENTS)
    patient = services.register_patient(
        actor=user,
        clinic=clinic,
        identity=_identity_input(payload),
        idempotency_key=key,
        duplicate_confirmation=_duplicate_confirmation(
            payload.duplicate_confirmation, payload.duplicate_reason
        ),
    )
    return Status(201, patient)


def _one_idempotency_key(from_header: str | None, from_body: str | None) -> str | None:
    if from_header and from_body and from_header != from_body:
        raise DomainError(
            "idempotency_key_mismatch",
            "The Idempotency-Key header and the body's idempotency_key differ; send one.",
            "idempotency_key",
        )
    return from_header or from_body or None


@router.get(
    "/{slug:code}",
    response={200: PatientOut, **ERRORS},
    summary="One patient's pseudonymous record and status history",
)
def patient_detail(request: HttpRequest, code: str) -> Patient:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_PATIENTS)
    return patient


@router.get(
    "/{slug:code}/identity",
    response={200: IdentityOut, **ERRORS},
    summary="Identifying data (logged as an access to the record)",
)
def read_identity(request: HttpRequest, code: str) -> PatientIdentity:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_IDENTITY)
    return services.read_identity(actor=user, patient=patient)


@router.put(
    "/{slug:code}/identity",
    response={200: IdentityOut, **ERRORS, 409: PossibleDuplicateOut},
    summary="Correct identifying data (the answer is logged as an access to the record)",
    description=(
        IDEMPOTENCY_HELP
        + "\n\nA correction whose name and date of birth, or health number, newly match another "
        "patient in any clinic is 409 `possible_duplicate` and saves nothing (the `matches` are "
        "shown as at registration). To save anyway, send the same body with "
        "`duplicate_confirmation` set to the answer's `confirmation` and a `duplicate_reason`."
    ),
)
def update_identity(
    request: HttpRequest,
    code: str,
    payload: IdentityCorrectionIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> PatientIdentity:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.EDIT_PATIENTS)
    services.update_identity(
        actor=user,
        patient=patient,
        identity=_identity_input(payload),
        idempotency_key=key_from_header(idempotency_key),
        duplicate_confirmation=_duplicate_confirmation(
            payload.duplicate_confirmation, payload.duplicate_reason
        ),
    )
    # The answer shows the identity as stored: a read, logged like GET (a retry's answer too).
    return services.read_identity(actor=user, patient=patient)


def _duplicate_confirmation(token: str | None, reason: str) -> DuplicateConfirmation | None:
    return DuplicateConfirmation(token, reason) if token else None


@router.post(
    "/{slug:code}/status",
    response={200: PatientOut, **ERRORS, 409: ErrorOut},
    summary="Move a patient along the lifecycle (assessing, enrolled, suspended, exited, readmitted)",
    description=IDEMPOTENCY_HELP,
)
def change_status(
    request: HttpRequest,
    code: str,
    payload: StatusChangeIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Patient:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.CHANGE_STATUS)
    return once(
        user,
        key_from_header(idempotency_key),
        f"patients.change_status:{patient.pk}",
        Patient,
        lambda: services.change_status(
            actor=user,
            patient=patient,
            to_status=payload.to_status,
            effective_date=payload.effective_date,
            exit_reason=payload.exit_reason or "",
            note=payload.note,
        ),
    )


@router.post(
    "/{slug:code}/merge",
    response={200: PatientOut, **ERRORS, 409: ErrorOut},
    summary="Merge this duplicate record into the record of the same person (cannot be undone)",
    description=(
        "Physicians and managers, in both records' clinics, with the code from their "
        "authenticator app and a reason. Nothing is deleted: the duplicate is marked merged into "
        "`survivor`, and dosing, the board, the chart, the day sheet and FHIR read both records "
        "as one person. Refused with 409 when the duplicate has live orders or an open session, "
        "or either record is already merged. " + IDEMPOTENCY_HELP
    ),
)
def merge_patient(
    request: HttpRequest,
    code: str,
    payload: MergeIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Patient:
    user = caller(request)
    duplicate, _ = patient_for(user, code, Capability.MERGE_PATIENTS)
    survivor, _ = patient_for(user, payload.survivor, Capability.MERGE_PATIENTS)
    once(
        user,
        key_from_header(idempotency_key),
        f"patients.merge:{duplicate.pk}",
        PatientMerge,
        lambda: merge_patients(
            actor=user,
            duplicate=duplicate,
            survivor=survivor,
            reason=payload.reason,
            totp_code=payload.totp_code,
        ),
    )
    return Patient.objects.select_related("clinic", "merged_into").get(pk=duplicate.pk)


@router.post(
    "/{slug:code}/photo",
    response={201: PhotoOut, **ERRORS, 409: ErrorOut},
    summary="Upload an ID photo (multipart field `photo`; JPEG, PNG or WebP)",
    description=IDEMPOTENCY_HELP,
)
def upload_photo(
    request: HttpRequest,
    code: str,
    photo: File[UploadedFile],
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[IdentityPhoto]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.EDIT_PATIENTS)
    # One byte past the limit is enough for the service to refuse an oversized file.
    content = photo.read(settings.OPENHAT_PHOTO_MAX_BYTES + 1)
    uploaded = once(
        user,
        key_from_header(idempotency_key),
        f"patients.upload_photo:{patient.pk}",
        IdentityPhoto,
        lambda: services.upload_photo(actor=user, patient=patient, content=content),
    )
    return Status(201, uploaded)


@router.get(
    "/{slug:code}/photo",
    response={200: None, **ERRORS},
    summary="The current ID photo's image bytes (logged as an access to the record)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The image",
                "content": {f"image/{kind}": {} for kind in ("jpeg", "png", "webp")},
            }
        }
    },
)
def read_photo(request: HttpRequest, code: str) -> HttpResponse:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.VIEW_IDENTITY)
    photo = services.read_photo(actor=user, patient=patient)
    if photo is None:
        raise NotFound("photo_not_found", "This patient has no photo yet.", "photo")
    response = HttpResponse(bytes(photo.content), content_type=photo.content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response
