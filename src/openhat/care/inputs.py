"""What the care services accept, and the checks every page and the API share.

Each check raises a DomainError naming the field, so a page shows it on the field and the API
answers {code, message, field} with a 4xx. Nothing is written before every check has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from openhat.care.models import CareDomain, GoalOwner, GoalStatus, ReferralKind
from openhat.core.bounds import check_date, check_text
from openhat.core.errors import DomainError
from openhat.enrolment.models import DataCategory

GOAL_MAX_CHARS = 300
NAME_MAX_CHARS = 200
NOTE_MAX_CHARS = 4000


@dataclass(frozen=True)
class GoalInput:
    domain: str
    goal: str
    owner: str
    target_on: date
    actions: str = ""
    status: str = GoalStatus.NOT_STARTED
    review_note: str = ""
    patient_words: str = ""


@dataclass(frozen=True)
class GoalReviewInput:
    goal_id: int
    status: str
    review_note: str = ""


@dataclass(frozen=True)
class PartnerInput:
    name: str
    kinds: list[str]
    contact: str = ""
    note: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class ReferralInput:
    kind: str
    partner_id: int
    reason: str
    follow_up_on: date
    sends_data: list[str] = field(default_factory=list)
    planned_on: date | None = None


def one_line(text: str, field_name: str, *, required: bool, max_chars: int) -> str:
    cleaned = " ".join(check_text(text or "", field_name).split())
    if required and not cleaned:
        raise DomainError(f"{field_name}_required", "This cannot be empty.", field_name)
    if len(cleaned) > max_chars:
        raise DomainError(
            "text_too_long", f"Write at most {max_chars} characters here.", field_name
        )
    return cleaned


def note(text: str, field_name: str, *, required: bool = False) -> str:
    cleaned = check_text(text or "", field_name, multi_line=True).strip()
    if required and not cleaned:
        raise DomainError(f"{field_name}_required", "Write a note.", field_name)
    if len(cleaned) > NOTE_MAX_CHARS:
        raise DomainError(
            "text_too_long", f"Write at most {NOTE_MAX_CHARS} characters here.", field_name
        )
    return cleaned


def choice(value: str, choices: Iterable[str], field_name: str, what: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise DomainError(
            f"{field_name}_unknown", f"Choose the {what}: {', '.join(allowed)}.", field_name
        )
    return value


def day(value: date, field_name: str) -> date:
    return check_date(value, field_name)


def not_in_future(value: date, today: date, field_name: str, what: str) -> date:
    check_date(value, field_name)
    if value > today:
        raise DomainError(f"{field_name}_in_future", f"{what} cannot be in the future.", field_name)
    return value


def clean_goal(goal: GoalInput) -> GoalInput:
    return GoalInput(
        domain=choice(goal.domain, CareDomain.values, "domain", "domain"),
        goal=one_line(goal.goal, "goal", required=True, max_chars=GOAL_MAX_CHARS),
        owner=choice(goal.owner, GoalOwner.values, "owner", "owner"),
        target_on=day(goal.target_on, "target_on"),
        actions=note(goal.actions, "actions"),
        status=choice(goal.status, GoalStatus.values, "status", "status"),
        review_note=note(goal.review_note, "review_note"),
        patient_words=note(goal.patient_words, "patient_words"),
    )


def clean_partner(partner: PartnerInput) -> PartnerInput:
    kinds = sorted(set(partner.kinds or []), key=list(ReferralKind.values).index)
    for kind in kinds:
        choice(kind, ReferralKind.values, "kinds", "kinds of service")
    if not kinds:
        raise DomainError("kinds_required", "Choose at least one kind of service.", "kinds")
    return PartnerInput(
        name=one_line(partner.name, "name", required=True, max_chars=NAME_MAX_CHARS),
        kinds=kinds,
        contact=note(partner.contact, "contact"),
        note=note(partner.note, "note"),
        is_active=bool(partner.is_active),
    )


def clean_categories(categories: Iterable[str]) -> list[str]:
    chosen = set(categories or [])
    for category in chosen:
        choice(category, DataCategory.values, "sends_data", "data categories")
    return [category for category in DataCategory.values if category in chosen]
