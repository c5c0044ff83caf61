"""The dosing board (VIEW_DOSING): one window of one day, and the fragment it refreshes itself with.

GET only. `window` (morning, midday, evening; default the one open now), `day` (YYYY-MM-DD;
default today), `q` (part of a client code) and `group` (one of the board's groups) choose what is
shown; a day that is not a date is answered with a message beside the day field (400).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from openhat.clinics.models import Clinic, StaffMembership
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.services.board import (
    CHIP_LABELS,
    GROUP_KEYS,
    GROUPS,
    board_day_in_range,
    build_board,
)
from openhat.dosing.services.stale import stale_sessions
from openhat.dosing.views.board_rows import RowViews
from openhat.dosing.windows import ORDER, current_window, window_label
from openhat.interviews.worklist import due_now
from openhat.rules.day import dosing_day


def parse_day(text: str | None, today: date) -> date:
    """The day asked for, or today; a stable error for anything else."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("invalid_day", "Give the day as YYYY-MM-DD.", "day") from None
    return board_day_in_range(day, today)


def _interview_due(clinic: Clinic, is_today: bool, patient_ids: list[int]) -> frozenset[int]:
    """Today's board marks who is due for an outcome interview (openhat.interviews)."""
    if not is_today or not patient_ids:
        return frozenset()
    return frozenset(due_now(clinic, clock.clinic_today(clinic), patient_ids))


def _query(**values: str) -> str:
    return urlencode({key: value for key, value in values.items() if value})


def board_context(request: HttpRequest, membership: StaffMembership) -> tuple[dict[str, Any], int]:
    clinic = membership.clinic
    now = clock.now()
    today = dosing_day(now, clinic.zone)
    error: DomainError | None = None
    try:
        day = parse_day(request.GET.get("day"), today)
    except DomainError as refused:
        error, day = refused, today
    window = request.GET.get("window", "")
    if window not in ORDER:
        window = str(current_window(clinic, now))
    group = request.GET.get("group", "")
    board = build_board(
        clinic,
        day=day,
        window=window,
        now=now,
        with_photos=role_can(membership.role, Capability.VIEW_IDENTITY),
        query=request.GET.get("q", "")[:40],
        group=group if group in GROUP_KEYS else "",
    )
    can_run = role_can(membership.role, Capability.RUN_SESSIONS)
    show_photos = role_can(membership.role, Capability.VIEW_IDENTITY)
    present = RowViews(
        board,
        can_run=can_run,
        show_photos=show_photos,
        interview_due=_interview_due(
            clinic, board.is_today, [row.patient_id for row in board.rows]
        ),
    )
    rows_html = {row.patient_id: present(row) for row in board.rows}
    iso = day.isoformat()
    context = {
        "board": board,
        # Each group's rows as one piece of HTML whose every value board_rows escaped, and how
        # many there are.
        "groups": [
            (
                group,
                len(group.rows),
                mark_safe("".join(rows_html[row.patient_id] for row in group.rows)),  # noqa: S308
            )
            for group in board.groups
        ],
        "chips": [
            (number, key, CHIP_LABELS.get(key, label), board.counts.get(key, 0))
            for number, (key, label) in enumerate(GROUPS, start=1)
        ],
        # Each window's name and hours apart: the switch shows the hours small under the name.
        "windows": [
            (
                str(name),
                *window_label(clinic, name).partition(" ")[::2],
                _query(window=str(name), day=iso),
            )
            for name in ORDER
        ],
        "day": iso,
        "today": today.isoformat(),
        "previous_day": _query(window=window, day=(day - timedelta(days=1)).isoformat()),
        "next_day": _query(window=window, day=(day + timedelta(days=1)).isoformat()),
        "rows_query": _query(window=window, day=iso),
        "now_ms": int(now.timestamp() * 1000),
        "show_photos": show_photos,
        "can_run": can_run,
        "error": error,
        # Sessions left open (a crash, a closed tab): listed today, for a nurse to end.
        "stale": stale_sessions(membership.clinic, now) if board.is_today else [],
    }
    return context, 400 if error else 200


@login_required
@require_GET
@domain_errors_as_pages
def board(request: HttpRequest) -> HttpResponse:
    context, status = board_context(request, working_membership(request, Capability.VIEW_DOSING))
    return render(request, "dosing/board.html", context, status=status)


@login_required
@require_GET
@domain_errors_as_pages
def board_rows(request: HttpRequest) -> HttpResponse:
    """The groups alone, for the board's refresh every few seconds (no full page reload)."""
    context, status = board_context(request, working_membership(request, Capability.VIEW_DOSING))
    response = render(request, "dosing/_board_groups.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
