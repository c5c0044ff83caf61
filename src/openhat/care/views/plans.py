"""The care plan page (counsellors write; nurses and physicians read), goals and reviews.

Each view: patients.access.patient_for checks the role (another clinic's patient is not found),
a form checks the input, ONE service does the work, and a DomainError is shown on its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openhat.care import reading, services, transitions
from openhat.care.forms import GoalForm, ReviewForm
from openhat.care.models import CareDomain
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.patients.access import patient_for


def show_on_form(form: Any, error: DomainError) -> None:
    """Put a service's refusal on the field it names (or on the form as a whole)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_GET
@domain_errors_as_pages
def care_plan(request: HttpRequest, code: str) -> HttpResponse:
    patient, membership = patient_for(request.user, code, Capability.VIEW_CARE)
    reading.log_care_read(acting_user(request), patient)
    plan = reading.care_plan_of(patient)
    goals = list(plan.goals.all()) if plan else []
    by_domain = [
        (label, [goal for goal in goals if goal.domain == value])
        for value, label in CareDomain.choices
    ]
    referrals = reading.referrals_of(patient)
    today = clinic_today(patient.clinic)
    return render(
        request,
        "care/plan.html",
        {
            "patient": patient,
            "plan": plan,
            "goal_count": len(goals),
            "by_domain": [(label, rows) for label, rows in by_domain if rows],
            "reviews": list(plan.reviews.all().order_by("-reviewed_on", "-pk")) if plan else [],
            "review_overdue": bool(plan and plan.next_review_on < today),
            "open_referrals": [r for r in referrals if r.is_open],
            "ended_referrals": [r for r in referrals if not r.is_open],
            "today": today,
            "can_write": role_can(membership.role, Capability.WRITE_CARE),
            "allowed_next": transitions.ALLOWED_NEXT,
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def start_plan(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    try:
        services.start_care_plan(
            actor=acting_user(request),
            patient=patient,
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Care plan of {patient.client_code} started.")
    return redirect("care:plan", code=patient.client_code)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def add_goal(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    plan = reading.plan_required(patient)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_goal(
                actor=acting_user(request),
                plan=plan,
                goal=form.goal_input(),
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Goal added.")
            return redirect("care:plan", code=patient.client_code)
    return render(
        request,
        "care/goal.html",
        {"form": form, "patient": patient, "goal": None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def edit_goal(request: HttpRequest, code: str, goal_id: int) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    goal = reading.goal_of(patient, goal_id)
    reading.log_care_read(acting_user(request), patient)
    form = GoalForm(request.POST) if request.method == "POST" else GoalForm.for_goal(goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(actor=acting_user(request), goal=goal, changes=form.goal_input())
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Goal saved.")
            return redirect("care:plan", code=patient.client_code)
    return render(
        request,
        "care/goal.html",
        {"form": form, "patient": patient, "goal": goal},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def review(request: HttpRequest, code: str) -> HttpResponse:
    patient, _ = patient_for(request.user, code, Capability.WRITE_CARE)
    plan = reading.plan_required(patient)
    reading.log_care_read(acting_user(request), patient)
    goals = [goal for goal in plan.goals.all()]
    form = ReviewForm(request.POST if request.method == "POST" else None, goals=goals)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.review_care_plan(
                actor=acting_user(request),
                plan=plan,
                note_text=form.cleaned_data["note"],
                reviewed_on=form.cleaned_data["reviewed_on"],
                goal_reviews=form.goal_reviews(),
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"Review recorded; next review on {done.next_review_on.isoformat()}."
            )
            return redirect("care:plan", code=patient.client_code)
    return render(
        request,
        "care/review.html",
        {"form": form, "patient": patient, "plan": plan},
        status=400 if form.is_bound else 200,
    )
