"""Finding a possible earlier record of the same person, anywhere in the installation.

A match is the same name and date of birth, or the same health number, compared on keys that
ignore case, accents, spacing, punctuation and the order of the name's parts. The search covers
every clinic (one person may be registered in two clinics, and the daily maximum is per person);
what the registering staff member is shown depends on their role in the match's clinic.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q

from openhat.clinics.access import AnyUser, membership_for
from openhat.clinics.roles import Capability, role_can
from openhat.core.errors import Conflict, DomainError
from openhat.patients.identity_keys import health_number_key, name_key
from openhat.patients.models import Patient, PatientIdentity

# The first key of PostgreSQL's two-key advisory lock: this module's namespace.
_LOCK_NAMESPACE = 4201
MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 1000


@dataclass(frozen=True)
class IdentityKeys:
    name: str
    date_of_birth: date
    health_number: str

    @classmethod
    def of(cls, legal_name: str, date_of_birth: date, health_number: str) -> IdentityKeys:
        return cls(name_key(legal_name), date_of_birth, health_number_key(health_number))

    def lock_keys(self) -> list[str]:
        keys = [f"name:{self.name}|{self.date_of_birth.isoformat()}"]
        if self.health_number:
            keys.append(f"health:{self.health_number}")
        return sorted(keys)


def lock_identity(keys: IdentityKeys) -> None:
    """Serialise registrations of the same person (in any clinic) until the transaction ends.

    Taken before the clinic's row, always in the same order, so two registrations cannot deadlock;
    the second one waits, then sees the first one's record.
    """
    with connection.cursor() as cursor:
        for key in keys.lock_keys():
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NAMESPACE, key])


def find_matches(
    keys: IdentityKeys, exclude_patient_id: int | None = None
) -> list[PatientIdentity]:
    """Every identity in every clinic that matches, oldest first (a merged record included)."""
    criteria = Q(name_key=keys.name, date_of_birth=keys.date_of_birth)
    if keys.health_number:
        criteria |= Q(health_number_key=keys.health_number)
    identities = PatientIdentity.objects.filter(criteria).select_related(
        "patient", "patient__clinic", "patient__merged_into"
    )
    if exclude_patient_id is not None:
        identities = identities.exclude(patient_id=exclude_patient_id)
    return list(identities.order_by("patient_id"))


def matched_on(identity: PatientIdentity, keys: IdentityKeys) -> list[str]:
    reasons = []
    if identity.name_key == keys.name and identity.date_of_birth == keys.date_of_birth:
        reasons.append("name_and_date_of_birth")
    if keys.health_number and identity.health_number_key == keys.health_number:
        reasons.append("health_number")
    return reasons


def newly_matching(
    matches: list[PatientIdentity], before: IdentityKeys, after: IdentityKeys
) -> list[PatientIdentity]:
    """The matches a correction from `before` to `after` brings. A record that already matched the
    old keys on the same grounds (a twin confirmed at registration, say) is no news: correcting
    another key must not ask about it again."""
    return [
        identity
        for identity in matches
        if set(matched_on(identity, after)) - set(matched_on(identity, before))
    ]


def fingerprint(matches: list[PatientIdentity]) -> str:
    """An opaque token for exactly this set of matches: a confirmation given for one set does not
    cover a record that appeared since (a registration made at the same time, for instance)."""
    ids = ",".join(str(identity.patient_id) for identity in sorted(matches, key=_by_patient))
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"possible-duplicate:{ids}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]


def _by_patient(identity: PatientIdentity) -> int:
    return identity.patient_id


def may_see(actor: AnyUser, patient: Patient) -> bool:
    membership = membership_for(actor, patient.clinic_id)
    return membership is not None and role_can(membership.role, Capability.VIEW_IDENTITY)


@dataclass(frozen=True)
class ShownMatch:
    """One possible match as the registering staff member may see it: named, or not at all."""

    visible: bool
    matched_on: tuple[str, ...]
    client_code: str = ""
    clinic: str = ""
    status: str = ""
    legal_name: str = ""
    date_of_birth: date | None = None
    health_number: str = ""
    merged_into: str = ""

    def as_dict(self) -> dict[str, Any]:
        if not self.visible:
            return {"visible": False}
        return {
            "visible": True,
            "matched_on": list(self.matched_on),
            "client_code": self.client_code,
            "clinic": self.clinic,
            "status": self.status,
            "legal_name": self.legal_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "health_number": self.health_number,
            "merged_into": self.merged_into,
        }


def shown_match(actor: AnyUser, identity: PatientIdentity, keys: IdentityKeys) -> ShownMatch:
    patient = identity.patient
    if not may_see(actor, patient):
        return ShownMatch(visible=False, matched_on=())
    return ShownMatch(
        visible=True,
        matched_on=tuple(matched_on(identity, keys)),
        client_code=patient.client_code,
        clinic=patient.clinic.code,
        status=patient.get_status_display(),
        legal_name=identity.legal_name,
        date_of_birth=identity.date_of_birth,
        health_number=identity.health_number,
        merged_into=patient.merged_into.client_code if patient.merged_into else "",
    )


class PossibleDuplicate(Conflict):
    """409 `possible_duplicate`: nothing was registered (or, for a correction of identifying data,
    nothing was saved); confirm with the token and a reason."""

    def __init__(
        self,
        matches: tuple[ShownMatch, ...],
        confirmation: str,
        stale: bool,
        *,
        correcting: bool = False,
    ) -> None:
        hidden = sum(1 for match in matches if not match.visible)
        shown = len(matches) - hidden
        parts = []
        if shown:
            parts.append(f"{shown} record(s) shown below")
        if hidden:
            parts.append(
                f"{hidden} record(s) you may not see; ask a colleague who may, before going on"
            )
        if stale:
            lead = "The possible matches changed since you confirmed. "
        elif correcting:
            lead = "With this correction the record may be a second one of another patient: "
        else:
            lead = "This person may already be registered: "
        outcome = (
            "Nothing was saved. If this is a different person, save the correction again"
            if correcting
            else "Nothing was registered. If this is a different person, register again"
        )
        super().__init__(
            "possible_duplicate",
            f"{lead}{'; '.join(parts)}. {outcome} with the confirmation and a written reason.",
            "duplicate_confirmation",
        )
        self.matches = matches
        self.confirmation = confirmation

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "confirmation": self.confirmation,
            "matches": [match.as_dict() for match in self.matches],
        }


@dataclass(frozen=True)
class DuplicateConfirmation:
    """The registering staff member's answer to a PossibleDuplicate: the token it carried and why
    this is a different person (or why a second record is needed)."""

    token: str
    reason: str

    def checked_reason(self) -> str:
        """The reason on one line, refused when too short to say anything or too long."""
        reason = " ".join((self.reason or "").split())
        if len(reason) < MIN_REASON_LENGTH:
            raise DomainError(
                "duplicate_reason_required",
                f"Write why this is a different person or why a second record is needed "
                f"(at least {MIN_REASON_LENGTH} characters).",
                "duplicate_reason",
            )
        if len(reason) > MAX_REASON_LENGTH:
            raise DomainError(
                "duplicate_reason_too_long",
                f"The reason has at most {MAX_REASON_LENGTH} characters.",
                "duplicate_reason",
            )
        return reason
