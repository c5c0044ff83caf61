"""Which screen a session shows, the form each screen carries, and rendering one screen.

A session shows the screen of its current step (its state); a few steps may be asked for with
?step= (assess again, ask again with another drug or dose, go on to the preparation).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.dosing.forms import (
    AdministerForm,
    AssessForm,
    DecideForm,
    PrepareForm,
    SignOffForm,
    mg_text,
)
from openhat.dosing.models import DosingSession, SessionState
from openhat.dosing.services import sessions
from openhat.dosing.sites import SITES_BY_ROUTE, site_label
from openhat.dosing.views.session_common import (
    SessionAccess,
    dose_lots,
    first_to_use,
    header,
    session_facts,
    site_history,
    site_notes,
)
from openhat.prescribing.models import OrderVersion

# The screen each state shows, and the capability that may act on it (others read it).
SCREEN_OF_STATE = {
    SessionState.CHECKED_IN: "assess",
    SessionState.ASSESSED: "decide",
    SessionState.DECIDED: "decision",
    SessionState.PREPARED: "administer",
    SessionState.OBSERVING: "observe",
    SessionState.COMPLETED: "done",
    SessionState.NO_DOSE: "done",
}
ACTS_ON = {
    "assess": Capability.RUN_SESSIONS,
    "decide": Capability.RUN_SESSIONS,
    "decision": Capability.RUN_SESSIONS,
    "prepare": Capability.ISSUE_DOSE,
    "administer": Capability.RUN_SESSIONS,
    "observe": Capability.RUN_SESSIONS,
    "done": Capability.RUN_SESSIONS,
}
# Screens that may be asked for by name, in the states where they make sense.
ASKED_FOR = {
    "assess": (SessionState.CHECKED_IN, SessionState.ASSESSED, SessionState.DECIDED),
    "decide": (SessionState.ASSESSED, SessionState.DECIDED),
    "prepare": (SessionState.DECIDED,),
}
BEFORE_DOSE = (
    SessionState.CHECKED_IN,
    SessionState.ASSESSED,
    SessionState.DECIDED,
    SessionState.PREPARED,
)
STEP_NAMES = [
    ("check_in", "Check-in"),
    ("assess", "Assessment"),
    ("decision", "Decision"),
    ("prepare", "Preparation"),
    ("administer", "Administration"),
    ("observe", "Observation"),
    ("done", "Done"),
]
STEP_OF_SCREEN = {"decide": "decision"}


def screen_for(access: SessionAccess, facts: dict[str, Any], asked: str) -> str:
    state = access.session.state
    screen = SCREEN_OF_STATE[SessionState(state)]
    verdict = facts["verdict"]
    allowed = asked != "prepare" or (verdict is not None and verdict.allows_dose)
    if asked in ASKED_FOR and state in ASKED_FOR[asked] and allowed:
        return asked
    return screen


def orders_for_decision(session: DosingSession, facts: dict[str, Any]) -> list[OrderVersion]:
    """The active orders of the decision's drug and route: their usual dose and notes."""
    decision = facts["decision"]
    if decision is None:
        return []
    return [
        version
        for version in header(session).orders
        if version.drug == decision.drug and decision.route in version.routes
    ]


def default_dose_mg(facts: dict[str, Any], orders: list[OrderVersion]) -> Decimal | None:
    """What the preparation proposes: the dose asked for, else the order's usual dose (a fixed
    dose is its own usual dose), each only within what the decision allows; never simply the
    largest dose allowed (the nurse types the dose when the order names no usual one)."""
    decision = facts["decision"]
    if decision is None:
        return None
    usual = next((v.default_dose_mg for v in orders if v.default_dose_mg is not None), None)
    for dose in (decision.requested_mg, usual):
        if dose is not None and Decimal(0) < dose <= decision.max_dose_mg:
            return dose
    if (decision.requested_mg, usual) != (None, None) and decision.max_dose_mg > 0:
        return decision.max_dose_mg  # reduced or capped below the dose asked for or usual
    return None


def default_dose(facts: dict[str, Any], orders: list[OrderVersion]) -> str:
    dose = default_dose_mg(facts, orders)
    return mg_text(dose) if dose else ""


