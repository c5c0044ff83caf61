"""The JSON API's shapes for medication orders.

Amounts are decimals (a JSON number or a decimal string) in `dose_unit` (mg by default; the
service refuses a volume or an unknown unit). Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import Field, StrictInt

from openhat.core.bounds import BoundedAwareDatetime, DecimalBounds, OneLineQuery
from openhat.patients.schemas import MultiLineText, OneLineText, StrictInput
from openhat.prescribing.services.inputs import MAX_SESSIONS_PER_DAY, MAX_TEXT_LENGTH

Amount = Annotated[Decimal, DecimalBounds(max_digits=16, places=3)]
ShortWord = Annotated[OneLineText, Field(min_length=1, max_length=16)]
TotpCode = Annotated[OneLineText, Field(max_length=12, description="The authenticator's code")]


class OrderFieldsIn(StrictInput):
    drug: ShortWord = Field(description="dam, hdm, methadone, srom, buprenorphine, naltrexone_xr")
    routes: list[ShortWord] = Field(min_length=1, max_length=5, examples=[["iv"]])
    dose_min: Amount = Field(description="The per-session dose, or the range's minimum")
    dose_max: Amount | None = Field(default=None, description="The range's maximum; null: fixed")
    usual_dose: Amount | None = Field(
        default=None,
        description="The dose most sessions get, within the dose; the station's default",
    )
    dose_unit: OneLineText = Field(default="mg", max_length=8)
    sessions_per_day: StrictInt = Field(ge=1, le=MAX_SESSIONS_PER_DAY)
    daily_max: Amount
    starts_at: BoundedAwareDatetime | None = Field(default=None, description="Default: now")
    ends_at: BoundedAwareDatetime | None = None
    phase: ShortWord = Field(default="maintenance", description="titration or maintenance")
    windows: list[ShortWord] = Field(
        default_factory=list, max_length=3, description="morning, midday, evening; []: all"
    )
    reason: MultiLineText = Field(default="", max_length=MAX_TEXT_LENGTH)
    note: MultiLineText = Field(default="", max_length=MAX_TEXT_LENGTH)


class SignOrderIn(OrderFieldsIn):
    totp_code: TotpCode = ""
    loosening_reason: MultiLineText = Field(
        default="",
        max_length=MAX_TEXT_LENGTH,
        description="Only to sign an order the preset forbids: why the preset is loosened",
    )


class SupersedeIn(SignOrderIn):
    expected_version: StrictInt = Field(ge=1, description="The version you are changing")
    effective_at: BoundedAwareDatetime | None = Field(
        default=None, description="When the change takes effect (default: starts_at, else now)"
    )


class ReasonIn(StrictInput):
    reason: MultiLineText = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class ResumeIn(ReasonIn):
    totp_code: TotpCode = ""


class ExpiringQuery(Schema):
    clinic: OneLineQuery | None = Field(
        default=None, max_length=5, description="Clinic code; required in several clinics"
    )


def _expires_soon(version: Any) -> bool:
    days = settings.OPENHAT_ORDER_EXPIRY_WARNING_DAYS
    return bool(version.expires_within(timezone.now(), days))


class OrderVersionOut(Schema):
    line_id: int
    version: int = Field(validation_alias="number")
    line_state: str = Field(validation_alias="line.state")
    drug: str
    routes: list[str]
    dose_min_mg: Decimal
    dose_max_mg: Decimal
    usual_dose_mg: Decimal | None
    sessions_per_day: int
    daily_max_mg: Decimal
    starts_at: datetime
    ends_at: datetime | None
    phase: str
    windows: list[str]
    reason: str
    note: str
    signed_by: str = Field(validation_alias="signed_by.username")
    signed_at: datetime
    supersedes_version: int | None
    preset_key: str
    preset_version: str
    preset_loosenings: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    expires_soon: bool

    @staticmethod
    def resolve_supersedes_version(version: Any) -> int | None:
        return None if version.supersedes_id is None else version.number - 1

    @staticmethod
    def resolve_expires_soon(version: Any) -> bool:
        return _expires_soon(version)


class OrderEventOut(Schema):
    line_id: int
    kind: str
    reason: str
    actor: str = Field(validation_alias="actor.username")
    at: datetime


class OrdersOut(Schema):
    current_plan: list[OrderVersionOut] = Field(description="The versions in force now")
    history: list[OrderVersionOut] = Field(description="Every version, in signing order")
    events: list[OrderEventOut] = Field(description="Suspensions, resumptions and stops")


class ExpiringOrderOut(OrderVersionOut):
    client_code: str = Field(validation_alias="patient.client_code")
