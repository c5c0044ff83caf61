"""The JSON API's shapes for patients: strict on the way in, pseudonymous unless named otherwise.

Input schemas forbid unknown fields, take strings only as strings (no number-to-string coercion),
and dates only as ISO calendar dates ("1975-05-17"); a timestamp or a number is refused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

from openhat.core.bounds import BoundedDate, MultiLineText, OneLineQuery, OneLineText
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Sex
from openhat.patients.services import MAX_NOTE_LENGTH

LEGAL_NAME_MAX_LENGTH = 200
HEALTH_NUMBER_MAX_LENGTH = 40
IDEMPOTENCY_KEY_MAX_LENGTH = 100
CLINIC_CODE_MAX_LENGTH = 5

# The shared bounds (openhat/core/bounds.py), under the names the schemas have always used.
IsoDate = BoundedDate


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


class StrictInput(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class IdentityIn(StrictInput):
    legal_name: OneLineText = Field(min_length=1, max_length=LEGAL_NAME_MAX_LENGTH)
    date_of_birth: IsoDate
    sex: Sex = Sex.UNKNOWN
    health_number: OneLineText = Field(default="", max_length=HEALTH_NUMBER_MAX_LENGTH)


class RegisterPatientIn(IdentityIn):
    clinic: OneLineText = Field(min_length=1, max_length=CLINIC_CODE_MAX_LENGTH, examples=["ZRH"])
    idempotency_key: OneLineText | None = Field(
        default=None,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="Same as the Idempotency-Key header; send one or the other (or both, equal).",
    )
    duplicate_confirmation: OneLineText | None = Field(
        default=None,
        max_length=64,
        description=(
            "The `confirmation` of a 409 `possible_duplicate` answer: register although a possible "
            "earlier record of this person exists. Needs `duplicate_reason`."
        ),
    )
    duplicate_reason: MultiLineText = Field(
        default="",
        max_length=1000,
        description="Why this is a different person, or why a second record is needed (audited).",
    )


class IdentityCorrectionIn(IdentityIn):
    duplicate_confirmation: OneLineText | None = Field(
        default=None,
        max_length=64,
        description=(
            "The `confirmation` of a 409 `possible_duplicate` answer: save the correction although "
            "it makes this record match another patient's. Needs `duplicate_reason`."
        ),
    )
    duplicate_reason: MultiLineText = Field(
        default="",
        max_length=1000,
        description="Why this is a different person, or why a second record is needed (audited).",
    )


class StatusChangeIn(StrictInput):
    to_status: PatientStatus
    effective_date: IsoDate
    exit_reason: Annotated[ExitReason | None, BeforeValidator(_blank_to_none)] = None
    note: MultiLineText = Field(default="", max_length=MAX_NOTE_LENGTH)


class MergeIn(StrictInput):
    survivor: OneLineText = Field(
        min_length=1, max_length=20, description="Client code of the record to keep"
    )
    reason: MultiLineText = Field(min_length=1, max_length=2000)
    totp_code: OneLineText = Field(
        default="", max_length=12, description="The code from your authenticator app"
    )


class TokenIn(StrictInput):
    name: OneLineText = Field(min_length=1, max_length=80, examples=["dosing tablet 2"])


class PatientListQuery(Schema):
    clinic: OneLineQuery | None = Field(
        default=None,
        max_length=CLINIC_CODE_MAX_LENGTH,
        description="Clinic code; required when you work in more than one clinic.",
    )
    q: str = Field(
        default="", max_length=40, description="Client code or number, e.g. 42 or ZRH-0042."
    )
    status: Annotated[PatientStatus | None, BeforeValidator(_blank_to_none)] = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


class PossibleMatchOut(Schema):
    """A possible earlier record of the person; named only to roles that may see its identity."""

    visible: bool
    matched_on: list[str] = []
    client_code: str | None = None
    clinic: str | None = None
    status: str | None = None
    legal_name: str | None = None
    date_of_birth: date | None = None
    health_number: str | None = None
    merged_into: str | None = None


class PossibleDuplicateOut(ErrorOut):
    """409 `possible_duplicate` (nothing registered), or another 409 without the two extra fields."""

    confirmation: str | None = None
    matches: list[PossibleMatchOut] = []


class PatientSummaryOut(Schema):
    client_code: str
    clinic: str = Field(validation_alias="clinic.code")
    status: PatientStatus
    status_since: date
    exit_date: date | None
    exit_reason: ExitReason | None

    @staticmethod
    def resolve_exit_reason(patient: Any) -> str | None:
        return patient.exit_reason or None


class PatientPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientSummaryOut]


class StatusChangeOut(Schema):
    from_status: PatientStatus | None
    to_status: PatientStatus
    effective_date: date
    exit_reason: ExitReason | None
    note: str
    recorded_at: datetime = Field(validation_alias="at")

    @staticmethod
    def resolve_from_status(change: Any) -> str | None:
        return change.from_status or None

    @staticmethod
    def resolve_exit_reason(change: Any) -> str | None:
        return change.exit_reason or None


class PatientOut(PatientSummaryOut):
    status_history: list[StatusChangeOut]
    merged_into: str | None = Field(
        default=None, description="Client code of the record this duplicate was merged into"
    )

    @staticmethod
    def resolve_merged_into(patient: Any) -> str | None:
        return patient.merged_into.client_code if patient.merged_into_id else None

    @staticmethod
    def resolve_status_history(patient: Any) -> list[Any]:
        return list(patient.status_changes.order_by("at", "id"))


class IdentityOut(Schema):
    """Identifying data: only for roles with the view-identity capability, and every read is logged."""

    client_code: str = Field(validation_alias="patient.client_code")
    legal_name: str
    date_of_birth: date
    sex: Sex
    health_number: str
    updated_at: datetime


class PhotoOut(Schema):
    client_code: str = Field(validation_alias="patient.client_code")
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
