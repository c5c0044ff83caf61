"""The session screen and the steps before the dose: assessment, decision, preparation.

Each view: the access helper checks the role in the session's clinic, a form checks the shape of
the input, ONE service records the step, and a DomainError is shown beside its field on the same
screen (status 400) with nothing written. A double submit carries the same one-time key and gets
the first result.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.dosing.services import administer as dose_services
from openhat.dosing.services import sessions
from openhat.dosing.views.session_common import (
    session_access,
    session_facts,
    session_url,
    show_on_form,
)
from openhat.dosing.views.session_screens import (
    make_form,
    render_refusal,
    render_screen,
    screen_for,
)


@login_required
@require_GET
@domain_errors_as_pages
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    """The screen of the session's current step (read-only for roles that do not run it)."""
    access = session_access(request, session_id)
    facts = session_facts(access.session)
    return render_screen(request, access, screen_for(access, facts, request.GET.get("step", "")))


@login_required
@require_POST
@domain_errors_as_pages
def assess(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id, Capability.RUN_SESSIONS)
    form = make_form("assess", access, {"decision": None}, request.POST)
    assert form is not None
    if form.is_valid():
        data = form.cleaned_data
        try:
            sessions.assess(
                actor=access.user,
                session_id=access.session,
                sedation_score=data["sedation_score"],
                breath_alcohol_mg_per_l=data["breath_alcohol_mg_per_l"],
                signs=form.all_signs(),  # type: ignore[attr-defined]
                notes=data["notes"],
                idempotency_key=form.key,  # type: ignore[attr-defined]
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(access.session))
    return render_refusal(request, access, "assess", form)


@login_required
@require_POST
@domain_errors_as_pages
def decide(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id, Capability.RUN_SESSIONS)
    form = make_form("decide", access, session_facts(access.session), request.POST)
    assert form is not None
    if form.is_valid():
        drug, route = form.drug_and_route()  # type: ignore[attr-defined]
        try:
            sessions.decide_session(
                actor=access.user,
                session_id=access.session,
                drug=drug,
                route=route,
                dose_mg=form.cleaned_data["dose_mg"] or None,
                idempotency_key=form.key,  # type: ignore[attr-defined]
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(access.session))
    return render_refusal(request, access, "decide", form)


@login_required
@require_POST
@domain_errors_as_pages
def prepare(request: HttpRequest, session_id: int) -> HttpResponse:
    """Draw the dose from a dosing-room lot: the ledger's `dose issued` entry, mg and mL."""
    access = session_access(request, session_id, Capability.ISSUE_DOSE)
    facts = session_facts(access.session)
    form = make_form("prepare", access, facts, request.POST)
    if form is None:  # no decision yet: nothing to draw a dose for
        return render_screen(
            request,
            access,
            screen_for(access, facts, ""),
            status=400,
            extra={"screen_error": "Ask for the decision before drawing a dose."},
        )
    if form.is_valid():
        lot_id, location_id = form.lot_and_location()  # type: ignore[attr-defined]
        try:
            dose_services.prepare(
                actor=access.user,
                session_id=access.session,
                decision_id=form.cleaned_data["decision_id"],
                dose_mg=form.cleaned_data["dose_mg"],
                lot_id=lot_id,
                location_id=location_id,
                idempotency_key=form.key,  # type: ignore[attr-defined]
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            return redirect(session_url(access.session))
    return render_refusal(request, access, "prepare", form)
