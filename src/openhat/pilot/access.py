"""Who may use the pilot planner: it holds no patient data and needs no clinical role.

By default any signed-in user of any role (or of no clinic at all) may plan, save and share; with
OPENHAT_PLANNER_PUBLIC on, everyone may, because advocates and council staff are its users and have
no account. A shared scenario's link is its only key, so the shared page follows the same setting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def planner_is_public() -> bool:
    return bool(getattr(settings, "OPENHAT_PLANNER_PUBLIC", False))


def may_use_planner(user: User | AnonymousUser) -> bool:
    return planner_is_public() or user.is_authenticated


def acting_user(request: HttpRequest) -> User | None:
    """The signed-in user a saved scenario is credited to; None for a visitor of a public planner."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def planner_page(view: View) -> View:
    """Sign-in required unless the planner is public; no role or clinic is asked for."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_use_planner(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
