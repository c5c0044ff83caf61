from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from openhat.core import ratelimit

logger = logging.getLogger(__name__)

# Features a clinic page never needs; denying them limits what injected content could do.
_PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", _PERMISSIONS_POLICY)
        # Identifiable records must not linger in shared caches or the browser's back history.
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class ApiRateLimitMiddleware:
    """A limit on JSON API requests per token (or signed-in user) and per address.

    Counted in PostgreSQL (core.ratelimit), so the limit holds across every worker and server.
    Over either limit: 429 `rate_limited` with a Retry-After header, before any handler runs.
    The limits and the window come from the environment (settings.OPENHAT_API_RATE_*); a limit of 0
    turns that one off. Sign-in pages are not counted here: django-axes guards them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        limits = _api_limits(request)
        if not limits:
            return self.get_response(request)
        counts = ratelimit.count(limits, settings.OPENHAT_API_RATE_WINDOW_SECONDS)
        over = [counted for key, counted in counts.items() if counted.count > limits[key]]
        if not over:
            return self.get_response(request)
        wait = max(counted.retry_after_seconds() for counted in over)
        by_address = all(counted.key.startswith(_ADDRESS) for counted in over)
        logger.warning("API rate limit reached on %s", ", ".join(c.key for c in over))
        response = JsonResponse(
            {
                "code": "rate_limited",
                "message": (
                    f"Too many API requests {'from this address' if by_address else 'with this token'}"
                    f"; try again in {wait} second{'s' if wait != 1 else ''}."
                ),
                "field": None,
            },
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response


# Key prefixes. A token's key is its secret's SHA-256, as ApiToken stores it (the benchmark's
# replay swaps that digest per client: bench/dose_pgbench.py).
_TOKEN = "api-token-"  # noqa: S105 (a counter key prefix, not a secret)
_USER = "api-user-"
_ADDRESS = "api-address-"


def _api_limits(request: HttpRequest) -> dict[str, int]:
    """The keys this request counts against, each with its limit."""
    limits: dict[str, int] = {}
    per_caller = settings.OPENHAT_API_RATE_PER_TOKEN
    per_address = settings.OPENHAT_API_RATE_PER_ADDRESS
    authorization = request.headers.get("Authorization", "")
    if per_caller:
        if authorization.startswith("Bearer "):
            # The secret's hash names the key: a wrong or revoked token is counted too, so guessing
            # tokens is slowed down like any other burst.
            digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
            limits[_TOKEN + digest] = per_caller
        elif request.user.is_authenticated:
            limits[_USER + str(request.user.pk)] = per_caller
    address = request.META.get("REMOTE_ADDR")
    if per_address and address:
        limits[_ADDRESS + address] = per_address
    return limits


class InputBoundsMiddleware:
    """Refuses a control character in the path or the query string, before any view reads them.

    PostgreSQL text cannot hold NUL ("/patients/%00/" reached the database as a lookup and came back
    as a 500), and no code, number or date of ours holds a control character. A path with one names
    no page (404); a query string with one is a 400. Bodies are bounded by the forms and schemas
    (openhat/core/bounds.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from openhat.core.bounds import has_control_character
        from openhat.core.views import error_page

        if has_control_character(request.path):
            return error_page(request, 404, "not_found", "There is no such page.")
        for key, values in request.GET.lists():
            if has_control_character(key) or any(has_control_character(v) for v in values):
                return error_page(
                    request,
                    400,
                    "control_character",
                    "The address holds a control character (such as %00); remove it.",
                )
        return self.get_response(request)
