"""Interview pages: a patient's schedule and answers, recording an interview or a missed one, and
the nurse's "tell the counsellor" from the dosing board. Thin: one service call each; a
DomainError is shown on the form (or as the 404/403 page for a record the user may not see)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, safe_next
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.interviews import services
from openhat.interviews.forms import InterviewForm, MissedForm
from openhat.interviews.reading import current_definition, interviews_of, schedule_of
from openhat.interviews.schedule import OPEN_STATUSES, point_label
from openhat.interviews.summary import answer_table
from openhat.patients.access import patient_for


@login_required
@require_safe
@domain_errors_as_pages
def patient_interviews(request: HttpRequest, code: str) -> HttpResponse:
    patient, membership = patient_for(request.user, code, Capability.VIEW_CLINICAL)
    today = clinic_today(patient.clinic)
    recorded = interviews_of(acting_user(request), patient)  # writes the access-log row
    return render(
        request,
        "interviews/patient.html",
        {
            "patient": patient,
            "points": schedule_of(patient, today),
            "open_statuses": OPEN_STATUSES,
            "recorded": recorded,
            "table": answer_table(recorded),
            "can_record": role_can(membership.role, Capability.RECORD_INTERVIEWS),
            "today": today,
        },
    )


def _point_or_404(patient: Any, time_point: str) -> Any:
    point = next(
        (p for p in schedule_of(patient, clinic_today(patient.clinic)) if p.code == time_point),
        None,
    )
    if point is None:
        from openhat.core.errors import NotFound

        raise NotFound(
            "time_point_not_scheduled", "No such interview is scheduled for this patient."
        )
    return point


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def record(request: HttpRequest, code: str, time_point: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_INTERVIEWS)
    point = _point_or_404(patient, time_point)
    instrument, definition = current_definition(patient.clinic_id)
    today = clinic_today(patient.clinic)
    if request.method == "POST":
        form = InterviewForm(definition, request.POST)
    else:
        form = InterviewForm(definition, initial={"interviewed_on": today})
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if not form.errors:
            try:
                services.record_interview(
                    actor=acting_user(request),
                    patient=patient,
                    time_point=time_point,
                    interviewed_on=form.cleaned_data["interviewed_on"],
                    answers=answers,
                    outside_window_reason=form.cleaned_data["outside_window_reason"],
                    note=form.cleaned_data["note"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                )
            except DomainError as error:
                form.show_error(error.field, error.message)
            else:
                messages.success(
                    request, f"{point.label} interview of {patient.client_code} recorded."
                )
                return redirect("interviews:patient", code=patient.client_code)
    return render(
        request,
        "interviews/record.html",
        {
            "form": form,
            "patient": patient,
            "point": point,
            "instrument": instrument,
            "definition": definition,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def missed(request: HttpRequest, code: str, time_point: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_INTERVIEWS)
    point = _point_or_404(patient, time_point)
    form = MissedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_missed(
                actor=acting_user(request),
                patient=patient,
                time_point=time_point,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            form.show_error(error.field, error.message)
        else:
            messages.success(
                request, f"{point.label} interview of {patient.client_code} recorded as missed."
            )
            return redirect("interviews:patient", code=patient.client_code)
    return render(
        request,
        "interviews/missed.html",
        {"form": form, "patient": patient, "point": point},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def call(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm; POST: tell the counsellors this patient is here and due for an interview."""
    patient, _ = patient_for(request.user, code, Capability.RUN_SESSIONS)
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), "dosing:board")
    error: DomainError | None = None
    if request.method == "POST":
        try:
            made = services.call_counsellor(actor=acting_user(request), patient=patient)
        except DomainError as refused:
            error = refused
        else:
            messages.success(
                request,
                f"Counsellors told: {patient.client_code} is here for the "
                f"{point_label(made.time_point).lower()} interview.",
            )
            return redirect(back)
    due = [
        p for p in schedule_of(patient, clinic_today(patient.clinic)) if p.status in OPEN_STATUSES
    ]
    return render(
        request,
        "interviews/call.html",
        {"patient": patient, "due": due, "next": back, "error": error},
        status=400 if error else 200,
    )
