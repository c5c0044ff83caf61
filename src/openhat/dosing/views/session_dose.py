"""Giving the dose and ending observation.

The administration is two steps: what was given (site, dose, any remainder), then a confirmation
with the summary, where a witness signs for a remainder returned or wasted. The form carries the
decision and the drawn dose it was shown for, so a stale form (another station recorded the dose,
or a physician changed the decision) gets the service's message and records nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.dosing.forms import mg_text
from openhat.dosing.services import administer as dose_services
from openhat.dosing.services import sessions
from openhat.dosing.services.administer_check import check_administration
from openhat.dosing.views.override import authenticate_physician
from openhat.dosing.views.session_common import (
    field_for,
    session_access,
    session_facts,
    session_url,
    show_on_form,
)
from openhat.dosing.views.session_screens import make_form, render_refusal, render_screen
from openhat.pharmacy.views.common import WITNESS_FIELDS, signed_witness

CONFIRM = "confirm"
DETAILS = "details"


@login_required
@require_POST
@domain_errors_as_pages
def administer(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id, Capability.RUN_SESSIONS)
    facts = session_facts(access.session)
    form = make_form("administer", access, facts, request.POST)
    if form is None:  # no decision: nothing may be given
        return render_screen(
            request,
            access,
            "decide",
            status=400,
            extra={"screen_error": "Ask for the decision before recording a dose."},
        )
    stage = DETAILS
    if form.is_valid():
        asked = request.POST.get("stage", "")
        stage = DETAILS if asked == DETAILS else CONFIRM
        if stage == CONFIRM and asked != CONFIRM:
            # Everything but the witness is checked before the "cannot be undone" screen.
            data = form.cleaned_data
            try:
                check_administration(
                    actor=access.user,
                    session_id=access.session,
                    decision_id=data["decision_id"],
                    dose_mg=data["dose_mg"],
                    site=data.get("site", ""),
                    preparation_id=data["preparation_id"] or None,
                    remainder=data["remainder"],
                )
            except DomainError as error:
                show_on_form(form, error)
                stage = DETAILS
        if asked == CONFIRM:
            data = form.cleaned_data
            try:
                given = dose_services.administer(
                    actor=access.user,
                    session_id=access.session,
                    decision_id=data["decision_id"],
                    dose_mg=data["dose_mg"],
                    site=data.get("site", ""),
                    preparation_id=data["preparation_id"] or None,
                    remainder=data["remainder"],
                    witness=signed_witness(request, form),
                    remainder_reason=data["remainder_reason"],
                    idempotency_key=form.key,  # type: ignore[attr-defined]
                )
            except DomainError as error:
                show_on_form(form, error)
                # A wrong witness is put right on the confirmation; anything else in the details.
                stage = CONFIRM if field_for(form, error) in WITNESS_FIELDS else DETAILS
            else:
                until = timezone.localtime(given.observe_until, access.session.clinic.zone)
                messages.success(
                    request,
                    f"{mg_text(given.dose_mg)} mg recorded for {access.session.patient.client_code}; "
                    f"observation until {until:%H:%M}.",
                )
                return redirect(session_url(access.session))
    if form.errors:
        return render_refusal(request, access, "administer", form, extra={"stage": stage})
    return render_screen(request, access, "administer", form=form, extra={"stage": stage})


@login_required
@require_POST
@domain_errors_as_pages
def sign_off(request: HttpRequest, session_id: int) -> HttpResponse:
    """The post-dose assessment that ends observation; refused before the observation time."""
    access = session_access(request, session_id, Capability.RUN_SESSIONS)
    form = make_form("observe", access, {"decision": None}, request.POST)
    assert form is not None
    if form.is_valid():
        data = form.cleaned_data
        try:
            physician = (
                authenticate_physician(
                    request, data["physician_username"], data["physician_password"]
                )
                if data["physician_username"] or data["physician_password"]
                else None
            )
            sessions.sign_off(
                actor=access.user,
                session_id=access.session,
                sedation_score=data["sedation_score"],
                notes=data["notes"],
                physician=physician,
                totp_code=data["totp_code"],
                idempotency_key=form.key,  # type: ignore[attr-defined]
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"Observation signed off: {access.session.patient.client_code} is done."
            )
            return redirect(session_url(access.session))
    return render_refusal(request, access, "observe", form)
