"""The clinic's directory of partner services: counsellors and managers keep it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.care import services
from openhat.care.forms import PartnerForm
from openhat.care.models import PartnerService
from openhat.care.views.plans import show_on_form
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core.errors import DomainError, NotFound


@login_required
@require_GET
@domain_errors_as_pages
def partner_list(request: HttpRequest) -> HttpResponse:
    membership = working_membership(request, Capability.VIEW_PATIENTS)
    if not (
        role_can(membership.role, Capability.VIEW_CARE)
        or role_can(membership.role, Capability.MANAGE_PARTNERS)
    ):
        working_membership(request, Capability.MANAGE_PARTNERS)  # raises: role not allowed
    partners = PartnerService.objects.filter(clinic=membership.clinic).order_by(
        "-is_active", "name"
    )
    return render(
        request,
        "care/partners.html",
        {
            "partners": partners,
            "clinic": membership.clinic,
            "can_manage": role_can(membership.role, Capability.MANAGE_PARTNERS),
        },
    )


def _partner_form_page(request: HttpRequest, service: PartnerService | None = None) -> HttpResponse:
    membership = working_membership(request, Capability.MANAGE_PARTNERS)
    if request.method == "POST":
        form = PartnerForm(request.POST)
    elif service is not None:
        form = PartnerForm(
            initial={
                "name": service.name,
                "kinds": service.kinds,
                "contact": service.contact,
                "note": service.note,
                "is_active": service.is_active,
            }
        )
    else:
        form = PartnerForm()
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_partner_service(
                actor=acting_user(request),
                clinic=membership.clinic,
                partner=form.partner_input(),
                service=service,
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("care:partners")
    return render(
        request,
        "care/partner.html",
        {"form": form, "service": service},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_partner(request: HttpRequest) -> HttpResponse:
    return _partner_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def edit_partner(request: HttpRequest, partner_id: int) -> HttpResponse:
    membership = working_membership(request, Capability.MANAGE_PARTNERS)
    service = PartnerService.objects.filter(pk=partner_id, clinic=membership.clinic).first()
    if service is None:
        raise NotFound("partner_not_found", "No such partner service in your clinic.")
    return _partner_form_page(request, service)
