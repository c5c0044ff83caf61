"""The only writers of care plans, partner services and referrals.

Each function checks the actor's role in the record's clinic (another clinic's record is
NotFound), validates its input into a DomainError naming the field, and writes its rows and its
audit event in one transaction. A repeat with the same idempotency key returns what the first
call wrote and writes nothing more.
"""

from openhat.care.services.plans import (
    add_goal,
    next_review_after,
    review_care_plan,
    start_care_plan,
    update_goal,
)
from openhat.care.services.referrals import (
    change_referral_status,
    plan_referral,
    save_partner_service,
    set_follow_up,
)
from openhat.care.services.settings import set_review_interval

__all__ = [
    "add_goal",
    "change_referral_status",
    "next_review_after",
    "plan_referral",
    "review_care_plan",
    "save_partner_service",
    "set_follow_up",
    "set_review_interval",
    "start_care_plan",
    "update_goal",
]
