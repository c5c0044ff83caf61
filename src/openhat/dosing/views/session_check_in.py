"""Check-in: the nurse compares the person with the photo and opens the session in the window open
now; outside the windows a physician opens it, with a reason and their second factor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.access import membership_for
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.forms import CheckInForm
from openhat.dosing.forms_window import OutOfWindowForm
from openhat.dosing.models import OPEN_STATES, DosingSession
from openhat.dosing.services import sessions
from openhat.dosing.services.out_of_window import open_out_of_window
from openhat.dosing.services.window_guard import check_in_window
from openhat.dosing.views.override import authenticate_physician
from openhat.dosing.views.session_common import (
    board_url,
    patient_in_clinic,
    session_url,
    show_on_form,
)
from openhat.dosing.windows import current_window, open_window, window_label
from openhat.patients.models import Patient
from openhat.prescribing.services.queries import active_orders


def _context(request: HttpRequest, patient: Patient, form: Any) -> dict[str, Any]:
    user = acting_user(request)
    now = clock.now()
    membership = membership_for(user, patient.clinic)
    may_see_identity = membership is not None and role_can(
        membership.role, Capability.VIEW_IDENTITY
    )
    window = open_window(patient.clinic, now)
    refusal = None
    try:
        check_in_window(patient, now, None)
    except DomainError as error:
        refusal = error
    return {
        "form": form,
        "patient": patient,
        "orders": active_orders(patient, now),
        "open_session": DosingSession.objects.filter(
            patient=patient, state__in=OPEN_STATES
        ).first(),
        "may_see_identity": may_see_identity,
        "has_photo": may_see_identity and patient.photos.exists(),
        "board_url": board_url(),
        "window_text": window_label(patient.clinic, window) if window else "",
        "window_refusal": refusal,
        "local_time": f"{now.astimezone(patient.clinic.zone):%H:%M}",
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def check_in(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = patient_in_clinic(user, patient_id, Capability.RUN_SESSIONS)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = sessions.check_in(
                actor=user,
                patient=patient,
                identity_confirmed=form.cleaned_data["identity_confirmed"],
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(opened))
    return render(
        request,
        "dosing/session_check_in.html",
        _context(request, patient, form),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def out_of_window(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A physician signs in on the nurse's screen and opens a session outside the windows."""
    user = acting_user(request)
    patient = patient_in_clinic(user, patient_id, Capability.RUN_SESSIONS)
    form = OutOfWindowForm(
        request.POST if request.method == "POST" else None,
        initial={"window": str(current_window(patient.clinic, clock.now()))},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            physician = authenticate_physician(
                request, data["physician_username"], data["physician_password"]
            )
            opened = open_out_of_window(
                actor=user,
                physician=physician,
                patient=patient,
                window=data["window"],
                reason=data["reason"],
                totp_code=data["totp_code"],
                identity_confirmed=data["identity_confirmed"],
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(opened))
    return render(
        request,
        "dosing/session_out_of_window.html",
        _context(request, patient, form),
        status=400 if form.is_bound else 200,
    )
