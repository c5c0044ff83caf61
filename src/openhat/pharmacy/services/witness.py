"""The second person who co-signs waste, adjustments and destruction."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest

from openhat.clinics.access import membership_for
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability, role_can
from openhat.core.errors import DomainError


def check_witness(clinic: Clinic, actor: User, witness: User | None, *, required: bool) -> None:
    if witness is None:
        if required:
            raise DomainError(
                "witness_required",
                "A second staff member must witness this and sign in to confirm it.",
                "witness",
            )
        return
    if witness.pk == actor.pk:
        raise DomainError(
            "witness_is_actor",
            "The witness must be a different person from the one recording the entry.",
            "witness",
        )
    membership = membership_for(witness, clinic)
    if membership is None or not role_can(membership.role, Capability.WITNESS_STOCK):
        raise DomainError(
            "witness_not_allowed",
            "The witness must be a nurse, pharmacist, pharmacy technician or physician of this clinic.",
            "witness",
        )


def authenticate_witness(request: HttpRequest, username: str, password: str) -> User | None:
    """The witness, signed in with their own password on the same screen; None if no witness given.

    Goes through django-axes like any sign-in, so guessing a colleague's password locks them out.
    """
    username = (username or "").strip()
    if not username and not password:
        return None
    if not username or not password:
        raise DomainError(
            "witness_sign_in_incomplete",
            "The witness enters both their username and their password.",
            "witness_username",
        )
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        # django-axes locked the witness's account; without this the middleware would replace
        # the actor's whole form with a "sign-in locked" page as if they were the one locked out.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise DomainError(
            "witness_locked_out",
            "Too many wrong passwords for this witness: their sign-in is locked for a while. "
            "Ask another colleague to witness.",
            "witness_username",
        )
    if user is None or not isinstance(user, User):
        raise DomainError(
            "witness_sign_in_failed",
            "The witness's username or password is wrong.",
            "witness_password",
        )
    return user
