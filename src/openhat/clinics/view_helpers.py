"""Helpers every clinic-scoped view uses: the acting user, the working clinic, error pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from openhat.clinics.access import require
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Capability
from openhat.core.errors import DomainError, NotFound, PermissionDenied


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind @login_required, typed for the services."""
    user = request.user
    if not isinstance(user, User):  # only reachable if a view forgot @login_required
        raise PermissionDenied("sign_in_required", "Sign in first.")
    return user


NO_CLINIC = "no_clinic"


def working_membership(request: HttpRequest, capability: Capability) -> StaffMembership:
    """The user's membership in the clinic being worked in, if it allows `capability`.

    Raises (shown by @domain_errors_as_pages) when the user belongs to no clinic, or their role
    in this clinic lacks the capability.
    """
    clinic = getattr(request, "clinic", None)
    if clinic is None:
        raise PermissionDenied(NO_CLINIC, "You are not a member of any clinic yet.")
    return require(acting_user(request), clinic, capability)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The page for a DomainError that is not about a form field: not found or not allowed."""
    if error.code == NO_CLINIC:
        return render(request, "core/no_clinic.html", status=403)
    status = error.status_code
    return render(
        request, "core/error.html", {"status": status, "message": error.message}, status=status
    )


def domain_errors_as_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn NotFound / PermissionDenied raised by access checks into the 404 / 403 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, PermissionDenied) as error:
            return error_page(request, error)

    return wrapper


def safe_next(request: HttpRequest, candidate: str | None, fallback: str = "home") -> str:
    """`candidate` if it is a path on this site, else the fallback: never an open redirect."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(fallback)
