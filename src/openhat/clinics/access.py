"""The one access helper: which clinics a user belongs to, and what they may do there.

Every query for clinical data goes through `scope_to_user` or `membership_for`; a record of a
clinic the user does not belong to is reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from openhat.clinics.models import Clinic, StaffMembership
from openhat.clinics.roles import Capability, role_can
from openhat.core.errors import NotFound, PermissionDenied

M = TypeVar("M", bound=models.Model)
AnyUser = User | AnonymousUser


# One request's memberships by user id, read once: a dosing step asks "may this user do this
# here?" in the view and again in each service it calls. Outside a request (commands, tests that
# call services) nothing is kept and every question reads the database.
_request_memberships: ContextVar[dict[int, list[StaffMembership]] | None] = ContextVar(
    "openhat_request_memberships", default=None
)


# The clinic an API request named in its path (set by clinic_by_code within a request), so code
# deep in a request (the witness check's audit row) knows which clinic the caller is acting in.
_request_clinic: ContextVar[Clinic | None] = ContextVar("openhat_request_clinic", default=None)


@contextmanager
def memberships_kept_for_request() -> Iterator[None]:
    token = _request_memberships.set({})
    clinic_token = _request_clinic.set(None)
    try:
        yield
    finally:
        _request_clinic.reset(clinic_token)
        _request_memberships.reset(token)


def request_clinic() -> Clinic | None:
    return _request_clinic.get()


def forget_kept_memberships() -> None:
    """Called by the services that change memberships, so the rest of the request sees the change."""
    kept = _request_memberships.get()
    if kept is not None:
        kept.clear()


def active_memberships(user: AnyUser) -> list[StaffMembership]:
    if not user.is_authenticated:
        return []
    kept = _request_memberships.get()
    if kept is not None and user.pk in kept:
        return list(kept[user.pk])
    memberships = list(
        StaffMembership.objects.filter(user=user, is_active=True)
        .select_related("clinic")
        .order_by("clinic__code")
    )
    if kept is not None:
        kept[user.pk] = memberships
    return list(memberships)


def membership_for(user: AnyUser, clinic: Clinic | int) -> StaffMembership | None:
    if not user.is_authenticated:
        return None
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    if _request_memberships.get() is not None:
        return next((m for m in active_memberships(user) if m.clinic_id == clinic_id), None)
    return (
        StaffMembership.objects.filter(user=user, clinic_id=clinic_id, is_active=True)
        .select_related("clinic")
        .first()
    )


def clinics_where(user: AnyUser, capability: Capability) -> list[int]:
    return [m.clinic_id for m in active_memberships(user) if role_can(m.role, capability)]


def scope_to_user(
    queryset: models.QuerySet[M],
    user: AnyUser,
    capability: Capability,
    clinic_field: str = "clinic",
) -> models.QuerySet[M]:
    """Restrict a queryset to the clinics where the user holds the capability."""
    return queryset.filter(**{f"{clinic_field}_id__in": clinics_where(user, capability)})


def require(user: AnyUser, clinic: Clinic | int, capability: Capability) -> StaffMembership:
    """The membership that allows `capability` in `clinic`, or an error.

    Not a member: NotFound (the clinic's records stay invisible). Member without the capability:
    PermissionDenied naming the role.
    """
    membership = membership_for(user, clinic)
    if membership is None:
        raise NotFound("not_found", "No such record in your clinics.")
    if not role_can(membership.role, capability):
        raise PermissionDenied(
            "role_not_allowed",
            f"Your role ({membership.get_role_display()}) may not do this.",
        )
    return membership


def clinic_by_code(
    user: AnyUser, code: str, capability: Capability
) -> tuple[Clinic, StaffMembership]:
    # Found among the user's memberships (read once per request, with their clinics): a clinic
    # they do not work in is reported exactly like one that does not exist.
    wanted = code.strip().upper()
    membership = next((m for m in active_memberships(user) if m.clinic.code == wanted), None)
    if membership is None:
        raise NotFound("clinic_not_found", f"No clinic {code!r} among your clinics.", "clinic")
    if not role_can(membership.role, capability):
        raise PermissionDenied(
            "role_not_allowed",
            f"Your role ({membership.get_role_display()}) may not do this.",
        )
    if _request_memberships.get() is not None:
        _request_clinic.set(membership.clinic)
    return membership.clinic, membership


def requires_second_factor(user: AnyUser) -> bool:
    from django.conf import settings

    return any(m.role in settings.OPENHAT_SECOND_FACTOR_ROLES for m in active_memberships(user))
