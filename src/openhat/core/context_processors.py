from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def openhat(request: HttpRequest) -> dict[str, Any]:
    clinic = getattr(request, "clinic", None)
    membership = getattr(request, "membership", None)
    return {
        "development_mode": settings.DEVELOPMENT_MODE,
        "current_clinic": clinic,
        "current_membership": membership,
        "user_memberships": getattr(request, "memberships", []),
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
