"""The counsellor's day: one worklist gathered from the apps that own each kind of follow-up.

Each section is a provider `(clinic, today) -> list[WorklistItem]` named by its import path, so the
worklist page needs no knowledge of care plans, referrals or interviews, and a new kind of
follow-up is one row here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class WorklistItem:
    patient_id: int
    kind: str  # a stable code, e.g. "interview_due"
    label: str  # what is to be done, in words a counsellor uses
    due_on: datetime.date
    overdue: bool
    url: str  # where the counsellor does it


@dataclass(frozen=True)
class WorklistSection:
    code: str
    title: str
    provider: str  # import path of `(clinic, today) -> list[WorklistItem]`


SECTIONS: tuple[WorklistSection, ...] = (
    WorklistSection("interviews", "Interviews due", "openhat.interviews.worklist.items_due"),
    WorklistSection("care_reviews", "Care-plan reviews due", "openhat.care.worklist.reviews_due"),
    WorklistSection(
        "referrals", "Referrals to follow up", "openhat.care.worklist.referrals_to_follow_up"
    ),
)
