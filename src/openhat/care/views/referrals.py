"""Referral pages: plan one, see its stages, move it on, move its follow-up."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from openhat.care import reading, services, transitions
from openhat.care.forms import FollowUpForm, ReferralForm, ReferralStatusForm
from openhat.care.models import TERMINAL_STATUSES, PartnerService, Referral
from openhat.care.views.plans import show_on_form
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.patients.access import patient_for
from openhat.patients.models import Patient


def _active_partners(patient: Patient) -> list[PartnerService]:
    return list(
        PartnerService.objects.filter(clinic_id=patient.clinic_id, is_active=True).order_by("name")
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_referral(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    partners = _active_partners(patient)
    form = ReferralForm(request.POST if request.method == "POST" else None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.plan_referral(
                actor=acting_user(request),
                patient=patient,
                referral=form.referral_input(),
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Referral to {referral.partner.name} planned.")
            return redirect("care:referral", code=patient.client_code, referral_id=referral.pk)
    return render(
        request,
        "care/new_referral.html",
        {"form": form, "patient": patient, "partners": partners},
        status=400 if form.is_bound else 200,
    )


def _status_form(referral: Referral, data: object = None) -> ReferralStatusForm:
    return ReferralStatusForm(data, allowed=transitions.allowed_next(referral.status))


def _referral_page(
    request: HttpRequest,
    patient: Patient,
    referral: Referral,
    can_write: bool,
    status_form: ReferralStatusForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "care/referral.html",
        {
            "patient": patient,
            "referral": referral,
            "can_write": can_write and referral.is_open,
            "status_form": status_form or _status_form(referral),
            "follow_up_form": follow_up_form
            or FollowUpForm(initial={"follow_up_on": referral.follow_up_on}),
            "terminal": list(TERMINAL_STATUSES),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def referral_detail(request: HttpRequest, code: str, referral_id: int) -> HttpResponse:
    """The referral's stages; a counsellor moves it on here (POST: the status form)."""
    needed = Capability.WRITE_CARE if request.method == "POST" else Capability.VIEW_CARE
    patient, membership = patient_for(request.user, code, needed)
    referral = reading.referral_of(patient, referral_id)
    reading.log_care_read(acting_user(request), patient)
    can_write = role_can(membership.role, Capability.WRITE_CARE)
    if request.method != "POST":
        return _referral_page(request, patient, referral, can_write)
    form = _status_form(referral, request.POST)
    if form.is_valid():
        wanted = form.cleaned_data["status"]
        if wanted in TERMINAL_STATUSES and not form.cleaned_data["confirm_final"]:
            form.add_error("confirm_final", "Tick this to confirm: the referral then ends.")
        else:
            try:
                services.change_referral_status(
                    actor=acting_user(request),
                    referral=referral,
                    status=wanted,
                    on=form.cleaned_data["on"],
                    follow_up_on=form.cleaned_data["follow_up_on"],
                    note_text=form.cleaned_data["note"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                )
            except DomainError as error:
                show_on_form(form, error)
            else:
                messages.success(request, "Referral updated.")
                return redirect("care:referral", code=patient.client_code, referral_id=referral.pk)
    return _referral_page(request, patient, referral, can_write, status_form=form, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def follow_up(request: HttpRequest, code: str, referral_id: int) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    referral = reading.referral_of(patient, referral_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.set_follow_up(
                actor=acting_user(request),
                referral=referral,
                follow_up_on=form.cleaned_data["follow_up_on"],
                note_text=form.cleaned_data["note"],
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Follow-up moved.")
            return redirect("care:referral", code=patient.client_code, referral_id=referral.pk)
    reading.log_care_read(acting_user(request), patient)
    return _referral_page(request, patient, referral, True, follow_up_form=form, status=400)
