"""Staff pages: the manager's overview (alerts, staff, invitations), inviting, one staff member's
page, the confirmations of the steps that take access away, and the invitation link itself.

Views are thin: a form checks the input, one service in staff.services does the work and writes its
audit event, a DomainError is shown on the form or as the error page. Every page but the
invitation link is for managers of the clinic being worked in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.models import Clinic, StaffMembership
from openhat.clinics.roles import Capability, Role
from openhat.clinics.view_helpers import (
    acting_user,
    domain_errors_as_pages,
    error_page,
    working_membership,
)
from openhat.core.errors import DomainError
from openhat.staff import services
from openhat.staff.alerts import ALERT_DAYS, alerts_for
from openhat.staff.forms import InviteForm, JoinForm, RoleForm
from openhat.staff.models import StaffInvitation


def _clinic(request: HttpRequest) -> Clinic:
    return working_membership(request, Capability.MANAGE_STAFF).clinic


def _show_on_form(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_GET
@domain_errors_as_pages
def overview(request: HttpRequest) -> HttpResponse:
    """The manager's start page: alerts first, then the staff and the open invitations."""
    clinic = _clinic(request)
    members = list(
        StaffMembership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("-is_active", "role", "user__username")
    )
    with_authenticator = set(
        TOTPDevice.objects.filter(
            user_id__in=[m.user_id for m in members], confirmed=True
        ).values_list("user_id", flat=True)
    )
    invitations = StaffInvitation.objects.filter(
        clinic=clinic, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")
    return render(
        request,
        "staff/overview.html",
        {
            "clinic": clinic,
            "alerts": alerts_for(clinic),
            "alert_days": ALERT_DAYS,
            "members": [
                {"membership": m, "authenticator": m.user_id in with_authenticator} for m in members
            ],
            "active_count": sum(1 for m in members if m.is_active),
            "invitations": invitations,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def invite(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, secret = services.invite(
                actor=acting_user(request),
                clinic=clinic,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            link = request.build_absolute_uri(reverse("staff:join", args=[secret]))
            return render(
                request, "staff/invited.html", {"invitation": invitation, "link": link}, status=201
            )
    status = 400 if form.is_bound else 200
    return render(request, "staff/invite.html", {"form": form, "clinic": clinic}, status=status)


def _membership(clinic: Clinic, membership_id: int) -> StaffMembership:
    found = (
        StaffMembership.objects.select_related("user", "clinic")
        .filter(pk=membership_id, clinic=clinic)
        .first()
    )
    if found is None:
        raise Http404("No such staff member in this clinic.")
    return found


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def member(request: HttpRequest, membership_id: int) -> HttpResponse:
    """One staff member: their role (changed here) and the steps that take access away."""
    clinic = _clinic(request)
    membership = _membership(clinic, membership_id)
    form = RoleForm(
        request.POST if request.method == "POST" else None, initial={"role": membership.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.change_role(
                actor=acting_user(request),
                clinic=clinic,
                membership_id=membership.pk,
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            _show_on_form(form, error)
        else:
            messages.success(
                request,
                f"{changed.user.get_username()} is now a {changed.get_role_display().lower()} "
                f"in {clinic.code}.",
            )
            return redirect("staff:member", membership_id=changed.pk)
    return render(
        request,
        "staff/member.html",
        {
            "membership": membership,
            "form": form,
            "is_self": membership.user_id == acting_user(request).pk,
            "authenticator": TOTPDevice.objects.filter(
                user=membership.user, confirmed=True
            ).exists(),
            "other_clinics": StaffMembership.objects.filter(user=membership.user, is_active=True)
            .exclude(clinic=clinic)
            .count(),
        },
        status=400 if form.errors else 200,
    )


@dataclass(frozen=True)
class Step:
    """A step on one staff member that is confirmed on a page of its own before it is done."""

    title: str
    explain: str
    button: str
    danger: bool
    run: Callable[..., Any]
    done: str


STEPS = {
    "deactivate": Step(
        "Deactivate {username} in {clinic}?",
        "They lose access to this clinic at once. If this is the only clinic they work in, their "
        "account is disabled: their open sessions end at their next click and their API tokens "
        "are revoked for good (new ones can be made after a reactivation).",
        "Deactivate",
        True,
        services.deactivate,
        "{username} is deactivated in {clinic}.",
    ),
    "reactivate": Step(
        "Reactivate {username} in {clinic}?",
        "They can sign in again with their own password and work in this clinic with their role. "
        "API tokens revoked at the deactivation stay revoked.",
        "Reactivate",
        False,
        services.reactivate,
        "{username} is active again in {clinic}.",
    ),
    "reset-second-factor": Step(
        "Reset the authenticator of {username}?",
        "Their authenticator app stops working for OpenHAT at once and cannot be restored. At their "
        "next sign-in they scan a new code and set up a new device. Do this when a phone is lost "
        "or replaced, after checking who is asking.",
        "Reset authenticator",
        True,
        services.reset_second_factor,
        "The authenticator of {username} is reset; they set up a new one at their next sign-in.",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def member_step(request: HttpRequest, membership_id: int, step: str) -> HttpResponse:
    """GET asks for confirmation; POST does the step (one table of steps, one handler)."""
    if step not in STEPS:
        raise Http404("No such step.")
    clinic = _clinic(request)
    membership = _membership(clinic, membership_id)
    about = STEPS[step]
    names = {"username": membership.user.get_username(), "clinic": clinic.code}
    if request.method == "POST":
        try:
            about.run(actor=acting_user(request), clinic=clinic, membership_id=membership.pk)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, about.done.format(**names))
        return redirect("staff:member", membership_id=membership.pk)
    return render(
        request,
        "staff/confirm.html",
        {
            "title": about.title.format(**names),
            "explain": about.explain,
            "button": about.button,
            "danger": about.danger,
            "action": reverse("staff:member_step", args=[membership.pk, step]),
            "back": reverse("staff:member", args=[membership.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    clinic = _clinic(request)
    invitation = StaffInvitation.objects.filter(pk=invitation_id, clinic=clinic).first()
    if invitation is None:
        raise Http404("No such invitation in this clinic.")
    if request.method == "POST":
        try:
            services.revoke_invitation(
                actor=acting_user(request), clinic=clinic, invitation_id=invitation.pk
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation of {invitation.username} is withdrawn.")
        return redirect("staff:overview")
    return render(
        request,
        "staff/confirm.html",
        {
            "title": f"Withdraw the invitation of {invitation.username}?",
            "explain": "The link stops working at once. You can invite them again afterwards.",
            "button": "Withdraw invitation",
            "danger": True,
            "action": reverse("staff:revoke_invitation", args=[invitation.pk]),
            "back": reverse("staff:overview"),
        },
    )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, secret: str) -> HttpResponse:
    """The invitation link: a new colleague sets their password; someone with an account signs in
    and accepts. Open to anyone holding the link; the link is the credential."""
    try:
        invitation = services.open_invitation(secret)
    except DomainError as error:
        return error_page(request, error)
    user = request.user if isinstance(request.user, User) else None
    has_account = User.objects.filter(username=invitation.username).exists()
    form = JoinForm(request.POST if request.method == "POST" and not has_account else None)
    if request.method == "POST":
        try:
            if has_account:
                if user is None:
                    return redirect(f"{reverse('accounts:login')}?next={request.path}")
                services.accept_as(secret=secret, user=user)
                messages.success(request, f"You have joined {invitation.clinic.code}.")
                return redirect("home")
            if form.is_valid():
                services.accept_with_new_account(secret=secret, **form.cleaned_data)
                messages.success(
                    request, f"Your account {invitation.username} is ready: sign in with it."
                )
                return redirect("accounts:login")
        except DomainError as error:
            if error.code not in ("passwords_differ", "password_too_weak"):
                return error_page(request, error)
            _show_on_form(form, error)
    return render(
        request,
        "staff/join.html",
        {
            "invitation": invitation,
            "role_label": Role(invitation.role).label,
            "form": form,
            "has_account": has_account,
            "signed_in_as": user.get_username() if user else None,
        },
        status=400 if form.errors else 200,
    )
