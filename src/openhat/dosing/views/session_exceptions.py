"""When a session does not go to plan: refused, left before the dose, held, spilled, left before
observation ended, vomited. Each is one screen with the summary and a clear "Confirm" button;
where a drawn dose is wasted (ending with a dose drawn, or a spill) the witness signs there."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.forms import ExceptionForm
from openhat.dosing.models import ENDS_WITHOUT_DOSE, OPEN_STATES, ExceptionKind, SessionState
from openhat.dosing.services import exceptions, sessions, stale
from openhat.dosing.views.session_common import (
    SessionAccess,
    header,
    session_access,
    session_facts,
    session_url,
    show_on_form,
)
from openhat.pharmacy.views.common import signed_witness


@dataclass(frozen=True)
class Kind:
    title: str
    explain: str
    button: str
    notes_label: str
    states: tuple[str, ...]
    notes_required: bool = False


BEFORE_DOSE = (
    SessionState.CHECKED_IN,
    SessionState.ASSESSED,
    SessionState.DECIDED,
    SessionState.PREPARED,
)
KINDS = {
    "refused": Kind(
        "Patient refused the dose",
        "The session ends without a dose.",
        "Confirm: end the session, refused",
        "Notes",
        BEFORE_DOSE,
    ),
    "left_before_dose": Kind(
        "Left before the dose",
        "The session ends without a dose.",
        "Confirm: end the session, left",
        "Notes",
        BEFORE_DOSE,
    ),
    "held": Kind(
        "End: dose held",
        "No dose is given in this session; the reason is kept with it.",
        "Confirm: end the session, dose held",
        "Why the dose is held",
        BEFORE_DOSE,
        notes_required=True,
    ),
    "spilled": Kind(
        "Dose spilled",
        "All of the drawn dose is wasted, witnessed; a new dose may then be drawn.",
        "Confirm: record the spill",
        "What happened",
        (SessionState.PREPARED,),
    ),
    "left_early": Kind(
        "Left before observation ended",
        "Observation ends on this record.",
        "Confirm: left before observation ended",
        "Notes (how the patient seemed, advice given)",
        (SessionState.OBSERVING,),
    ),
    "vomited": Kind(
        "Vomited the oral dose",
        "Recorded for the physician; no dose is repeated automatically.",
        "Confirm: record vomiting",
        "Notes (how long after the dose, how much)",
        (SessionState.OBSERVING, SessionState.COMPLETED),
    ),
    "not_completed": Kind(
        "End a stale session: not completed",
        "The session was left open (a crash, a closed tab, the patient gone). It ends as not "
        "completed; the reason is kept with it. A dose already given stays recorded.",
        "Confirm: end the session, not completed",
        "Why the session is ended",
        tuple(OPEN_STATES),
        notes_required=True,
    ),
}


def _record(access: SessionAccess, kind: str, form: ExceptionForm, request: HttpRequest) -> None:
    """ONE service, the one for this kind of exception."""
    actor, session_id = access.user, access.session.pk
    notes, key = form.cleaned_data["notes"], form.key
    if kind in ENDS_WITHOUT_DOSE:
        exceptions.end_without_dose(
            actor=actor,
            session_id=session_id,
            kind=kind,
            notes=notes,
            witness=signed_witness(request, form),
            idempotency_key=key,
        )
    elif kind == "spilled":
        exceptions.record_spill(
            actor=actor,
            session_id=session_id,
            witness=signed_witness(request, form),
            notes=notes,
            idempotency_key=key,
        )
    elif kind == "not_completed":
        stale.end_stale_session(
            actor=actor,
            session_id=session_id,
            reason=notes,
            witness=signed_witness(request, form),
            idempotency_key=key,
        )
    elif kind == "left_early":
        exceptions.record_left_early(
            actor=actor, session_id=session_id, notes=notes, idempotency_key=key
        )
    else:
        exceptions.record_vomited(
            actor=actor, session_id=session_id, notes=notes, idempotency_key=key
        )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def exception(request: HttpRequest, session_id: int) -> HttpResponse:
    access = session_access(request, session_id, Capability.RUN_SESSIONS)
    posted = request.POST if request.method == "POST" else None
    kind = (posted or request.GET).get("kind", "")
    if kind not in KINDS:
        return render(
            request,
            "core/error.html",
            {"status": 400, "message": "Choose what happened from the session screen."},
            status=400,
        )
    about = KINDS[kind]
    session = access.session
    facts = session_facts(session)
    form = ExceptionForm(
        posted,
        initial={"kind": kind},
        notes_label=about.notes_label,
        notes_required=about.notes_required,
    )
    if posted is not None and form.is_valid():
        try:
            _record(access, kind, form, request)
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"{ExceptionKind(kind).label} recorded.")
            return redirect(session_url(session))
    drawn = facts["preparation"] is not None and session.state == SessionState.PREPARED
    sessions.session_viewed(actor=access.user, session=session)
    return render(
        request,
        "dosing/session_exception.html",
        {
            "form": form,
            "kind": kind,
            "about": about,
            "fits": session.state in about.states
            and (kind != "not_completed" or stale.is_stale(session, clock.now())),
            "witness_needed": drawn
            and (kind in ENDS_WITHOUT_DOSE or kind in ("spilled", "not_completed")),
            "header": header(session),
            "session": session,
            "patient": session.patient,
            **facts,
        },
        status=400 if form.errors else 200,
    )
