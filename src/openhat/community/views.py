"""The community log's page: the clinic's entries, and adding one (or a correction) after a
confirmation, since an entry cannot be changed once saved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.community import services
from openhat.community.forms import EntryForm
from openhat.community.models import CommunityLogEntry
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError


@login_required
@require_GET
@domain_errors_as_pages
def log(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.COMMUNITY_LOG).clinic
    entries = services.read_log(actor=acting_user(request), clinic=clinic)
    today = clinic_today(clinic)
    return render(
        request,
        "community/log.html",
        {
            "clinic": clinic,
            "entries": entries,
            "corrected": {e.corrects_id for e in entries if e.corrects_id},
            "months": services.summary(clinic, services.months_back(today, 11), today),
            "categories": services.LogCategory.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_entry(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.COMMUNITY_LOG).clinic
    user = acting_user(request)
    corrects_id = request.POST.get("corrects") or request.GET.get("corrects")
    corrected: CommunityLogEntry | None = None
    if corrects_id:
        corrected = services.entry_for(user, clinic, corrects_id)
    initial: dict[str, Any] = {"occurred_on": clinic_today(clinic)}
    if corrected is not None:
        initial = {
            "occurred_on": corrected.occurred_on,
            "category": corrected.category,
            "description": corrected.description,
            "action_taken": corrected.action_taken,
            "corrects": corrected.pk,
        }
    form = EntryForm(request.POST if request.method == "POST" else None, initial=initial)
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = request.POST.get("action")
        if action == "edit":
            pass  # back to the form, filled in
        elif action != "save":
            confirming = True  # show the entry once more: it cannot be changed after saving
            try:  # refuse a client code before asking to confirm, not after
                for field in ("description", "action_taken"):
                    if services.client_codes_in(clinic, data[field]):
                        raise DomainError(
                            "client_code_in_text", "Remove the client code: name no patient.", field
                        )
            except DomainError as error:
                form.add_error(error.field, error.message)
                confirming = False
        else:
            try:
                services.record_entry(
                    actor=user,
                    clinic=clinic,
                    occurred_on=data["occurred_on"],
                    category=data["category"],
                    description=data["description"],
                    action_taken=data["action_taken"],
                    corrects=corrected,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Correction saved." if corrected else "Entry saved.")
                return redirect("community:log")
    return render(
        request,
        "community/new_entry.html",
        {
            "form": form,
            "clinic": clinic,
            "corrected": corrected,
            "confirming": confirming,
            "category_label": dict(services.LogCategory.choices).get(
                form.cleaned_data.get("category", "") if form.is_bound and confirming else ""
            ),
        },
        status=400 if form.is_bound and not confirming and form.errors else 200,
    )
