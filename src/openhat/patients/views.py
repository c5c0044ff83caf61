"""Patient pages: list and search, registration, the chart, identity, status and photo.

Each view: a form checks the input, patients.access.patient_for checks the role (a patient of
another clinic is simply not found), ONE service does the work, and a DomainError is shown on its
form field. Nothing here writes to the database directly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core.errors import DomainError
from openhat.patients import services
from openhat.patients.access import patient_for, search_patients
from openhat.patients.duplicate_warnings import (
    possible_duplicate,
    possible_duplicate_on_correction,
)
from openhat.patients.duplicates import PossibleDuplicate
from openhat.patients.forms import (
    IdentityCorrectionForm,
    NewPatientForm,
    PatientSearchForm,
    PhotoForm,
    StatusChangeForm,
)
from openhat.patients.lifecycle import ExitReason, PatientStatus, allowed_next
from openhat.patients.models import Patient

PATIENTS_PER_PAGE = 50


def _show_on_form(form: Any, error: DomainError) -> None:
    """Put a service's refusal on the field it names (or on the form as a whole)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_GET
@domain_errors_as_pages
def patient_list(request: HttpRequest) -> HttpResponse:
    membership = working_membership(request, Capability.VIEW_PATIENTS)
    clinic = membership.clinic
    search = PatientSearchForm(request.GET or None)
    query = status = ""
    if search.is_valid():
        query, status = search.cleaned_data["q"], search.cleaned_data["status"]
    patients = search_patients(request.user, clinic.pk, query, status)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/list.html",
        {
            "search": search,
            "page": page,
            "searching": bool(query or status),
            "query": query,
            "status": status,
            "can_register": role_can(membership.role, Capability.EDIT_PATIENTS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_patient(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.EDIT_PATIENTS).clinic
    form = NewPatientForm(request.POST if request.method == "POST" else None)
    duplicate: PossibleDuplicate | None = None
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.register_patient(
                actor=acting_user(request),
                clinic=clinic,
                identity=form.identity_input(),
                idempotency_key=form.cleaned_data["idempotency_key"],
                duplicate_confirmation=form.duplicate_confirmation_input(),
            )
        except PossibleDuplicate as warning:
            # Nothing registered: show the matches and ask for the confirmation and a reason.
            duplicate = warning
            form = NewPatientForm(
                {**request.POST.dict(), "duplicate_confirmation": warning.confirmation}
            )
            form.is_valid()
        except DomainError as error:
            _show_on_form(form, error)
            if error.field == "duplicate_reason":
                # The reason was missing: show the matches again with the question.
                duplicate = possible_duplicate(
                    actor=acting_user(request), clinic=clinic, identity=form.identity_input()
                )
        else:
            messages.success(request, f"Patient {patient.client_code} registered as referred.")
            return redirect("patients:chart", code=patient.client_code)
    status = 409 if duplicate and not form.errors else 400 if form.is_bound else 200
    return render(
        request,
        "patients/new.html",
        {"form": form, "clinic": clinic, "duplicate": duplicate},
        status=status,
    )


@login_required
@require_GET
@domain_errors_as_pages
def chart(request: HttpRequest, code: str) -> HttpResponse:
    patient, membership = patient_for(request.user, code, Capability.VIEW_PATIENTS)
    if patient.merged_into_id is not None:
        patient = Patient.objects.select_related("clinic", "merged_into", "merge").get(
            pk=patient.pk
        )
    may_see_identity = role_can(membership.role, Capability.VIEW_IDENTITY)
    # read_identity writes the access-log row; roles without the capability never trigger it.
    identity = (
        services.read_identity(actor=acting_user(request), patient=patient)
        if may_see_identity
        else None
    )
    return render(
        request,
        "patients/chart.html",
        {
            "patient": patient,
            "identity": identity,
            "has_photo": may_see_identity and patient.photos.exists(),
            "history": patient.status_changes.select_related("actor").order_by("-at", "-id"),
            "can_edit": role_can(membership.role, Capability.EDIT_PATIENTS),
            "can_change_status": role_can(membership.role, Capability.CHANGE_STATUS),
            "can_merge": role_can(membership.role, Capability.MERGE_PATIENTS),
            "can_view_care": role_can(membership.role, Capability.VIEW_CARE),
            "can_release": role_can(membership.role, Capability.RELEASE_INFORMATION),
            # Client codes only: pseudonymous, like the rest of the chart's skeleton.
            "merged_records": list(
                patient.merged_records.filter(clinic_id=patient.clinic_id).order_by("pk")
            ),
            **_clinical_sections(patient, membership.role),
            **_dosing_section(patient, membership.role),
            **_screens_section(patient, membership.role),
        },
    )


def _clinical_sections(patient: Patient, role: str) -> dict[str, Any]:
    """Eligibility, consents and orders, for the roles that read clinical records."""
    if not role_can(role, Capability.VIEW_CLINICAL):
        return {"clinical": False}
    # Imported here: the enrolment and prescribing apps build on patients, not the reverse.
    from openhat.enrolment.views import chart_sections as enrolment_sections
    from openhat.prescribing.views import chart_sections as order_sections

    return {
        "clinical": True,
        **enrolment_sections(patient, role),
        **order_sections(patient, role),
    }


def _dosing_section(patient: Patient, role: str) -> dict[str, Any]:
    """The last days of dosing by window, for the roles that may see dosing."""
    from openhat.dosing.views.chart import chart_sections as dosing_sections

    return dosing_sections(patient, role)


def _screens_section(patient: Patient, role: str) -> dict[str, Any]:
    """Urine screens' street-heroin trend and harm reduction (naloxone given), clinical roles."""
    from openhat.screens.views import chart_sections as screens_sections

    return screens_sections(patient, role)


@login_required
@require_GET
@domain_errors_as_pages
def photo(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.VIEW_IDENTITY)
    current = services.read_photo(actor=acting_user(request), patient=patient)
    if current is None:
        return render(
            request,
            "core/error.html",
            {"status": 404, "message": "This patient has no photo yet."},
            status=404,
        )
    response = HttpResponse(bytes(current.content), content_type=current.content_type)
    # An identity photo must not be kept by the browser or any cache between us and it.
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def edit_identity(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.EDIT_PATIENTS)
    if request.method == "POST":
        form = IdentityCorrectionForm(request.POST)
        duplicate: PossibleDuplicate | None = None
        if form.is_valid():
            try:
                services.update_identity(
                    actor=acting_user(request),
                    patient=patient,
                    identity=form.identity_input(),
                    duplicate_confirmation=form.duplicate_confirmation_input(),
                )
            except PossibleDuplicate as warning:
                # Nothing saved: show the matches and ask for the confirmation and a reason.
                duplicate = warning
                form = IdentityCorrectionForm(
                    {**request.POST.dict(), "duplicate_confirmation": warning.confirmation}
                )
                form.is_valid()
            except DomainError as error:
                _show_on_form(form, error)
                if error.field == "duplicate_reason":
                    duplicate = possible_duplicate_on_correction(
                        actor=acting_user(request), patient=patient, identity=form.identity_input()
                    )
            else:
                messages.success(request, "Identifying data saved.")
                return redirect("patients:chart", code=patient.client_code)
        return render(
            request,
            "patients/edit_identity.html",
            {"form": form, "patient": patient, "duplicate": duplicate},
            status=409 if duplicate and not form.errors else 400,
        )
    current = services.read_identity(actor=acting_user(request), patient=patient)
    form = IdentityCorrectionForm(
        initial={
            "legal_name": current.legal_name,
            "date_of_birth": current.date_of_birth,
            "sex": current.sex,
            "health_number": current.health_number,
        }
    )
    return render(request, "patients/edit_identity.html", {"form": form, "patient": patient})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def change_status(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.CHANGE_STATUS)
    # Enrolment has its own page, which checks assessment, consent and licence first.
    enrol_elsewhere = patient.status == PatientStatus.ASSESSING
    allowed = [
        status
        for status in allowed_next(patient.status)
        if not (enrol_elsewhere and status == PatientStatus.ENROLLED)
    ]
    form = StatusChangeForm(request.POST if request.method == "POST" else None, allowed=allowed)
    needs_confirmation = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["to_status"] == PatientStatus.EXITED and not data["confirmed"]:
            # Show the summary and ask once more; nothing is saved yet.
            needs_confirmation = True
        else:
            try:
                services.change_status(
                    actor=acting_user(request),
                    patient=patient,
                    to_status=data["to_status"],
                    effective_date=data["effective_date"] or services.clinic_today(patient.clinic),
                    exit_reason=data["exit_reason"],
                    note=data["note"],
                )
            except DomainError as error:
                _show_on_form(form, error)
            else:
                messages.success(
                    request,
                    f"{patient.client_code} is now {PatientStatus(data['to_status']).label.lower()}.",
                )
                return redirect("patients:chart", code=patient.client_code)
    status = 400 if form.is_bound and not needs_confirmation else 200
    return render(
        request,
        "patients/change_status.html",
        {
            "form": form,
            "patient": patient,
            "needs_confirmation": needs_confirmation,
            "enrol_elsewhere": enrol_elsewhere,
            "exit_reason_label": dict(ExitReason.choices).get(
                form.cleaned_data.get("exit_reason", "")
            )
            if needs_confirmation
            else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def upload_photo(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.EDIT_PATIENTS)
    form = PhotoForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        # One byte past the limit is enough for the service to refuse an oversized file.
        content = form.cleaned_data["photo"].read(settings.OPENHAT_PHOTO_MAX_BYTES + 1)
        try:
            services.upload_photo(actor=acting_user(request), patient=patient, content=content)
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(request, "Photo saved.")
            return redirect("patients:chart", code=patient.client_code)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "patients/upload_photo.html", {"form": form, "patient": patient}, status=status
    )
