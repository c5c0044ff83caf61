"""Screen and harm-reduction pages: the patient's screens and contacts (VIEW_CLINICAL), recording
a screen or a contact (RECORD_SCREENS), and the part of the patient's chart they fill.

Each view: a form checks the input, patients.access.patient_for checks the role (a patient of
another clinic is simply not found), ONE service does the work, a DomainError is shown on its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.patients.access import patient_for
from openhat.patients.models import Patient
from openhat.screens import reading, services
from openhat.screens.forms import HarmReductionForm, ScreenForm
from openhat.screens.panel import SHORT_LABELS, SUBSTANCES, Substance
from openhat.screens.trend_svg import trend_svg

SCREENS_PER_PAGE = 100


def _show_on_form(form: Any, error: DomainError) -> None:
    field = error.field
    if field and field.startswith("results."):
        field = field.removeprefix("results.")
    form.add_error(field if field in form.fields else None, error.message)


def _panel_heads() -> list[tuple[str, str, str]]:
    return [(s, SHORT_LABELS[s], Substance(s).label) for s in SUBSTANCES]


def chart_sections(patient: Patient, role: str) -> dict[str, Any]:
    """The screens' trend and the harm-reduction summary for the chart (VIEW_CLINICAL roles)."""
    if not role_can(role, Capability.VIEW_CLINICAL):
        return {"screens_section": False}
    found = reading.trend(patient)
    return {
        "screens_section": True,
        "screens_trend": found,
        "screens_trend_svg": trend_svg(found.screens),
        "screens_naloxone": reading.naloxone(patient),
        "screens_contacts": reading.recent_contacts(patient, 3),
        "screens_can_record": role_can(role, Capability.RECORD_SCREENS),
        "counselling_can_read": role_can(role, Capability.COUNSELLING_NOTES),
    }


@login_required
@require_GET
@domain_errors_as_pages
def patient_screens(request: HttpRequest, code: str) -> HttpResponse:
    patient, membership = patient_for(request.user, code, Capability.VIEW_CLINICAL)
    screens = list(reading.current_screens(patient)[:SCREENS_PER_PAGE])
    return render(
        request,
        "screens/patient.html",
        {
            "patient": patient,
            "screens": [(screen, [screen.results()[s] for s in SUBSTANCES]) for screen in screens],
            "heads": _panel_heads(),
            "contacts": reading.recent_contacts(patient, SCREENS_PER_PAGE),
            "naloxone": reading.naloxone(patient),
            "can_record": role_can(membership.role, Capability.RECORD_SCREENS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_screen(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_SCREENS)
    form = ScreenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            screen = services.record_screen(
                actor=acting_user(request), patient=patient, **form.service_input()
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(
                request, f"Urine screen recorded: {screen.get_street_heroin_display().lower()}."
            )
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request, "screens/new_screen.html", {"form": form, "patient": patient}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_contact(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_SCREENS)
    form = HarmReductionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_harm_reduction(
                actor=acting_user(request), patient=patient, **form.service_input()
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(request, "Harm-reduction contact recorded.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request, "screens/new_contact.html", {"form": form, "patient": patient}, status=status
    )
