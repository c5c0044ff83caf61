"""The merge page: join a duplicate record to the record of the same person.

Two steps: the form (the surviving record's client code and the reason), then a confirmation
screen that shows both records side by side (a logged read of each identity) and asks for the
second factor. Nothing is written before the confirmation; patients.merging does the work.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError, NotFound
from openhat.patients import services
from openhat.patients.access import patient_for
from openhat.patients.forms import MergeForm
from openhat.patients.merging import check_mergeable, merge_patients, merge_reason
from openhat.patients.models import Patient


def _side(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    return {
        "patient": patient,
        "identity": services.read_identity(actor=acting_user(request), patient=patient),
        "doses": patient.administrations.count(),
        "sessions": patient.dosing_sessions.count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def merge(request: HttpRequest, code: str) -> HttpResponse:
    duplicate, _ = patient_for(request.user, code, Capability.MERGE_PATIENTS)
    form = MergeForm(request.POST if request.method == "POST" else None)
    confirming: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            try:
                survivor, _ = patient_for(request.user, data["survivor"], Capability.MERGE_PATIENTS)
            except NotFound:
                raise DomainError(
                    "survivor_not_found", "No such record in your clinics.", "survivor"
                ) from None
            merge_reason(data["reason"])
            check_mergeable(duplicate, survivor)
            if data["confirmed"]:
                merge_patients(
                    actor=acting_user(request),
                    duplicate=duplicate,
                    survivor=survivor,
                    reason=data["reason"],
                    totp_code=data["totp_code"],
                )
                messages.success(
                    request, f"{duplicate.client_code} is merged into {survivor.client_code}."
                )
                return redirect("patients:chart", code=survivor.client_code)
            confirming = {
                "duplicate": _side(request, duplicate),
                "survivor": _side(request, survivor),
            }
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            if error.field == "totp_code":
                # A wrong code: stay on the confirmation screen.
                confirming = {
                    "duplicate": _side(request, duplicate),
                    "survivor": _side(request, survivor),
                }
    status = 200 if confirming or not form.is_bound else 400
    return render(
        request,
        "patients/merge.html",
        {"form": form, "duplicate": duplicate, "confirming": confirming},
        status=status,
    )
