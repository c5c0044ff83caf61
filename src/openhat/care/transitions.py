"""The legal moves of a referral (CLINIC.md §3.6: planned -> sent -> accepted -> attended or
completed, or declined, or lost to follow-up). Everything else is refused with
`referral_transition_not_allowed`.

- A planned referral is sent, or ends: the patient declines it, or cannot be found to send it.
- A sent one is accepted, or the partner (or the patient) declines it, or it is lost.
- An accepted one is attended (a first appointment kept), or completed at once (a one-off
  service), or declined, or lost.
- An attended one is completed, or lost (the patient stops going).
- Completed, declined and lost to follow-up are final: a new need is a new referral.
"""

from __future__ import annotations

from openhat.care.models import ReferralStatus

S = ReferralStatus

ALLOWED_NEXT: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.SENT, S.DECLINED, S.LOST_TO_FOLLOW_UP),
    S.SENT: (S.ACCEPTED, S.DECLINED, S.LOST_TO_FOLLOW_UP),
    S.ACCEPTED: (S.ATTENDED, S.COMPLETED, S.DECLINED, S.LOST_TO_FOLLOW_UP),
    S.ATTENDED: (S.COMPLETED, S.LOST_TO_FOLLOW_UP),
    S.COMPLETED: (),
    S.DECLINED: (),
    S.LOST_TO_FOLLOW_UP: (),
}

# The date column each status sets when it is reached.
DATE_FIELD: dict[str, str] = {
    S.SENT: "sent_on",
    S.ACCEPTED: "accepted_on",
    S.ATTENDED: "attended_on",
    S.COMPLETED: "ended_on",
    S.DECLINED: "ended_on",
    S.LOST_TO_FOLLOW_UP: "ended_on",
}


def allowed_next(status: str) -> tuple[str, ...]:
    return ALLOWED_NEXT.get(status, ())


def is_allowed(current: str, wanted: str) -> bool:
    return wanted in allowed_next(current)
