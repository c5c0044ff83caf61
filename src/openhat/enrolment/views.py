"""Enrolment pages: eligibility assessment, licence, consents (record, revoke) and enrolment.

Each view: a form checks the input, patients.access.patient_for checks the role (a patient of
another clinic is simply not found), ONE service does the work, and a DomainError is shown on its
form field. The eligibility "check" step only reads: it runs the clinic's preset on the facts
typed so far so the physician sees each criterion with its sources before signing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.enrolment import reading, services
from openhat.enrolment.checks import (
    eligibility_preset_of,
    latest_assessment,
    licence_on,
    treatment_consent_on,
)
from openhat.enrolment.facts import engine_facts
from openhat.enrolment.forms import (
    AssessmentForm,
    ConsentForm,
    EnrolForm,
    LicenceForm,
    RevokeConsentForm,
)
from openhat.enrolment.models import (
    Consent,
    ConsentKind,
    EligibilityAssessment,
    PatientLicence,
)
from openhat.patients.access import patient_for
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.patients.services import read_identity
from openhat.rules.eligibility import CriterionKind, EligibilityPreset, EligibilityResult
from openhat.rules.eligibility import assess_eligibility as run_preset


def _show_on_form(form: Any, error: DomainError, field: str | None = None) -> None:
    name = field if field is not None else error.field
    form.add_error(name if name in form.fields else None, error.message)


def _show_on_assessment(form: AssessmentForm, error: DomainError) -> None:
    """A service's error on the assessment field it names; a fact's error ("prior_treatments[1].
    ended_on: ...") drops the field path, since it is shown on that row's own field."""
    name = form.field_for(error.field)
    message = error.message
    path = f"{error.field}: "
    if name is not None and message.startswith(path):
        message = message[len(path) :]
        message = message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
    form.add_error(name, message)


def _flag_names(preset: EligibilityPreset) -> list[str]:
    return list(dict.fromkeys(c.fact for c in preset.criteria if c.fact))


def _reads_methadone_doses(preset: EligibilityPreset) -> bool:
    return any(c.kind is CriterionKind.MIN_METHADONE_DOSE for c in preset.criteria)


def _preview(
    preset: EligibilityPreset, form: AssessmentForm, today: Any
) -> EligibilityResult | None:
    """The preset's verdict on the typed facts, or the problem shown on its field (nothing saved)."""
    try:
        facts = engine_facts(form.facts_input(), form.cleaned_data["assessed_on"] or today)
    except DomainError as error:
        _show_on_assessment(form, error)
        return None
    return run_preset(preset, facts, None)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def assess(request: HttpRequest, code: str) -> HttpResponse:
    patient, membership = patient_for(request.user, code, Capability.ASSESS_ELIGIBILITY)
    preset = eligibility_preset_of(patient)
    today = clinic_today(patient.clinic)
    flags = _flag_names(preset)
    methadone_rows = _reads_methadone_doses(preset)
    result = None
    if request.method == "POST":
        form = AssessmentForm(request.POST, flag_names=flags, methadone_rows=methadone_rows)
        if form.is_valid():
            result = _preview(preset, form, today)
            if result is not None and request.POST.get("action") == "sign":
                try:
                    assessment = services.assess_eligibility(
                        actor=acting_user(request),
                        patient=patient,
                        facts=form.facts_input(),
                        decision=form.cleaned_data["decision"],
                        exception_reason=form.cleaned_data["exception_reason"],
                        assessed_on=form.cleaned_data["assessed_on"],
                        idempotency_key=form.cleaned_data["idempotency_key"] or None,
                    )
                except DomainError as error:
                    _show_on_assessment(form, error)
                else:
                    messages.success(
                        request,
                        f"Eligibility assessment version {assessment.version} signed: "
                        f"{assessment.get_decision_display().lower()}.",
                    )
                    return redirect("patients:chart", code=patient.client_code)
        status = 400 if form.errors else 200
    else:
        initial: dict[str, Any] = {}
        if role_can(membership.role, Capability.VIEW_IDENTITY):
            initial["date_of_birth"] = read_identity(
                actor=acting_user(request), patient=patient
            ).date_of_birth
        form = AssessmentForm(initial=initial, flag_names=flags, methadone_rows=methadone_rows)
        status = 200
    return render(
        request,
        "enrolment/assess.html",
        {
            "form": form,
            "patient": patient,
            "preset": preset,
            "result": result.as_dict() if result else None,
            "verdict_label": str(result.verdict_by_criteria).replace("_", " ").capitalize()
            if result
            else "",
            "previous": latest_assessment(patient),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def record_licence(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_CONSENT)
    preset = eligibility_preset_of(patient)
    form = LicenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_licence(
                actor=acting_user(request), patient=patient, **form.cleaned_data
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(request, "Patient licence recorded.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "enrolment/licence.html",
        {"form": form, "patient": patient, "preset": preset},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def record_consent(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_CONSENT)
    if request.method == "POST":
        form = ConsentForm(request.POST)
    else:
        kind = request.GET.get("kind", "treatment")
        form = ConsentForm(initial={"kind": kind, "given_on": clinic_today(patient.clinic)})
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.record_consent(
                actor=acting_user(request), patient=patient, **form.cleaned_data
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(request, f"{consent.get_kind_display()} consent recorded.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request, "enrolment/consent.html", {"form": form, "patient": patient}, status=status
    )


def _consent_of(patient: Patient, consent_id: int) -> Consent:
    consent = (
        Consent.objects.select_related("revocation", "recorded_by")
        .filter(pk=consent_id, patient=patient)
        .first()
    )
    if consent is None:
        raise NotFound("consent_not_found", "No such consent for this patient.", "consent")
    return consent


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def revoke_consent(request: HttpRequest, code: str, consent_id: int) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.RECORD_CONSENT)
    consent = _consent_of(patient, consent_id)
    form = RevokeConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_consent(
                actor=acting_user(request), consent=consent, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(request, f"{consent.get_kind_display()} consent revoked.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "enrolment/revoke_consent.html",
        {"form": form, "patient": patient, "consent": consent},
        status=status,
    )


def prerequisites(patient: Patient, on: Any) -> list[dict[str, Any]]:
    """What enrolment rests on, each with whether it is in place on `on` and the next step."""
    assessment = latest_assessment(patient)
    items = [
        {
            "label": "Patient is being assessed",
            "ok": patient.status == PatientStatus.ASSESSING,
            "missing": f"The patient is {patient.get_status_display().lower()}; "
            "change the status to assessing first.",
        },
        {
            "label": "Signed eligibility assessment (eligible or by exception)",
            "ok": assessment is not None and assessment.allows_enrolment,
            "missing": "No eligibility assessment yet: a physician assesses and signs it."
            if assessment is None
            else f"Version {assessment.version} was signed not eligible: re-assess.",
        },
        {
            "label": "Treatment consent",
            "ok": treatment_consent_on(patient, on) is not None,
            "missing": "No treatment consent yet: record it before enrolment.",
        },
    ]
    preset = eligibility_preset_of(patient)
    if preset.licence_required:
        items.append(
            {
                "label": f"Patient licence ({preset.title})",
                "ok": licence_on(patient, on) is not None,
                "missing": "No valid patient licence: record it before enrolment.",
            }
        )
    return items


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def enrol(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.ASSESS_ELIGIBILITY)
    today = clinic_today(patient.clinic)
    if request.method == "POST":
        form = EnrolForm(request.POST)
    else:
        form = EnrolForm(initial={"start_date": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol(
                actor=acting_user(request),
                patient=patient,
                start_date=form.cleaned_data["start_date"],
            )
        except DomainError as error:
            _show_on_form(form, error, "start_date" if error.field == "start_date" else None)
        else:
            messages.success(request, f"{patient.client_code} is enrolled.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "enrolment/enrol.html",
        {"form": form, "patient": patient, "prerequisites": prerequisites(patient, today)},
        status=status,
    )


def _consent_state(consent: Consent, today: Any) -> str:
    revocation = getattr(consent, "revocation", None)
    if revocation is not None and revocation.revoked_on <= today:
        return "revoked"
    if consent.expires_on is not None and consent.expires_on < today:
        return "expired"
    if consent.given_on > today:
        return "not yet"
    return "active"


def chart_sections(patient: Patient, role: str) -> dict[str, Any]:
    """The eligibility, licence and consent sections of the chart (read only)."""
    today = clinic_today(patient.clinic)
    preset = eligibility_preset_of(patient)
    # The chart's own read of identity is logged by the chart (patients.views.chart) for the roles
    # that see it; for the others the date of birth and the licence number are hidden here.
    hidden = not reading.sees_identity(role)
    assessments = [
        reading.hide_birth_date(row) if hidden else row
        for row in EligibilityAssessment.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-version")
    ]
    consents: list[dict[str, Any]] = [
        {"consent": consent, "state": _consent_state(consent, today)}
        for consent in Consent.objects.filter(patient=patient)
        .select_related("revocation", "recorded_by")
        .order_by("-given_on", "-id")
    ]
    licences = [
        {
            "licence": reading.hide_number(item) if hidden else item,
            "valid": item.valid_from <= today <= item.valid_until,
        }
        for item in PatientLicence.objects.filter(patient=patient).order_by("-valid_from", "-id")
    ]
    return {
        "eligibility_preset": preset,
        "assessment": assessments[0] if assessments else None,
        "older_assessments": assessments[1:],
        "consents": consents,
        "has_treatment_consent": any(
            row["state"] == "active" and row["consent"].kind == ConsentKind.TREATMENT
            for row in consents
        ),
        "licences": licences,
        "can_assess": role_can(role, Capability.ASSESS_ELIGIBILITY),
        "can_record_consent": role_can(role, Capability.RECORD_CONSENT),
        "can_enrol": role_can(role, Capability.ASSESS_ELIGIBILITY)
        and patient.status == PatientStatus.ASSESSING,
    }
