"""Counselling-note pages: a patient's notes, writing a note or a correction, and one note.

Only the note's author and the clinic's counsellors get these pages; anyone else gets the same
"not found" as for another clinic's record (counselling.access). Each read goes through
counselling.services, which writes the access-log row.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.counselling import services
from openhat.counselling.access import may_read_clinic_notes
from openhat.counselling.forms import NoteForm
from openhat.counselling.models import CounsellingNote
from openhat.patients.access import patient_for
from openhat.patients.models import Patient

_NOT_FOUND = "No such record in your clinics."


def _patient(request: HttpRequest, code: str) -> Patient:
    """The patient, or "not found" also for a role that may not open charts: whether a patient
    has counselling notes is itself not shown to anyone outside the notes' readers."""
    try:
        patient, _ = patient_for(request.user, code, Capability.VIEW_PATIENTS)
    except PermissionDenied:
        raise NotFound("not_found", _NOT_FOUND) from None
    return patient


@login_required
@require_GET
@domain_errors_as_pages
def patient_notes(request: HttpRequest, code: str) -> HttpResponse:
    patient = _patient(request, code)
    notes = services.read_notes(actor=acting_user(request), patient=patient)
    return render(
        request,
        "counselling/notes.html",
        {
            "patient": patient,
            "notes": notes,
            "corrected": services.corrected_ids(notes),
            "can_write": may_read_clinic_notes(request.user, patient.clinic_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_note(request: HttpRequest, code: str) -> HttpResponse:
    patient = _patient(request, code)
    user = acting_user(request)
    if not may_read_clinic_notes(user, patient.clinic_id):
        raise NotFound("not_found", _NOT_FOUND)
    corrects_id = request.POST.get("corrects") or request.GET.get("corrects")
    corrected: CounsellingNote | None = None
    if corrects_id:
        corrected = services.read_note(actor=user, note_id=corrects_id)
        if corrected.patient_id != patient.pk:
            raise NotFound("not_found", _NOT_FOUND)
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        initial={"corrects": corrected.pk if corrected else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.write_note(
                actor=user,
                patient=patient,
                body=form.cleaned_data["body"],
                session_on=form.cleaned_data["session_on"],
                corrects=corrected,
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Correction saved." if corrected else "Note saved.")
            return redirect("counselling:notes", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "counselling/new_note.html",
        {"form": form, "patient": patient, "corrected": corrected},
        status=status,
    )


@login_required
@require_GET
@domain_errors_as_pages
def note(request: HttpRequest, note_id: int) -> HttpResponse:
    found = services.read_note(actor=acting_user(request), note_id=note_id)
    return render(
        request,
        "counselling/note.html",
        {
            "note": found,
            "patient": found.patient,
            "corrections": list(found.corrections.order_by("written_at", "pk")),
            "can_write": may_read_clinic_notes(request.user, found.clinic_id),
        },
    )
