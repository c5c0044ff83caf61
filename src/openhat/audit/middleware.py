"""Request context for the audit trail and for pghistory's row history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from pghistory.middleware import HistoryMiddleware

from openhat.audit.context import action_origin


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy the operator sets OPENHAT_BEHIND_PROXY and Django's SecurityMiddleware sees the
    # scheme; the address we keep is the peer the server saw, which a client cannot forge.
    return request.META.get("REMOTE_ADDR") or None


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match is not None and match.view_name else ""
    return f"{request.method} {request.path}" + (f" ({name})" if name else "")


class RequestContextMiddleware(HistoryMiddleware):
    """pghistory context (user, clinic, IP, route) plus the origin used by audit rows."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().get_context(request)
        clinic = getattr(request, "clinic", None)
        context.update(
            {
                "clinic": clinic.code if clinic is not None else None,
                "ip": client_ip(request),
                "route": f"{request.method} {request.path}",
            }
        )
        return context

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with action_origin(client_ip(request), f"{request.method} {request.path}"):
            return super().__call__(request)


__all__ = ["RequestContextMiddleware", "client_ip", "route_of"]
