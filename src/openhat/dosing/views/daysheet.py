"""The day sheet (VIEW_DOSING): every session of one day as a printable record (A4 portrait).

GET only; `day` is YYYY-MM-DD (default today). Reading it logs a view of each listed patient's
dosing record (the service does); a bad day is answered with its message (400), nothing logged.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.services.day_sheet import day_sheet as read_day_sheet
from openhat.dosing.views.board import parse_day
from openhat.prescribing.forms import DRUG_LABELS, ROUTE_LABELS
from openhat.rules.day import dosing_day


@login_required
@require_GET
@domain_errors_as_pages
def day_sheet(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_DOSING).clinic
    now = clock.now()
    today = dosing_day(now, clinic.zone)
    try:
        day = parse_day(request.GET.get("day"), today)
    except DomainError as error:
        return render(
            request,
            "dosing/daysheet.html",
            {"error": error, "day": request.GET.get("day", ""), "clinic": clinic},
            status=400,
        )
    sheet = read_day_sheet(actor=acting_user(request), clinic=clinic, day=day)
    return render(
        request,
        "dosing/daysheet.html",
        {
            "sheet": sheet,
            "day": day.isoformat(),
            "clinic": clinic,
            "printed_at": now,
            "drug_labels": DRUG_LABELS,
            "route_labels": ROUTE_LABELS,
        },
    )