def make_form(
    screen: str, access: SessionAccess, facts: dict[str, Any], data: Any = None
) -> forms.Form | None:
    """The form of a screen, bound to `data` when it was posted."""
    session, decision = access.session, facts["decision"]
    if screen == "assess":
        return AssessForm(data)
    if screen == "decide":
        initial = {}
        if decision is not None:
            initial["therapy"] = f"{decision.drug}:{decision.route}"
        return DecideForm(data, orders=header(session).orders, initial=initial)
    if screen == "prepare" and decision is not None:
        choices = dose_lots(session, decision)
        orders = orders_for_decision(session, facts)
        return PrepareForm(
            data,
            lots=[(lot.value, lot.label) for lot in choices],
            initial={
                "decision_id": str(decision.pk),
                "dose_mg": default_dose(facts, orders),
                "stock": first_to_use(choices, default_dose_mg(facts, orders)),
            },
        )
    if screen == "administer" and decision is not None:
        preparation = facts["preparation"]
        history = site_history(session.patient)
        return AdministerForm(
            data,
            route=decision.route,
            site_notes=site_notes(history, session.clinic.zone),
            initial={
                "decision_id": str(decision.pk),
                "preparation_id": str(preparation.pk) if preparation else "",
                "dose_mg": mg_text(preparation.dose_mg) if preparation else "",
            },
        )
    if screen == "observe":
        return SignOffForm(data)
    return None


def partial_dose(form: forms.Form, facts: dict[str, Any]) -> bool:
    """Whether the dose typed is less than the dose drawn (a remainder to return or waste)."""
    preparation = facts["preparation"]
    if preparation is None or not form.is_bound:
        return False
    try:
        given = Decimal(str(form.data.get("dose_mg", "")).strip())
    except InvalidOperation:
        return False
    return given.is_finite() and Decimal(0) < given < preparation.dose_mg


def render_screen(
    request: HttpRequest,
    access: SessionAccess,
    screen: str,
    *,
    form: forms.Form | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    session = access.session
    sessions.session_viewed(actor=access.user, session=session)
    facts = session_facts(session)
    if form is None:
        form = make_form(screen, access, facts)
    step = STEP_OF_SCREEN.get(screen, screen)
    names = [name for name, _ in STEP_NAMES]
    decision = facts["decision"]
    lots = dose_lots(session, decision) if screen == "prepare" and decision else []
    context = {
        "screen": screen,
        "form": form,
        "header": header(session),
        "session": session,
        "patient": session.patient,
        "steps": [
            {"name": name, "label": label, "done": names.index(name) < names.index(step)}
            for name, label in STEP_NAMES
        ],
        "current_step": step,
        "may_act": access.can(ACTS_ON[screen]),
        "can_run": access.can(Capability.RUN_SESSIONS),
        "can_issue": access.can(Capability.ISSUE_DOSE),
        "can_override": access.can(Capability.OVERRIDE_DOSE),
        "can_record_event": access.can(Capability.RECORD_ADVERSE_EVENT),
        "role": access.membership.get_role_display(),
        "before_dose": session.state in BEFORE_DOSE,
        "now": clock.now(),
        "user": access.user,
        "site_history": site_history(session.patient) if screen == "administer" else [],
        "has_sites": bool(decision and SITES_BY_ROUTE.get(decision.route)),
        "lots": lots,
        "lot_strengths": {lot.value: lot.mg_per_ml for lot in lots},
        "partial": form is not None and partial_dose(form, facts),
        "site_words": site_label(str(getattr(form, "cleaned_data", {}).get("site") or "")),
        # The physician's instructions for this drug and route, at the decision and preparation.
        "order_notes": orders_for_decision(session, facts)
        if screen in ("decision", "prepare")
        else [],
        **facts,
        **(extra or {}),
    }
    return render(request, f"dosing/step_{screen}.html", context, status=status)


def render_refusal(
    request: HttpRequest,
    access: SessionAccess,
    screen: str,
    form: forms.Form,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A refused form on its screen; when the session has moved on meanwhile (another station,
    a stale tab), the screen it is at now, with the refusal at the top."""
    current = screen_for(access, session_facts(access.session), screen)
    if current == screen:
        return render_screen(request, access, screen, form=form, status=400, extra=extra)
    said = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return render_screen(request, access, current, status=400, extra={"screen_error": said})
