"""The manager's page for the clinic's dosing windows (a clinic setting, audited by the service)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.models import WINDOW_FIELDS
from openhat.clinics.roles import Capability
from openhat.clinics.services import set_dosing_windows
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core.errors import DomainError

_TIME = {"inputmode": "numeric", "autocomplete": "off", "placeholder": "HH:MM", "size": 6}


class WindowsForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, opens, closes in WINDOW_FIELDS:
            for field, word in ((opens, "opens"), (closes, "closes")):
                self.fields[field] = forms.CharField(
                    label=f"{name.capitalize()} {word}",
                    max_length=5,
                    widget=forms.TextInput(attrs=_TIME),
                    error_messages={"required": "Give the time as HH:MM, e.g. 07:30."},
                )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def dosing_windows(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.MANAGE_SETTINGS).clinic
    current = {
        field: f"{getattr(clinic, field):%H:%M}"
        for _name, opens, closes in WINDOW_FIELDS
        for field in (opens, closes)
    }
    form = WindowsForm(request.POST if request.method == "POST" else None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            set_dosing_windows(actor=acting_user(request), clinic=clinic, hours=form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "The dosing windows are saved.")
            return redirect("staff:dosing_windows")
    rows = [(name, form[opens], form[closes]) for name, opens, closes in WINDOW_FIELDS]
    return render(
        request,
        "staff/dosing_windows.html",
        {"form": form, "clinic": clinic, "rows": rows},
        status=400 if form.is_bound else 200,
    )
