"""The clinic's directory of partner services (counsellors and managers keep it), and the
manager's care setting."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.care import services
from openhat.care.forms import PartnerForm
from openhat.care.models import PartnerService
from openhat.care.views.plans import show_on_form
from openhat.clinics.models import CARE_PLAN_REVIEW_MONTHS_MAX
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
            "can_set_interval": role_can(membership.role, Capability.MANAGE_SETTINGS),
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


class ReviewIntervalForm(forms.Form):
    care_plan_review_months = forms.IntegerField(
        label="Review care plans every (months)",
        min_value=1,
        max_value=CARE_PLAN_REVIEW_MONTHS_MAX,
        help_text="Usually 3. A plan's next review keeps its date; the new interval counts "
        "from then on.",
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def care_settings(request: HttpRequest) -> HttpResponse:
    """The manager's care setting: how often care plans are reviewed."""
    clinic = working_membership(request, Capability.MANAGE_SETTINGS).clinic
    form = ReviewIntervalForm(
        request.POST if request.method == "POST" else None,
        initial={"care_plan_review_months": clinic.care_plan_review_months},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_review_interval(
                actor=acting_user(request),
                clinic=clinic,
                months=form.cleaned_data["care_plan_review_months"],
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "The care-plan review interval is saved.")
            return redirect("care:settings")
    return render(
        request,
        "care/settings.html",
        {"form": form, "clinic": clinic},
        status=400 if form.is_bound else 200,
    )
