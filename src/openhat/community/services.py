"""The only writer of the community log, its reader, and its counts (docs/domain.md §14).

An entry names no patient: text holding a client code of one of the clinic's patients is refused
(`client_code_in_text`). An entry is never edited: a correction is a new entry linked to the one
it replaces. The audit event names the entry and its category, never its text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.community.models import (
    MAX_ACTION_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    CommunityLogEntry,
    LogCategory,
)
from openhat.core import clock
from openhat.core.bounds import check_date, check_text
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.patients.models import Patient

# A client code is the clinic's code, a hyphen and a number (ZRH-0007); people write it with a
# space, without the hyphen or without the leading zeros too.
_CODE_LIKE = re.compile(r"\b([A-Za-z]{3,5})\s*[-\u2010\u2013]?\s*(\d{1,6})\b")


def client_codes_in(clinic: Clinic, text: str) -> list[str]:
    """The client codes of the clinic's patients that `text` names."""
    wanted = {
        f"{prefix.upper()}-{int(number):04d}"
        for prefix, number in _CODE_LIKE.findall(text)
        if prefix.upper() == clinic.code
    }
    if not wanted:
        return []
    return sorted(
        Patient.objects.filter(clinic=clinic, client_code__in=wanted).values_list(
            "client_code", flat=True
        )
    )


def _checked_text(clinic: Clinic, text: str, field: str, longest: int, missing: str) -> str:
    text = (text or "").strip()
    check_text(text, field, multi_line=True)
    if not text:
        raise DomainError(f"{field}_missing", missing, field)
    if len(text) > longest:
        raise DomainError(f"{field}_too_long", f"Keep it within {longest} characters.", field)
    if client_codes_in(clinic, text):
        raise DomainError(
            "client_code_in_text",
            "The log is published as counts and read by staff outside care: name no patient. "
            "Remove the client code.",
            field,
        )
    return text


def record_entry(
    *,
    actor: User,
    clinic: Clinic,
    occurred_on: date,
    category: str,
    description: str,
    action_taken: str,
    corrects: CommunityLogEntry | None = None,
) -> CommunityLogEntry:
    """A new entry, or a correction of an earlier entry of the same clinic (which then no longer
    counts). The day is the clinic's local day, never in the future."""
    require(actor, clinic, Capability.COMMUNITY_LOG)
    check_date(occurred_on, "occurred_on")
    if occurred_on > clinic_today(clinic):
        raise DomainError("occurred_in_future", "The day cannot be in the future.", "occurred_on")
    if category not in LogCategory.values:
        raise DomainError("unknown_category", "Choose a category from the list.", "category")
    description = _checked_text(
        clinic, description, "description", MAX_DESCRIPTION_LENGTH, "Say what happened."
    )
    action_taken = _checked_text(
        clinic, action_taken, "action_taken", MAX_ACTION_LENGTH, "Say what was done."
    )
    with transaction.atomic():
        if corrects is not None:
            # Locked so that two corrections of one entry cannot both be written (the one-to-one
            # field would refuse the second with an IntegrityError instead of a clear message).
            corrects = CommunityLogEntry.objects.select_for_update().get(pk=corrects.pk)
            if corrects.clinic_id != clinic.pk:
                raise NotFound("not_found", "No such entry in your clinic.")
            if CommunityLogEntry.objects.filter(corrects=corrects).exists():
                raise DomainError(
                    "entry_already_corrected",
                    "This entry was corrected already; correct the latest entry instead.",
                    "corrects",
                )
        entry = CommunityLogEntry.objects.create(
            clinic=clinic,
            occurred_on=occurred_on,
            category=category,
            description=description,
            action_taken=action_taken,
            corrects=corrects,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        record_event(
            AuditCode.COMMUNITY_LOG_RECORDED,
            actor=actor,
            clinic=clinic,
            target=entry,
            data={
                "category": category,
                "occurred_on": occurred_on.isoformat(),
                "corrects": corrects.pk if corrects else None,
            },
        )
        return entry


def current_entries(clinic: Clinic) -> QuerySet[CommunityLogEntry]:
    """The entries that count: those no later entry corrects."""
    return CommunityLogEntry.objects.filter(clinic=clinic, corrected_by__isnull=True)


def entry_for(actor: User, clinic: Clinic, entry_id: int | str) -> CommunityLogEntry:
    require(actor, clinic, Capability.COMMUNITY_LOG)
    try:
        return CommunityLogEntry.objects.get(clinic=clinic, pk=int(entry_id))
    except (CommunityLogEntry.DoesNotExist, ValueError, OverflowError):
        raise NotFound("not_found", "No such entry in your clinic.") from None


def read_log(*, actor: User, clinic: Clinic) -> list[CommunityLogEntry]:
    """Every entry of the clinic, newest day first, corrections beside what they correct."""
    require(actor, clinic, Capability.COMMUNITY_LOG)
    return list(
        CommunityLogEntry.objects.filter(clinic=clinic)
        .select_related("recorded_by", "corrects")
        .order_by("-occurred_on", "-recorded_at", "-pk")
    )


@dataclass(frozen=True)
class MonthCounts:
    month: str  # YYYY-MM
    counts: dict[str, int]  # category -> entries

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def summary(clinic: Clinic, first: date, last: date) -> list[MonthCounts]:
    """Entries by month and category from `first` to `last` (days, both included), every month of
    the span listed, empty ones with zeros."""
    if last < first:
        raise DomainError("period_reversed", "The period ends before it starts.", "last")
    found = Counter(
        (day.strftime("%Y-%m"), category)
        for day, category in current_entries(clinic)
        .filter(occurred_on__range=(first, last))
        .values_list("occurred_on", "category")
    )
    months: list[MonthCounts] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        key = f"{year:04d}-{month:02d}"
        months.append(MonthCounts(key, {c: found[(key, c)] for c in LogCategory.values}))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
