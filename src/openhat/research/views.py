"""The researchers' export page: the clinic's studies, a button to make an export, and every
export made so far with its counts, files and hashes, to download as a zip.

Researchers only (Capability.EXPORT_RESEARCH): every other role gets 403, another clinic's
export is "not found". The page shows no patient, so it logs no access; a download is an audit
event (research.services.download_export).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import (
    acting_user,
    domain_errors_as_pages,
    error_page,
    working_membership,
)
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.research.models import ExportKind, ResearchStudy
from openhat.research.services import download_export, exports_for, make_export


def _page(request: HttpRequest, error: DomainError | None = None) -> HttpResponse:
    clinic = working_membership(request, Capability.EXPORT_RESEARCH).clinic
    return render(
        request,
        "research/exports.html",
        {
            "clinic": clinic,
            "studies": ResearchStudy.objects.filter(clinic=clinic),
            "exports": exports_for(acting_user(request), clinic),
            "kinds": ExportKind.choices,
            "error": error,
        },
        status=error.status_code if error is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def exports(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    clinic = working_membership(request, Capability.EXPORT_RESEARCH).clinic
    try:
        result = make_export(
            actor=acting_user(request),
            clinic=clinic,
            study_key=request.POST.get("study"),
            kind=request.POST.get("kind") or ExportKind.TABLES,
        )
    except (NotFound, PermissionDenied) as error:
        if error.code != "study_unknown":
            raise
        return _page(request, error)
    except DomainError as error:
        return _page(request, error)
    record = result.record
    messages.success(
        request,
        f"Export {record.pk} of study {record.study.key} is ready: {record.included} patients "
        f"included, {sum(record.excluded.values())} left out.",
    )
    return redirect("research:exports")


@login_required
@require_GET
@domain_errors_as_pages
def download(request: HttpRequest, export_id: int) -> HttpResponse:
    clinic = working_membership(request, Capability.EXPORT_RESEARCH).clinic
    try:
        record = download_export(actor=acting_user(request), clinic=clinic, export_id=export_id)
    except Conflict as error:
        return error_page(request, error)
    response = HttpResponse(bytes(record.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{record.file_name}"'
    response["Cache-Control"] = "no-store"
    return response
