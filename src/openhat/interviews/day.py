"""The counsellor's day (issue 14, item 7): the worklist of every kind of follow-up that is due
(core.worklist.SECTIONS: interviews here, care-plan reviews and referrals from openhat.care), with
who of these patients is at the clinic today and who is in observation after a dose now, since
the half hour of observation is the best moment to catch someone for an interview.

Patients are shown by client code only; a chart or an interview page is where more is read, and
logged. Counsellors land here after signing in (core.views.START_PAGES).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.core.worklist import SECTIONS, WorklistItem, WorklistSection
from openhat.dosing.models import DosingSession, SessionState
from openhat.interviews.models import CounsellorCall
from openhat.patients.models import Patient
from openhat.rules.day import dosing_day


@dataclass(frozen=True)
class Presence:
    """One patient at the clinic today: the latest session's state and, in observation, until when."""

    state: str
    window: str
    observe_until: datetime | None

    @property
    def observing(self) -> bool:
        return self.state == SessionState.OBSERVING


@dataclass(frozen=True)
class Row:
    item: WorklistItem
    client_code: str
    presence: Presence | None
    called_at: datetime | None


def presence_today(clinic: Clinic, now: datetime) -> dict[int, Presence]:
    day = dosing_day(now, clinic.zone)
    found: dict[int, Presence] = {}
    sessions = (
        DosingSession.objects.filter(clinic=clinic, dosing_day=day)
        .select_related("administration")
        .order_by("checked_in_at")
    )
    for session in sessions:
        administration = getattr(session, "administration", None)
        found[session.patient_id] = Presence(
            session.state,
            session.window,
            administration.observe_until if administration is not None else None,
        )
    return found


def calls_today(clinic: Clinic, now: datetime) -> dict[int, datetime]:
    since = now - timedelta(hours=12)
    calls: dict[int, datetime] = {}
    for patient_id, at in CounsellorCall.objects.filter(
        clinic=clinic, called_at__gte=since
    ).values_list("patient_id", "called_at"):
        calls[patient_id] = max(at, calls.get(patient_id, at))
    return calls


def _sorted(rows: list[Row]) -> list[Row]:
    # In observation now first (the moment to catch them), then here today, then by due date.
    def key(row: Row) -> tuple[int, date, str]:
        rank = 2
        if row.presence is not None:
            rank = 0 if row.presence.observing else 1
        return rank, row.item.due_on, row.client_code

    return sorted(rows, key=key)


def build_day(clinic: Clinic, today: date, now: datetime) -> dict[str, Any]:
    provided: list[tuple[WorklistSection, list[WorklistItem]]] = [
        (section, list(import_string(section.provider)(clinic, today))) for section in SECTIONS
    ]
    ids = {item.patient_id for _, items in provided for item in items}
    presence = presence_today(clinic, now)
    ids |= {pid for pid, seen in presence.items() if seen.observing}
    codes = dict(Patient.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", "client_code"))
    calls = calls_today(clinic, now)
    sections = [
        (
            section,
            _sorted(
                [
                    Row(
                        item,
                        codes.get(item.patient_id, "?"),
                        presence.get(item.patient_id),
                        calls.get(item.patient_id),
                    )
                    for item in items
                ]
            ),
        )
        for section, items in provided
    ]
    on_list = {item.patient_id for _, items in provided for item in items}
    observing = sorted(
        (
            (codes.get(pid, "?"), seen, pid in on_list, calls.get(pid))
            for pid, seen in presence.items()
            if seen.observing
        ),
        key=lambda entry: entry[1].observe_until or now,
    )
    here = {pid for pid in on_list if pid in presence}
    return {
        "sections": sections,
        "observing": observing,
        "here_count": len(here),
        "item_count": sum(len(items) for _, items in provided),
    }


@login_required
@require_safe
@domain_errors_as_pages
def worklist(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_CLINICAL).clinic
    now = clock.now()
    context = build_day(clinic, clinic_today(clinic), now)
    context.update({"clinic": clinic, "now": now, "here_only": request.GET.get("here") == "1"})
    return render(request, "interviews/worklist.html", context)
