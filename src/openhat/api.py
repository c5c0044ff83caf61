"""The JSON API root: authentication, and one error shape for every failure.

Every error is {"code", "message", "field"} with a 4xx status; each app adds a router.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from openhat.clinics.services import user_for_token
from openhat.core import bounds, idempotency
from openhat.core.errors import DomainError

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer oh_...` with a per-user API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from openhat.clinics.api import BEARER_AUTH_ATTRIBUTE

        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        setattr(request, BEARER_AUTH_ATTRIBUTE, True)
        return user


class VerifiedSessionAuth(SessionAuth):
    """The signed-in browser session (with CSRF on writes)."""


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ninja answers a method a path lacks with a plain-text 405; give it the error shape."""

    @functools.wraps(view)  # keeps csrf_exempt: ninja's auth does the CSRF check itself
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not allowed here; allowed: {allowed}.",
                    "field": None,
                },
                status=405,
            )
            response["Allow"] = allowed
        return response

    return wrapped


_RATE_LIMITED = {
    "description": (
        "Too many requests: `rate_limited` (the API's limit per token and per address), or "
        "`witness_checks_paused` / `physician_checks_paused` (too many wrong second-person "
        "passwords from this caller). The Retry-After header says how many seconds to wait."
    ),
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def _known_to_idempotency(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Idempotency keys are stored with the request's fingerprint (core/idempotency.py)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with idempotency.api_request(request):
            return view(request, *args, **kwargs)

    return wrapped


class OpenHatAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Every operation may answer 429 (core.middleware.ApiRateLimitMiddleware runs before
        any handler), so the description says so for each."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault(429, _RATE_LIMITED)
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(_known_to_idempotency(pattern.callback))
        return patterns


api = OpenHatAPI(
    title="OpenHAT API",
    version="1",
    description="Clinic software for heroin-assisted treatment. Errors are {code, message, field}.",
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, code: str, message: str, field: str | None, status: int
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # as_dict: {code, message, field}, plus what a subclass adds (an order refused by the preset
    # carries the engine's findings, so a client can show them).
    response = api.create_response(request, exc.as_dict(), status=exc.status_code)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:  # paused witness checks (clinics.second_person)
        response["Retry-After"] = str(retry_after)
    return response


def _field_of(location: Any) -> str | None:
    parts = [
        str(part)
        for part in location
        if part not in ("body", "query", "path", "form", "file", "payload")
    ]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    location = first.get("loc", ())
    message = str(first.get("msg", "The request is not valid."))
    if first.get("type") == "json_invalid" or "json" in str(first.get("type", "")):
        return error_response(
            request, "malformed_json", "The request body is not valid JSON.", None, 400
        )
    field = _field_of(location)
    # A refusal of the shared bounds keeps its own code (decimal_comma, date_out_of_range, ...).
    code = first.get("type") if first.get("type") in bounds.ADVICE else "invalid_input"
    return error_response(
        request, str(code), f"{field}: {message}" if field else message, field, 422
    )


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database refused (the schemas should have caught it first): a 400, not a 500."""
    logger.warning("database refused a value on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        request, "invalid_input", "A value in the request cannot be stored.", None, 400
    )


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        "not_authenticated",
        "Sign in, or send a valid API token (Authorization: Bearer ...).",
        None,
        401,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and "parse" in message.lower():
        return error_response(
            request, "malformed_json", "The request body is not valid JSON.", None, 400
        )
    if exc.status_code == 403 and "csrf" in message.lower():
        return error_response(
            request,
            "csrf_failed",
            "The form's security token is missing or old; reload.",
            None,
            403,
        )
    return error_response(request, f"http_{exc.status_code}", message, None, exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found", "No such record in your clinics.", None, 404)


def _register_routers() -> None:
    from openhat.care.api import router as care_router
    from openhat.clinics.api import router as clinics_router
    from openhat.dosing.api import router as dosing_router
    from openhat.enrolment.api import router as enrolment_router
    from openhat.fhir.api import router as fhir_router
    from openhat.interviews.api import router as interviews_router
    from openhat.patients.api import router as patients_router
    from openhat.pharmacy.api import router as pharmacy_router
    from openhat.pharmacy.api_counts import router as pharmacy_counts_router
    from openhat.pharmacy.api_movements import router as pharmacy_movements_router
    from openhat.pharmacy.api_reports import router as pharmacy_reports_router
    from openhat.pilot.api import router as pilot_router
    from openhat.prescribing.api import router as prescribing_router
    from openhat.release.api import router as release_router
    from openhat.research.api import router as research_router

    api.add_router("/", clinics_router)
    api.add_router("/patients", patients_router)
    api.add_router("/", enrolment_router)
    api.add_router("/", prescribing_router)
    api.add_router("/", fhir_router)
    api.add_router("/", pharmacy_router)
    api.add_router("/", pharmacy_movements_router)
    api.add_router("/", pharmacy_counts_router)
    api.add_router("/", pharmacy_reports_router)
    api.add_router("/", dosing_router)
    api.add_router("/", care_router)
    api.add_router("/", interviews_router)
    api.add_router("/planner", pilot_router)
    api.add_router("/", release_router)
    api.add_router("/", research_router)


_register_routers()
