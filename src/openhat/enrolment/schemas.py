"""The JSON API's shapes for eligibility, licences, consents and enrolment.

Inputs forbid unknown fields and bound every string and list; the services check the meaning
(a decision the criteria contradict, an expiry in the past, ...) and name the field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, StrictBool, StringConstraints

from openhat.core.bounds import DecimalBounds
from openhat.enrolment.facts import MAX_NOTE_LENGTH
from openhat.enrolment.models import ConsentKind, DataCategory, PhysicianDecision
from openhat.patients.schemas import IsoDate, MultiLineText, OneLineText, StrictInput

# Years, percentages and daily doses: bounded so that an absurd number is an input error.
FactNumber = Annotated[Decimal, DecimalBounds(max_digits=12, places=3)]
ShortCode = Annotated[OneLineText, Field(min_length=1, max_length=32)]
FlagName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
MAX_LIST_ITEMS = 50


class PriorTreatmentIn(StrictInput):
    kind: ShortCode = Field(description="methadone, buprenorphine, srom, injectable_oat, ...")
    started_on: IsoDate
    ended_on: IsoDate | None = None
    outcome: ShortCode = Field(description="failed, abandoned, ongoing, completed, unknown")
    max_daily_dose_mg: FactNumber | None = None


class MethadoneDoseIn(StrictInput):
    started_on: IsoDate
    ended_on: IsoDate | None = None
    daily_dose_mg: FactNumber


class FactsIn(StrictInput):
    """What the assessing physician records; a field left out stays unknown."""

    date_of_birth: IsoDate | None = None
    years_dependent: FactNumber | None = None
    years_opioid_use: FactNumber | None = None
    years_injecting: FactNumber | None = None
    prior_treatments: list[PriorTreatmentIn] | None = Field(
        default=None, max_length=MAX_LIST_ITEMS, description="[] means none; null: not asked yet"
    )
    methadone_doses: list[MethadoneDoseIn] | None = Field(default=None, max_length=MAX_LIST_ITEMS)
    heroin_route: ShortCode | None = Field(default=None, description="injecting or smoking")
    share_of_days_injecting_last_90: FactNumber | None = None
    flags: dict[FlagName, StrictBool | None] = Field(default_factory=dict, max_length=40)
    use_pattern: MultiLineText = Field(default="", max_length=MAX_NOTE_LENGTH)
    health_and_social_problems: MultiLineText = Field(default="", max_length=MAX_NOTE_LENGTH)


class EligibilityAssessmentIn(StrictInput):
    facts: FactsIn
    decision: PhysicianDecision
    exception_reason: MultiLineText = Field(default="", max_length=MAX_NOTE_LENGTH)
    assessed_on: IsoDate | None = Field(default=None, description="Default: the clinic's today")


class LicenceIn(StrictInput):
    number: OneLineText = Field(min_length=1, max_length=40)
    authority: OneLineText = Field(min_length=1, max_length=120)
    valid_from: IsoDate
    valid_until: IsoDate = Field(description="The last day the licence is valid")


class ConsentIn(StrictInput):
    kind: ConsentKind
    given_on: IsoDate
    expires_on: IsoDate | None = Field(default=None, description="The last day it holds")
    recipient: OneLineText = Field(default="", max_length=200)
    purpose: OneLineText = Field(default="", max_length=300)
    covers: list[DataCategory] = Field(default_factory=list, max_length=len(DataCategory))
    note: MultiLineText = Field(default="", max_length=MAX_NOTE_LENGTH)


class RevocationIn(StrictInput):
    reason: MultiLineText = Field(min_length=1, max_length=MAX_NOTE_LENGTH)


class EnrolIn(StrictInput):
    start_date: IsoDate


class EligibilityAssessmentOut(Schema):
    version: int
    assessed_on: date
    preset_key: str
    preset_version: str
    facts: dict[str, Any]
    result: dict[str, Any] = Field(description="The engine's result, criterion by criterion")
    engine_verdict: str
    decision: PhysicianDecision
    exception_reason: str
    signed_by: str = Field(validation_alias="signed_by.username")
    signed_at: datetime
    identifiers_hidden: bool = Field(
        default=False, description="The date of birth is hidden from your role"
    )


class LicenceOut(Schema):
    id: int
    number: str | None = Field(description="Null for roles that do not see identifying data")
    authority: str
    valid_from: date
    valid_until: date
    recorded_at: datetime
    identifiers_hidden: bool = Field(
        default=False, description="The licence number is hidden from your role"
    )


class RevocationOut(Schema):
    revoked_on: date
    reason: str
    revoked_at: datetime


class ConsentOut(Schema):
    id: int
    kind: ConsentKind
    given_on: date
    expires_on: date | None
    recipient: str
    purpose: str
    covers: list[str]
    note: str
    recorded_at: datetime
    revocation: RevocationOut | None

    @staticmethod
    def resolve_revocation(consent: Any) -> Any:
        return getattr(consent, "revocation", None)


class EnrolmentOut(Schema):
    client_code: str = Field(validation_alias="patient.client_code")
    status: str = Field(validation_alias="patient.status")
    start_date: date
    assessment_version: int = Field(validation_alias="assessment.version")
    treatment_consent_id: int
    licence_id: int | None
    enrolled_at: datetime
