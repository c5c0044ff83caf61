"""A physician lifts a hold or a review for one session, with a reason and a second factor.

At the station the physician signs in on the nurse's screen (username, password and a code from
their authenticator); the override is theirs, not the nurse's. From their own device a signed-in
physician sees today's sessions waiting with a hold or review and enters only the code.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.second_person import PHYSICIAN, check_second_person
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages, working_membership
from openhat.core import clock
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.dosing.forms_override import RemoteOverrideForm, StationOverrideForm
from openhat.dosing.models import DosingSession, SessionState
from openhat.dosing.services.overrides import liftable_findings, override_session
from openhat.dosing.services.sessions import session_viewed
from openhat.dosing.services.steps import latest_decision
from openhat.dosing.views.session_common import (
    SessionAccess,
    decision_view,
    header,
    session_access,
    session_url,
    show_on_form,
)
from openhat.rules.day import dosing_day

WAITING_VERDICTS = ("hold", "physician_review")


def authenticate_physician(request: HttpRequest, username: str, password: str) -> User:
    """The physician, who typed their own password on the nurse's screen.

    Not a sign-in: wrong passwords count against the nurse's account and address, never against
    the physician named (clinics.second_person); the nurse's own session is left as it is.
    """
    username = (username or "").strip()
    if not username or not password:
        raise DomainError(
            "physician_sign_in_incomplete",
            "The physician enters their own username and password.",
            "physician_username",
        )
    return check_second_person(request, acting_user(request), username, password, PHYSICIAN)


def _context(access: SessionAccess, form: Any, **extra: Any) -> dict[str, Any]:
    session = access.session
    session_viewed(actor=access.user, session=session)
    decision = latest_decision(session)
    return {
        "form": form,
        "session": session,
        "patient": session.patient,
        "header": header(session),
        "verdict": decision_view(decision),
        "waiting": session.state == SessionState.DECIDED and bool(form.fields["rule_ids"].choices),
        **extra,
    }


def _liftable(session: DosingSession) -> tuple[Any, list[dict[str, object]]]:
    decision = latest_decision(session)
    if decision is None or session.state != SessionState.DECIDED:
        return decision, []
    return decision, liftable_findings(decision)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def override_station(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id)
    if not (access.can(Capability.RUN_SESSIONS) or access.can(Capability.OVERRIDE_DOSE)):
        raise PermissionDenied(
            "role_not_allowed",
            f"Your role ({access.membership.get_role_display()}) does not run the station.",
        )
    decision, liftable = _liftable(access.session)
    posted = request.POST if request.method == "POST" else None
    form = StationOverrideForm(
        posted, liftable=liftable, initial={"decision_id": decision.pk if decision else ""}
    )
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            physician = authenticate_physician(
                request, data["physician_username"], data["physician_password"]
            )
            new = override_session(
                actor=physician,
                session_id=access.session,
                decision_id=data["decision_id"],
                rule_ids=data["rule_ids"],
                reason=data["reason"],
                totp_code=data["totp_code"],
                allowed_dose_mg=data["allowed_dose_mg"],
                via="station",
                idempotency_key=form.key,
            )
        except (NotFound, PermissionDenied):
            form.add_error(
                "physician_username",
                "Only a physician of this clinic may override; that user is not one.",
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Override by Dr {physician.get_username()} recorded; the new decision: "
                f"{new.verdict.replace('_', ' ')}.",
            )
            return redirect(session_url(access.session))
    return render(
        request,
        "dosing/override_station.html",
        _context(access, form),
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@domain_errors_as_pages
def override_remote(request: HttpRequest) -> HttpResponse:
    """Today's sessions of the working clinic waiting at a hold or a physician review."""
    clinic = working_membership(request, Capability.OVERRIDE_DOSE).clinic
    today = dosing_day(clock.now(), clinic.zone)
    waiting = []
    for session in (
        DosingSession.objects.filter(clinic=clinic, dosing_day=today, state=SessionState.DECIDED)
        .select_related("patient")
        .order_by("checked_in_at")
    ):
        view = decision_view(latest_decision(session))
        if view is not None and view.decision.verdict in WAITING_VERDICTS:
            waiting.append({"session": session, "verdict": view})
    return render(request, "dosing/override_remote.html", {"waiting": waiting, "clinic": clinic})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def override_remote_session(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id, Capability.OVERRIDE_DOSE)
    decision, liftable = _liftable(access.session)
    posted = request.POST if request.method == "POST" else None
    form = RemoteOverrideForm(
        posted, liftable=liftable, initial={"decision_id": decision.pk if decision else ""}
    )
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            new = override_session(
                actor=access.user,
                session_id=access.session,
                decision_id=data["decision_id"],
                rule_ids=data["rule_ids"],
                reason=data["reason"],
                totp_code=data["totp_code"],
                allowed_dose_mg=data["allowed_dose_mg"],
                via="remote",
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Override for {access.session.patient.client_code} recorded; the new decision: "
                f"{new.verdict.replace('_', ' ')}.",
            )
            return redirect(reverse("dosing:override_remote"))
    return render(
        request,
        "dosing/override_remote_form.html",
        _context(access, form),
        status=400 if form.errors else 200,
    )
