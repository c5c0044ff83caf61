from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from openhat.clinics.roles import Role

# Where each role starts, in the clinic being worked in: the page made for its daily work.
START_PAGES = {
    Role.PHYSICIAN: "patients:list",  # assessments, orders and overrides start from a chart
    Role.NURSE: "dosing:board",
    Role.PHARMACIST: "pharmacy:board",
    Role.PHARMACY_TECHNICIAN: "pharmacy:board",
    Role.COUNSELLOR: "interviews:worklist",  # the counsellor's day: what is due, who is here
    Role.MANAGER: "staff:overview",
    Role.AUDITOR: "audit:events",
    Role.RESEARCHER: "outcomes:start",
}


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return render(request, "core/no_clinic.html", status=403)
    return redirect(START_PAGES[Role(membership.role)])


def error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "field": None}, status=status)
    return render(request, "core/error.html", {"status": status, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 400, "bad_request", "The request could not be understood.")


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 403, "forbidden", "You may not open this page.")


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_page(request, 404, "not_found", "There is no such page or record in your clinics.")


def server_error(request: HttpRequest) -> HttpResponse:
    message = "Something went wrong on our side. Check whether your last action was recorded before repeating it."
    try:
        return error_page(request, 500, "server_error", message)
    except Exception:  # the error page itself must never fail
        return HttpResponse(message, status=500, content_type="text/plain; charset=utf-8")
