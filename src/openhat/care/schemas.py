"""The JSON API's shapes for care plans, referrals and partner services.

Inputs forbid unknown fields and bound every string and list; the services check the meaning
(a transition that is not allowed, a missing release consent, ...) and name the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictBool

from openhat.care.inputs import GOAL_MAX_CHARS, NAME_MAX_CHARS, NOTE_MAX_CHARS
from openhat.care.models import (
    CareDomain,
    GoalOwner,
    GoalStatus,
    ReferralKind,
    ReferralStatus,
)
from openhat.enrolment.models import DataCategory
from openhat.patients.schemas import IsoDate, MultiLineText, OneLineText, StrictInput

Note = MultiLineText


class CarePlanStartIn(StrictInput):
    started_on: IsoDate | None = Field(default=None, description="Default: the clinic's today")


class GoalIn(StrictInput):
    domain: CareDomain
    goal: OneLineText = Field(min_length=1, max_length=GOAL_MAX_CHARS)
    owner: GoalOwner
    target_on: IsoDate
    actions: Note = Field(default="", max_length=NOTE_MAX_CHARS, description="One step a line")
    status: GoalStatus = GoalStatus.NOT_STARTED
    review_note: Note = Field(default="", max_length=NOTE_MAX_CHARS)
    patient_words: Note = Field(
        default="", max_length=NOTE_MAX_CHARS, description="The patient's own words"
    )


class GoalReviewIn(StrictInput):
    goal_id: int = Field(ge=1, le=2**31 - 1)
    status: GoalStatus
    review_note: Note = Field(default="", max_length=NOTE_MAX_CHARS)


class ReviewIn(StrictInput):
    note: Note = Field(min_length=1, max_length=NOTE_MAX_CHARS)
    reviewed_on: IsoDate | None = Field(default=None, description="Default: the clinic's today")
    goals: list[GoalReviewIn] = Field(default_factory=list, max_length=100)


class GoalOut(Schema):
    id: int
    domain: str
    goal: str
    actions: str
    owner: str
    target_on: date
    status: str
    review_note: str
    patient_words: str
    updated_at: datetime


class ReviewOut(Schema):
    id: int
    reviewed_on: date
    note: str
    next_review_on: date
    reviewed_by: str = Field(validation_alias="reviewed_by.username")
    recorded_at: datetime


class CarePlanOut(Schema):
    client_code: str = Field(validation_alias="patient.client_code")
    started_on: date
    last_reviewed_on: date | None
    next_review_on: date
    review_interval_months: int = Field(validation_alias="clinic.care_plan_review_months")
    goals: list[GoalOut]
    reviews: list[ReviewOut]

    @staticmethod
    def resolve_goals(plan: Any) -> Any:
        return list(plan.goals.all())

    @staticmethod
    def resolve_reviews(plan: Any) -> Any:
        return list(plan.reviews.all())


class PartnerIn(StrictInput):
    name: OneLineText = Field(min_length=1, max_length=NAME_MAX_CHARS)
    kinds: list[ReferralKind] = Field(min_length=1, max_length=len(ReferralKind.values))
    contact: Note = Field(default="", max_length=NOTE_MAX_CHARS)
    note: Note = Field(default="", max_length=NOTE_MAX_CHARS)
    is_active: StrictBool = True


class PartnerOut(Schema):
    id: int
    name: str
    kinds: list[str]
    contact: str
    note: str
    is_active: bool


class ReferralIn(StrictInput):
    kind: ReferralKind
    partner_id: int = Field(ge=1, le=2**31 - 1)
    reason: Note = Field(min_length=1, max_length=NOTE_MAX_CHARS)
    follow_up_on: IsoDate
    sends_data: list[DataCategory] = Field(
        default_factory=list,
        max_length=len(DataCategory.values),
        description="What the referral sends to the partner; sending needs release consents",
    )
    planned_on: IsoDate | None = Field(default=None, description="Default: the clinic's today")


class ReferralStatusIn(StrictInput):
    status: ReferralStatus
    on: IsoDate | None = Field(default=None, description="Default: the clinic's today")
    follow_up_on: IsoDate | None = Field(
        default=None, description="Needed when the new status is open (sent, accepted, attended)"
    )
    note: Note = Field(default="", max_length=NOTE_MAX_CHARS)


class FollowUpIn(StrictInput):
    follow_up_on: IsoDate
    note: Note = Field(default="", max_length=NOTE_MAX_CHARS)


class ReferralOut(Schema):
    id: int
    client_code: str = Field(validation_alias="patient.client_code")
    kind: str
    partner: PartnerOut
    reason: str
    sends_data: list[str]
    status: str
    planned_on: date
    sent_on: date | None
    accepted_on: date | None
    attended_on: date | None
    ended_on: date | None
    follow_up_on: date | None
    status_note: str
    sent_under_consents: list[int]

    @staticmethod
    def resolve_sent_under_consents(referral: Any) -> list[int]:
        return sorted(consent.pk for consent in referral.sent_under.all())
