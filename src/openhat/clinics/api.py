"""The caller, their clinics, and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from openhat.clinics.access import active_memberships, clinic_by_code, requires_second_factor
from openhat.clinics.models import ApiToken, Clinic, StaffMembership
from openhat.clinics.roles import Capability
from openhat.clinics.services import create_api_token, revoke_api_token
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.core.idempotency import IDEMPOTENCY_HELP, key_from_header, once
from openhat.patients.schemas import ErrorOut, TokenIn

router = Router(tags=["clinics"])

# Set by the bearer-token authenticator, so handlers can tell a token call from a session call.
BEARER_AUTH_ATTRIBUTE = "openhat_authenticated_by_bearer"


def caller(request: HttpRequest) -> User:
    """The authenticated staff member (ninja has already refused anonymous calls)."""
    return request.auth  # type: ignore[attr-defined]


def called_with_token(request: HttpRequest) -> bool:
    return bool(getattr(request, BEARER_AUTH_ATTRIBUTE, False))


def clinic_for_request(
    user: User, code: str | None, capability: Capability
) -> tuple[Clinic, StaffMembership]:
    """The clinic named by `code`, or the caller's only clinic when they have just one.

    A clinic the caller does not belong to is reported exactly like an unknown one.
    """
    if not code:
        memberships = active_memberships(user)
        if len(memberships) > 1:
            raise DomainError(
                "clinic_required",
                "You work in several clinics; name one (e.g. ?clinic=ZRH).",
                "clinic",
            )
        if not memberships:
            raise NotFound("clinic_not_found", "You are not a member of any clinic.", "clinic")
        code = memberships[0].clinic.code
    try:
        return clinic_by_code(user, code, capability)
    except NotFound:
        raise NotFound("clinic_not_found", "No such clinic among your clinics.", "clinic") from None


class ClinicOut(Schema):
    code: str
    name: str
    time_zone: str
    jurisdiction_preset: str
    role: str


class MeOut(Schema):
    username: str
    second_factor_verified: bool
    second_factor_required: bool
    authenticated_by_token: bool
    memberships: list[ClinicOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    secret: str | None = Field(description="Shown once; null in the answer to a retry")


def _clinic_rows(user: User) -> list[dict[str, Any]]:
    return [
        {
            "code": m.clinic.code,
            "name": m.clinic.name,
            "time_zone": m.clinic.time_zone,
            "jurisdiction_preset": m.clinic.jurisdiction_preset,
            "role": m.role,
        }
        for m in active_memberships(user)
    ]


@router.get("/me", response=MeOut, summary="Who am I: memberships and second-factor state")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    is_verified = getattr(user, "is_verified", None)
    return {
        "username": user.get_username(),
        "second_factor_verified": bool(is_verified()) if callable(is_verified) else False,
        "second_factor_required": requires_second_factor(user),
        "authenticated_by_token": called_with_token(request),
        "memberships": _clinic_rows(user),
    }


@router.get("/clinics", response=list[ClinicOut], summary="The clinics you work in, with your role")
def clinics(request: HttpRequest) -> list[dict[str, Any]]:
    return _clinic_rows(caller(request))


@router.get(
    "/tokens", response=list[TokenOut], summary="Your API tokens (secrets are never shown again)"
)
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=caller(request)).order_by("-created_at", "-id")


@router.post(
    "/tokens",
    response={201: NewTokenOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Create an API token; the secret is in this response only",
    description=(
        f"{IDEMPOTENCY_HELP} The secret is never stored, so a retry answers with the token made "
        "the first time and `secret: null`: revoke that token and create another if the first "
        "answer was lost."
    ),
)
def create_token(
    request: HttpRequest,
    payload: TokenIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    user = caller(request)
    _require_verified_session(request, user)
    secrets: list[str] = []

    def create() -> ApiToken:
        token, secret = create_api_token(actor=user, name=payload.name)
        secrets.append(secret)
        return token

    token = once(user, key_from_header(idempotency_key), "clinics.create_token", ApiToken, create)
    return Status(
        201, {**TokenOut.from_orm(token).model_dump(), "secret": next(iter(secrets), None)}
    )


@router.delete(
    "/tokens/{int:token_id}",
    response={200: TokenOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Revoke one of your API tokens (at once, for good)",
    description=IDEMPOTENCY_HELP,
)
def revoke_token(
    request: HttpRequest,
    token_id: int,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> ApiToken:
    user = caller(request)
    return once(
        user,
        key_from_header(idempotency_key),
        f"clinics.revoke_token:{token_id}",
        ApiToken,
        lambda: revoke_api_token(actor=user, token_id=token_id),
    )


def _require_verified_session(request: HttpRequest, user: User) -> None:
    """Tokens are made from a signed-in browser session, never from another token, and by the roles
    that need a second factor only after passing it (a token skips the second-factor check)."""
    if called_with_token(request):
        raise PermissionDenied(
            "session_required", "Create API tokens while signed in, not with another token."
        )
    is_verified = getattr(user, "is_verified", None)
    if requires_second_factor(user) and not (callable(is_verified) and is_verified()):
        raise PermissionDenied(
            "second_factor_required", "Confirm your sign-in with your authenticator code first."
        )
