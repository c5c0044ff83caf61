"""Check-in: the nurse compares the person with the photo and opens the session."""

from __future__ import annotations

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
from openhat.dosing.models import OPEN_STATES, DosingSession
from openhat.dosing.services import sessions
from openhat.dosing.views.session_common import (
    board_url,
    patient_in_clinic,
    session_url,
    show_on_form,
)
from openhat.dosing.windows import current_window
from openhat.prescribing.services.queries import active_orders


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def check_in(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = patient_in_clinic(user, patient_id, Capability.RUN_SESSIONS)
    now = clock.now()
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        initial={"window": str(current_window(patient.clinic, now))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            opened = sessions.check_in(
                actor=user,
                patient=patient,
                window=form.cleaned_data["window"],
                identity_confirmed=form.cleaned_data["identity_confirmed"],
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(opened))
    membership = membership_for(user, patient.clinic)
    may_see_identity = membership is not None and role_can(
        membership.role, Capability.VIEW_IDENTITY
    )
    return render(
        request,
        "dosing/session_check_in.html",
        {
            "form": form,
            "patient": patient,
            "orders": active_orders(patient, now),
            "open_session": DosingSession.objects.filter(
                patient=patient, state__in=OPEN_STATES
            ).first(),
            "may_see_identity": may_see_identity,
            "has_photo": may_see_identity and patient.photos.exists(),
            "board_url": board_url(),
        },
        status=400 if form.is_bound else 200,
    )
