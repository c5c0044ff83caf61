"""Prescribing pages: new order, change (supersede), suspend, resume, stop, and the clinic's list.

Each view: a form checks the input, patients.access.patient_for checks the role (a patient of
another clinic is simply not found), ONE service does the work, and a DomainError is shown on its
form field. When the dosing preset refuses an order, the page shows the engine's findings and
offers signing through an explicit, reasoned loosening.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.patients.access import patient_for
from openhat.patients.models import Patient
from openhat.prescribing import services
from openhat.prescribing.forms import (
    ChangeOrderForm,
    NewOrderForm,
    OrderForm,
    ReasonForm,
    ResumeForm,
)
from openhat.prescribing.models import OrderLine, OrderState, OrderVersion

LIVE_STATES = (OrderState.ACTIVE, OrderState.SUSPENDED)


def _show_on_form(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _line_of(patient: Patient, line_id: int) -> OrderLine:
    line = (
        OrderLine.objects.select_related("current_version", "patient", "clinic")
        .filter(pk=line_id, patient=patient)
        .first()
    )
    if line is None:
        raise NotFound("order_not_found", "No such order for this patient.", "order")
    return line


def _signed(request: HttpRequest, form: OrderForm, sign: Any) -> tuple[Any, list[Any]]:
    """Call the signing service; on refusal return the engine's findings for the page."""
    try:
        return sign(), []
    except services.OrderRefused as refused:
        _show_on_form(form, refused)
        return None, [item.as_dict() for item in refused.findings]
    except DomainError as error:
        _show_on_form(form, error)
        return None, []


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_order(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.PRESCRIBE)
    form = NewOrderForm(request.POST if request.method == "POST" else None)
    findings: list[Any] = []
    if request.method == "POST" and form.is_valid():
        order = form.order_input(patient.clinic.zone, clinic_today(patient.clinic))
        version, findings = _signed(
            request,
            form,
            lambda: services.sign_order(
                actor=acting_user(request),
                patient=patient,
                order=order,
                totp_code=form.cleaned_data["totp_code"],
                loosening_reason=form.cleaned_data["loosening_reason"] or None,
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            ),
        )
        if version is not None:
            messages.success(request, f"Order {version.line_id} (version 1) signed.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "prescribing/order_form.html",
        {"form": form, "patient": patient, "findings": findings, "line": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def change_order(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.PRESCRIBE)
    line = _line_of(patient, line_id)
    current = line.current_version
    findings: list[Any] = []
    if request.method == "POST":
        form = ChangeOrderForm(request.POST)
        if form.is_valid():
            order = form.order_input(patient.clinic.zone, clinic_today(patient.clinic))
            version, findings = _signed(
                request,
                form,
                lambda: services.supersede_order(
                    actor=acting_user(request),
                    line=line,
                    expected_version=form.cleaned_data["expected_version"],
                    order=order,
                    totp_code=form.cleaned_data["totp_code"],
                    loosening_reason=form.cleaned_data["loosening_reason"] or None,
                ),
            )
            if version is not None:
                messages.success(
                    request,
                    f"Order {line.pk} changed: version {version.number} replaces version "
                    f"{version.number - 1}.",
                )
                return redirect("patients:chart", code=patient.client_code)
    else:
        initial = OrderForm.initial_from(current, patient.clinic.zone) if current else {}
        initial["expected_version"] = current.number if current else 1
        form = ChangeOrderForm(initial=initial)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "prescribing/order_form.html",
        {"form": form, "patient": patient, "findings": findings, "line": line},
        status=status,
    )


def _state_change(request: HttpRequest, code: str, line_id: int, action: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.PRESCRIBE)
    line = _line_of(patient, line_id)
    form_class = ResumeForm if action == "resume" else ReasonForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actor = acting_user(request)
        reason = form.cleaned_data["reason"]
        try:
            if action == "suspend":
                services.suspend_order(actor=actor, line=line, reason=reason)
            elif action == "resume":
                services.resume_order(
                    actor=actor, line=line, reason=reason, totp_code=form.cleaned_data["totp_code"]
                )
            else:
                services.stop_order(actor=actor, line=line, reason=reason)
        except DomainError as error:
            _show_on_form(form, error)
        else:
            done = {"suspend": "suspended", "resume": "resumed", "stop": "stopped"}[action]
            messages.success(request, f"Order {line.pk} {done}.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "prescribing/state_change.html",
        {"form": form, "patient": patient, "line": line, "action": action},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def suspend_order(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    return _state_change(request, code, line_id, "suspend")


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def resume_order(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    return _state_change(request, code, line_id, "resume")


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def stop_order(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    return _state_change(request, code, line_id, "stop")


@login_required
@require_GET
@domain_errors_as_pages
def clinic_orders(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_CLINICAL).clinic
    days = settings.OPENHAT_ORDER_EXPIRY_WARNING_DAYS
    expiring = {version.pk for version in services.expiring_orders(clinic, days)}
    current = (
        OrderVersion.objects.filter(
            clinic=clinic, line__state__in=LIVE_STATES, line__current_version=F("pk")
        )
        .select_related("line", "patient", "signed_by")
        .order_by("patient__number", "line_id")
    )
    now = timezone.now()
    rows = [
        {
            "version": version,
            "expiring": version.pk in expiring,
            "ended": version.ends_at is not None and version.ends_at <= now,
        }
        for version in current
    ]
    return render(
        request,
        "prescribing/clinic_orders.html",
        {"rows": rows, "clinic": clinic, "warning_days": days, "expiring_count": len(expiring)},
    )


def chart_sections(patient: Patient, role: str) -> dict[str, Any]:
    """The plan for today and the order timeline of the chart (read only)."""
    now = timezone.now()
    days = settings.OPENHAT_ORDER_EXPIRY_WARNING_DAYS
    lines = {
        line.pk: line
        for line in OrderLine.objects.filter(patient=patient).select_related("current_version")
    }
    timeline: list[dict[str, Any]] = []
    for version in services.order_history(patient):
        line = lines[version.line_id]
        is_current = line.current_version_id == version.pk
        timeline.append(
            {
                "at": version.signed_at,
                "kind": "signed" if version.number == 1 else "changed",
                "version": version,
                "line": line,
                "current": is_current,
                "expiring": is_current
                and line.state == OrderState.ACTIVE
                and version.expires_within(now, days),
            }
        )
    for event in services.order_events(patient):
        timeline.append({"at": event.at, "kind": event.kind, "event": event, "line": event.line})
    timeline.sort(key=lambda entry: entry["at"], reverse=True)
    plan = [
        {"version": version, "expiring": version.expires_within(now, days)}
        for version in services.active_orders(patient, now)
    ]
    suspended = [line for line in lines.values() if line.state == OrderState.SUSPENDED]
    return {
        "plan": plan,
        "suspended_lines": suspended,
        "order_timeline": timeline,
        "warning_days": days,
        "can_prescribe": role_can(role, Capability.PRESCRIBE),
        "may_prescribe_now": patient.status in ("assessing", "enrolled"),
    }
