from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
