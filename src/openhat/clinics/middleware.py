from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import urlencode

from openhat.clinics.access import active_memberships, memberships_kept_for_request
from openhat.clinics.models import StaffMembership

SESSION_CLINIC_KEY = "openhat_clinic_id"

# Paths a signed-in user who still owes a second factor may reach.
_SECOND_FACTOR_OPEN_PATHS = ("/accounts/", "/static/")


class KeepMembershipsMiddleware:
    """A user's memberships are read once per request (see access.memberships_kept_for_request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with memberships_kept_for_request():
            return self.get_response(request)


class CurrentClinicMiddleware:
    """Sets request.memberships, request.membership and request.clinic (the one being worked in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships = active_memberships(request.user)
        chosen: StaffMembership | None = None
        wanted = request.session.get(SESSION_CLINIC_KEY) if memberships else None
        for membership in memberships:
            if membership.clinic_id == wanted:
                chosen = membership
        if chosen is None and memberships:
            chosen = memberships[0]
        request.memberships = memberships  # type: ignore[attr-defined]
        request.membership = chosen  # type: ignore[attr-defined]
        request.clinic = chosen.clinic if chosen else None  # type: ignore[attr-defined]
        # Pages show times in the clinic's own time zone; storage stays UTC.
        if chosen is not None:
            timezone.activate(chosen.clinic.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SecondFactorRequiredMiddleware:
    """Physicians and pharmacists (OPENHAT_SECOND_FACTOR_ROLES) must pass TOTP before anything else.

    API calls with a token are exempt here: a token can only be created from a verified session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_SECOND_FACTOR_OPEN_PATHS)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by django-otp
            and _owes_second_factor(request)
        ):
            if request.path.startswith("/api/"):
                if request.headers.get("Authorization", "").startswith("Bearer "):
                    return self.get_response(request)
                return JsonResponse(
                    {
                        "code": "second_factor_required",
                        "message": "Confirm your sign-in with your authenticator code first.",
                        "field": None,
                    },
                    status=403,
                )
            return redirect(
                "/accounts/second-factor/?" + urlencode({"next": request.get_full_path()})
            )
        return self.get_response(request)


def _owes_second_factor(request: HttpRequest) -> bool:
    from django.conf import settings

    memberships: list[StaffMembership] = getattr(request, "memberships", [])
    return any(m.role in settings.OPENHAT_SECOND_FACTOR_ROLES for m in memberships)
