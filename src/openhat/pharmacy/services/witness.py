"""The second person who co-signs waste, adjustments and destruction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

from openhat.clinics.access import membership_for
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.second_person import WITNESS, check_second_person
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
    """The witness, who typed their own password on this screen; None if no witness was given.

    Not a sign-in: wrong passwords count against the caller, never against the witness named
    (clinics.second_person), so nobody can lock a colleague out by naming them.
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
    caller = request.user
    if not isinstance(caller, User):
        raise DomainError("sign_in_required", "Sign in first.")
    return check_second_person(request, caller, username, password, WITNESS)
