"""The researcher's start page: what a researcher may see today, in figures only.

Researchers never see charts, client codes, names or dates (Capability.VIEW_AGGREGATES only); the
page shows suppressed counts for the clinic being worked in and says what is not there yet.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.outcomes.figures import figures_for


@login_required
@require_GET
@domain_errors_as_pages
def start(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.VIEW_AGGREGATES).clinic
    return render(
        request, "outcomes/start.html", {"clinic": clinic, "figures": figures_for(clinic)}
    )
