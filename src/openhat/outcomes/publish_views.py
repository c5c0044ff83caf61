"""The managers' pages of the public report: the published months, the small-cell threshold, and
a month's preview with the confirmed freeze (docs/public-report.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core.bounds_forms import IntegerTextField
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.outcomes import public_services as services
from openhat.outcomes.models import MAXIMUM_PUBLIC_THRESHOLD, MINIMUM_PUBLIC_THRESHOLD
from openhat.outcomes.public_counts import Month
from openhat.outcomes.public_present import present


class ThresholdForm(forms.Form):
    small_cell_threshold = IntegerTextField(
        label="Small-cell threshold",
        min_value=0,
        max_value=10_000,
        error_messages={"required": "Give the threshold, e.g. 10."},
        help_text=f"Counts below it are hidden in the public report, with the counts that would "
        f"reveal them. At least {MINIMUM_PUBLIC_THRESHOLD}, at most {MAXIMUM_PUBLIC_THRESHOLD}; "
        "the default is 10.",
    )

    def clean_small_cell_threshold(self) -> int:
        value = self.cleaned_data["small_cell_threshold"]
        try:
            return services.check_threshold(value)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class FreezeForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="I have checked these figures: publish them. A frozen report cannot be withdrawn.",
        error_messages={
            "required": "Tick the box to confirm that the figures are to be published."
        },
    )


@login_required
@require_GET
@domain_errors_as_pages
def reports(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.MANAGE_SETTINGS).clinic
    asked = request.GET.get("month", "").strip()
    error = ""
    if asked:
        try:
            return redirect("public_reports:period", period=services.parse_period(asked).key)
        except DomainError as refused:
            error = refused.message
    today = clinic_today(clinic)
    last_month = Month.of(today.year, today.month).shifted(-1)
    return render(
        request,
        "outcomes/publish/list.html",
        {
            "clinic": clinic,
            "reports": services.frozen_reports(clinic),
            "threshold": services.threshold_of(clinic),
            "last_month": last_month.key,
            "month_error": error,
            "asked": asked,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def threshold(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.MANAGE_SETTINGS).clinic
    form = ThresholdForm(
        request.POST if request.method == "POST" else None,
        initial={"small_cell_threshold": services.threshold_of(clinic)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_threshold(
                actor=acting_user(request),
                clinic=clinic,
                threshold=form.cleaned_data["small_cell_threshold"],
            )
        except DomainError as error:
            form.add_error("small_cell_threshold", error.message)
        else:
            messages.success(request, "The threshold is saved.")
            return redirect("public_reports:list")
    return render(
        request,
        "outcomes/publish/threshold.html",
        {"form": form, "clinic": clinic},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def period(request: HttpRequest, period: str) -> HttpResponse:
    clinic = working_membership(request, Capability.MANAGE_SETTINGS).clinic
    user = acting_user(request)
    form = FreezeForm(request.POST if request.method == "POST" else None)
    try:
        services.parse_period(period)
    except DomainError as error:
        return render(
            request, "core/error.html", {"status": 404, "message": error.message}, status=404
        )
    if request.method == "POST" and form.is_valid():
        try:
            frozen = services.freeze(
                actor=user,
                clinic=clinic,
                period=period,
                expected_sha256=form.cleaned_data["sha256"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            version = frozen.report.version
            messages.success(
                request,
                f"Frozen as version {version}: the report is public now."
                if frozen.created
                else f"Version {version} already holds these figures; nothing new was frozen.",
            )
            return redirect(
                "public:report_version", code=clinic.code, period=period, version=version
            )
    shown = services.preview(actor=user, clinic=clinic, period=period)
    return render(
        request,
        "outcomes/publish/period.html",
        {**present(shown.content), "form": form, "clinic": clinic, "preview": shown},
        status=400 if form.is_bound else 200,
    )
