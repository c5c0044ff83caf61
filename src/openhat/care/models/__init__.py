"""Care plans with goals and reviews, the clinic's partner services, and referrals to them."""

from openhat.care.models.plans import (
    CareDomain,
    CareGoal,
    CarePlan,
    CarePlanReview,
    GoalOwner,
    GoalStatus,
)
from openhat.care.models.referrals import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    PartnerService,
    Referral,
    ReferralKind,
    ReferralStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "TERMINAL_STATUSES",
    "CareDomain",
    "CareGoal",
    "CarePlan",
    "CarePlanReview",
    "GoalOwner",
    "GoalStatus",
    "PartnerService",
    "Referral",
    "ReferralKind",
    "ReferralStatus",
]
