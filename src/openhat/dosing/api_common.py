"""What the dosing station's API handlers share: the caller's clinic, the session, the key.

Every path is under /api/clinics/{clinic}/dosing/, {clinic} being the clinic's code. A clinic the
caller does not work in, or a session or event of another clinic, is "not found"; a member whose
role may not take a step gets 403 before any record is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest

from openhat.clinics.access import membership_for
from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.second_person import PHYSICIAN, check_second_person
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.dosing.models import AdverseEvent, DosingSession
from openhat.patients.models import Patient
from openhat.patients.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, ErrorOut
from openhat.pharmacy.services.witness import authenticate_witness

DOSING = "/clinics/{slug:clinic}/dosing"
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key answers "
    "201 with what was written the first time and writes nothing more. Reusing a key for a "
    "different action is 409 `idempotency_key_reused`."
)
WITNESS_HELP = (
    "A second staff member of the clinic (nurse, pharmacist, pharmacy technician or physician, "
    "never the caller) witnesses waste or a return: send their `witness_username` and "
    "`witness_password`."
)


@dataclass(frozen=True)
class Caller:
    user: User
    clinic: Clinic


def key(header: str | None) -> str | None:
    # One character over the limit is enough for the service to refuse it as too long.
    return (header or "")[: IDEMPOTENCY_KEY_MAX_LENGTH + 1] or None


def caller_in(request: HttpRequest, clinic: str, capability: Capability) -> Caller:
    user = caller(request)
    found, _ = clinic_for_request(user, clinic, capability)
    return Caller(user, found)


def session_in(clinic: Clinic, session_id: int) -> DosingSession:
    found = (
        DosingSession.objects.select_related("clinic", "patient", "checked_in_by")
        .filter(clinic=clinic, pk=session_id)
        .first()
    )
    if found is None:
        raise NotFound("session_not_found", "No such session in this clinic.", "session")
    return found


def patient_in(clinic: Clinic, patient_id: int, field: str = "patient_id") -> Patient:
    found = Patient.objects.select_related("clinic").filter(clinic=clinic, pk=patient_id).first()
    if found is None:
        raise NotFound("patient_not_found", "No such patient in this clinic.", field)
    return found


def event_in(clinic: Clinic, event_id: int) -> AdverseEvent:
    found = (
        AdverseEvent.objects.select_related("patient", "recorded_by")
        .filter(clinic=clinic, pk=event_id)
        .first()
    )
    if found is None:
        raise NotFound("event_not_found", "No such adverse event in this clinic.", "event")
    return found


def same_request(matches: bool) -> None:
    """A retry's stored answer must be for this request's record.

    The services remember a key per user and kind of step, so a key sent again for another
    session, patient or event would return the first one's record as if this one had been written
    (a dose "recorded" for the wrong patient). Refused instead; nothing is written either way.
    """
    if not matches:
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency key was already used for another record; send a new key.",
            "idempotency_key",
        )


def witness(request: HttpRequest, username: str, password: str) -> User | None:
    """Called after the role check, so a caller who may not write cannot probe passwords."""
    return authenticate_witness(request, username, password)


def physician_at_station(
    request: HttpRequest, clinic: Clinic, username: str, password: str
) -> User:
    """A physician typing their own password on the nurse's station (clinics.second_person: wrong
    passwords count against the caller, never against the physician named)."""
    username = (username or "").strip()
    if not username or not password:
        raise DomainError(
            "physician_sign_in_incomplete",
            "The physician enters both their username and their password.",
            "physician_username",
        )
    physician = check_second_person(request, caller(request), username, password, PHYSICIAN)
    membership = membership_for(physician, clinic)
    if membership is None or not role_can(membership.role, Capability.OVERRIDE_DOSE):
        raise DomainError(
            "physician_not_allowed",
            "Only a physician of this clinic may override a decision.",
            "physician_username",
        )
    return physician
