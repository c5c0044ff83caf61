"""Adverse events: the record at the station (nurses, physicians), the clinic's events waiting for
a physician's sign-off, and the sign-off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.forms_adverse import AdverseEventForm, AdverseSignOffForm
from openhat.dosing.models import AdverseEvent, DosingSession
from openhat.dosing.services.adverse import (
    event_for,
    record_adverse_event,
    sign_off_adverse_event,
)
from openhat.dosing.views.session_common import (
    board_url,
    patient_in_clinic,
    session_url,
    show_on_form,
)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def adverse_event(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = patient_in_clinic(user, patient_id, Capability.RECORD_ADVERSE_EVENT)
    posted = request.POST if request.method == "POST" else None
    session_id = (posted or request.GET).get("session", "")
    session = (
        DosingSession.objects.filter(pk=int(session_id), patient=patient).first()
        if str(session_id).isdigit()
        else None
    )
    form = AdverseEventForm(
        posted,
        zone=patient.clinic.zone,
        now=clock.now(),
        initial={"session": str(session.pk) if session else ""},
    )
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            event = record_adverse_event(
                actor=user,
                patient=patient,
                kind=data["kind"],
                severity=data["severity"],
                outcome=data["outcome"],
                session_id=data["session"] or None,
                onset_at=form.onset(),
                description=data["description"],
                naloxone_given=data["naloxone_given"],
                naloxone_dose_mg=data["naloxone_dose_mg"] or None,
                naloxone_route=data["naloxone_route"] or None,
                oxygen_given=data["oxygen_given"],
                ambulance_called=data["ambulance_called"],
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Adverse event recorded for {patient.client_code}: "
                f"{event.get_kind_display().lower()}, {event.get_severity_display().lower()}.",
            )
            return redirect(session_url(event.session) if event.session else board_url())
    return render(
        request,
        "dosing/adverse_event.html",
        {
            "form": form,
            "patient": patient,
            "session": session,
            "back_url": session_url(session) if session else board_url(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@domain_errors_as_pages
def adverse_events(request: HttpRequest) -> HttpResponse:
    """The working clinic's adverse events not yet signed off by a physician, oldest first."""
    membership = working_membership(request, Capability.VIEW_DOSING)
    events = (
        AdverseEvent.objects.filter(clinic=membership.clinic, sign_off__isnull=True)
        .select_related("patient", "recorded_by", "session")
        .order_by("onset_at", "pk")
    )
    return render(
        request,
        "dosing/adverse_events.html",
        {
            "events": events,
            "clinic": membership.clinic,
            "can_sign_off": role_can(membership.role, Capability.SIGN_OFF_ADVERSE_EVENT),
            "board_url": board_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def adverse_sign_off(request: HttpRequest, event_id: int) -> HttpResponse:
    user = acting_user(request)
    event = event_for(user, event_id, Capability.SIGN_OFF_ADVERSE_EVENT)
    posted = request.POST if request.method == "POST" else None
    form = AdverseSignOffForm(posted)
    if posted is not None and form.is_valid():
        try:
            sign_off_adverse_event(
                actor=user,
                event_id=event.pk,
                note=form.cleaned_data["note"],
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Adverse event of {event.patient.client_code} signed off.")
            return redirect(reverse("dosing:adverse_events"))
    return render(
        request,
        "dosing/adverse_sign_off.html",
        {"form": form, "event": event, "signed": getattr(event, "sign_off", None)},
        status=400 if form.errors else 200,
    )
