"""Release-of-information pages: a patient's releases with the form to make one, a release as
a person reads it (with the notice against redisclosure; also as a PDF), and its package as sent
(JSON).

Staff with Capability.RELEASE_INFORMATION (physicians, counsellors, managers). Reads of a
release's contents are logged by release.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.enrolment.checks import consent_holds
from openhat.enrolment.models import Consent, ConsentKind, DataCategory
from openhat.patients.access import patient_for
from openhat.patients.models import Patient
from openhat.release import notice, services
from openhat.release.document import release_pdf
from openhat.release.forms import ReleaseForm
from openhat.release.readable import readable

FHIR_JSON = "application/fhir+json"


def _consents(patient: Patient) -> list[dict[str, object]]:
    today = clinic_today(patient.clinic)
    rows = (
        Consent.objects.filter(patient=patient, kind=ConsentKind.RELEASE_OF_INFORMATION)
        .select_related("revocation")
        .order_by("-given_on", "-pk")
    )
    return [
        {
            "consent": row,
            "holds": consent_holds(row, today),
            "covers": [DataCategory(item).label for item in row.covers],
        }
        for row in rows
    ]


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def patient_releases(request: HttpRequest, code: str) -> HttpResponse:
    user = acting_user(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    form = ReleaseForm(request.POST if request.method == "POST" else None)
    refusal: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            release = services.release_information(
                actor=user,
                patient=patient,
                recipient=form.cleaned_data["recipient"],
                purpose=form.cleaned_data["purpose"],
                categories=form.cleaned_data["categories"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            refusal = error
        else:
            messages.success(request, f"Released to {release.recipient}.")
            return redirect("release:detail", code=patient.client_code, release_id=release.pk)
    return render(
        request,
        "release/patient.html",
        {
            "patient": patient,
            "form": form,
            "refusal": refusal,
            "consents": _consents(patient),
            "releases": services.releases_of(user, patient),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
@domain_errors_as_pages
def release_detail(request: HttpRequest, code: str, release_id: int) -> HttpResponse:
    user = acting_user(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    release = services.read_release(actor=user, patient=patient, release_id=release_id)
    return render(
        request,
        "release/detail.html",
        {
            "patient": patient,
            "release": release,
            "sections": readable(release.package),
            "notice": notice,
        },
    )


@login_required
@require_GET
@domain_errors_as_pages
def release_package(request: HttpRequest, code: str, release_id: int) -> HttpResponse:
    user = acting_user(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    release = services.read_release(actor=user, patient=patient, release_id=release_id)
    response = HttpResponse(release.package.encode(), content_type=FHIR_JSON)
    response["Content-Disposition"] = (
        f'attachment; filename="release-{patient.client_code}-{release.pk}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@domain_errors_as_pages
def release_document(request: HttpRequest, code: str, release_id: int) -> HttpResponse:
    user = acting_user(request)
    patient, _ = patient_for(user, code, Capability.RELEASE_INFORMATION)
    release = services.read_release(actor=user, patient=patient, release_id=release_id)
    response = HttpResponse(release_pdf(release), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="release-{patient.client_code}-{release.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
