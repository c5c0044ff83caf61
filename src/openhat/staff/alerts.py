"""What a clinic's managers are told on their start page: paused witness checks and locked
sign-ins of their staff in the last days. Read from the audit trail; nothing is written here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.models import Clinic, StaffMembership

ALERT_DAYS = 7


@dataclass(frozen=True)
class Alert:
    at: datetime
    title: str
    detail: str


@dataclass(frozen=True)
class Alerts:
    items: list[Alert]
    # Wrong second-person passwords in the period, by the staff member who typed them.
    wrong_witness_passwords: list[tuple[str, int]]


def _paused(event: AuditEvent) -> Alert:
    data = event.data or {}
    who = event.actor_username or "someone"
    person = "a physician's" if data.get("as") == "physician" else "a witness's"
    by = " and ".join(data.get("by", [])) or "account"
    return Alert(
        event.at,
        f"Witness checks paused for {who}",
        f"Too many wrong passwords typed as {person} (tried: {data.get('username_tried', '?')}), "
        f"counted by {by}, from {data.get('address') or 'an unknown address'}; paused for "
        f"{data.get('minutes', '?')} minutes. Nobody's own sign-in was locked.",
    )


def alerts_for(clinic: Clinic) -> Alerts:
    since = timezone.now() - timedelta(days=ALERT_DAYS)
    recent = AuditEvent.objects.filter(at__gte=since)
    items = [
        _paused(event)
        for event in recent.filter(
            clinic=clinic, code=AuditCode.SECOND_PERSON_CHECKS_PAUSED
        ).order_by("-at")[:50]
    ]
    staff = set(
        StaffMembership.objects.filter(clinic=clinic).values_list("user__username", flat=True)
    )
    # Sign-in lockouts are not tied to a clinic (the account is locked before anyone is known).
    for event in recent.filter(code=AuditCode.LOCKED_OUT).order_by("-at")[:200]:
        username = (event.data or {}).get("username", "")
        if username in staff:
            items.append(
                Alert(
                    event.at,
                    f"Sign-in locked for {username}",
                    "Too many wrong passwords at the sign-in page; the account unlocks by itself "
                    "after the lockout time.",
                )
            )
    items.sort(key=lambda alert: alert.at, reverse=True)
    wrong = Counter(
        recent.filter(clinic=clinic, code=AuditCode.SECOND_PERSON_CHECK_FAILED).values_list(
            "actor_username", flat=True
        )
    )
    return Alerts(items, wrong.most_common())
