"""Account pages: sign-in, the second factor, the clinic switcher and API tokens.

Views are thin: a form checks the input, one service does the work, a DomainError is shown on the
form (or as the error page for a record the user may not see), never as a 500.
"""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from openhat.clinics import services
from openhat.clinics.access import requires_second_factor
from openhat.clinics.forms import (
    ClinicSwitchForm,
    SecondFactorForm,
    SignInForm,
    TokenCreateForm,
    TokenRevokeForm,
)
from openhat.clinics.middleware import SESSION_CLINIC_KEY
from openhat.clinics.models import ApiToken
from openhat.clinics.view_helpers import acting_user, error_page, safe_next
from openhat.core import views as core_views
from openhat.core.errors import DomainError


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm


class SignOutView(auth_views.LogoutView):
    """POST only (Django 5): a link or an image on another page cannot sign anyone out."""


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Our own SVG from qrcode (no user text in it), so it is safe to place inline.
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url)
    device = services.totp_device_for(acting_user(request))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.verify_second_factor(
            actor=acting_user(request), device=device, token=form.cleaned_data["token"]
        ):
            django_otp.login(request, device)
            messages.success(request, "Sign-in confirmed.")
            return redirect(next_url)
        form.add_error(
            "token",
            "That code is not right. Check the time on your phone and type the newest code.",
        )
    context: dict[str, Any] = {"form": form, "next": next_url, "setting_up": not device.confirmed}
    if not device.confirmed:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    # Reaching here after a POST means the code was wrong or malformed.
    return render(
        request, "clinics/second_factor.html", context, status=400 if form.is_bound else 200
    )


@login_required
@require_POST
def switch_clinic(request: HttpRequest) -> HttpResponse:
    form = ClinicSwitchForm(request.POST)
    if not form.is_valid():
        return core_views.bad_request(request)
    try:
        membership = services.switch_clinic(
            actor=acting_user(request),
            memberships=getattr(request, "memberships", []),
            clinic_code=form.cleaned_data["clinic"].strip().upper(),
        )
    except DomainError as error:
        return error_page(request, error)
    request.session[SESSION_CLINIC_KEY] = membership.clinic_id
    messages.success(
        request, f"You are now working in {membership.clinic.code} · {membership.clinic.name}."
    )
    # A patient of the old clinic is not in the new one: go to the list rather than back.
    next_url = form.cleaned_data["next"]
    if next_url.startswith("/patients/"):
        next_url = reverse("patients:list")
    return redirect(safe_next(request, next_url))


def _second_factor_first(request: HttpRequest) -> HttpResponse | None:
    """Account pages are reachable before the second factor, but creating a token is not: a
    token skips the second factor later, so it must come from a verified session."""
    if requires_second_factor(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(reverse("accounts:second_factor") + "?next=" + request.path)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if (owed := _second_factor_first(request)) is not None:
        return owed
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    new_secret: str | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, new_secret = services.create_api_token(
                    actor=acting_user(request), name=form.cleaned_data["name"]
                )
            except DomainError as error:
                form.add_error("name" if error.field == "name" else None, error.message)
                status = 400
            else:
                messages.success(
                    request,
                    f"Token “{token.name}” created. Copy the secret now: it is shown only once.",
                )
                form = TokenCreateForm()
        else:
            status = 400
    own_tokens = ApiToken.objects.filter(user=acting_user(request)).order_by("-created_at")
    return render(
        request,
        "clinics/tokens.html",
        {"form": form, "tokens": own_tokens, "new_secret": new_secret},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke_token(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST revokes. Someone else's token is reported as not found."""
    if (owed := _second_factor_first(request)) is not None:
        return owed
    form = TokenRevokeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Choose a token to revoke.")
        return redirect("accounts:tokens")
    token_id = form.cleaned_data["token_id"]
    if request.method == "GET":
        token = ApiToken.objects.filter(pk=token_id, user=acting_user(request)).first()
        if token is None:
            messages.error(request, "No such token of yours.")
            return redirect("accounts:tokens")
        return render(request, "clinics/revoke_token.html", {"token": token, "form": form})
    try:
        token = services.revoke_api_token(actor=acting_user(request), token_id=token_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token “{token.name}” is revoked; it no longer works.")
    return redirect("accounts:tokens")
