"""The audit pages: latest events and the access log of the current clinic (read-only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessLog, AuditEvent
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership

ROWS_PER_PAGE = 50
_CODE_NAMES = {code.value: code.name.replace("_", " ").lower() for code in AuditCode}
_CODE_CHOICES = [(value, f"{value} · {name}") for value, name in _CODE_NAMES.items()]


def _code_filter(raw: str) -> int | None:
    """The chosen event code, or None for "all"; anything that is not a known code means all."""
    try:
        return AuditCode(int(raw)).value
    except ValueError:
        return None


@login_required
@require_GET
@domain_errors_as_pages
def events(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_AUDIT).clinic
    code = _code_filter(request.GET.get("code", ""))
    rows = AuditEvent.objects.filter(clinic=clinic).order_by("-at", "-chain_seq")
    if code is not None:
        rows = rows.filter(code=code)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # Codes from a newer version that this one does not know are shown as their number.
    rows_with_names = [
        (event, _CODE_NAMES.get(event.code, str(event.code))) for event in page.object_list
    ]
    return render(
        request,
        "audit/events.html",
        {"page": page, "rows": rows_with_names, "code": code, "code_choices": _CODE_CHOICES},
    )


@login_required
@require_GET
@domain_errors_as_pages
def access_log(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_AUDIT).clinic
    rows = (
        AccessLog.objects.filter(clinic=clinic)
        .select_related("actor", "patient")
        .order_by("-at", "-chain_seq")
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "audit/access_log.html", {"page": page})
