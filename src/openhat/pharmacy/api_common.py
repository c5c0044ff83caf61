"""What the pharmacy's JSON routes share: the caller and their clinic, the witness, the
Idempotency-Key header, the error answers and the shape of a movement's answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Status

from openhat.clinics.api import caller, clinic_for_request
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability, role_can
from openhat.patients.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, ErrorOut
from openhat.pharmacy import services
from openhat.pharmacy.schemas import PageQuery, WitnessIn
from openhat.pharmacy.services.witness import authenticate_witness

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PHARMACY = "/clinics/{slug:clinic}/pharmacy"
IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key answers "
    "201 with what was written the first time and writes nothing more. Reusing a key for a "
    "different action is 409 `idempotency_key_reused`."
)
WITNESS_HELP = (
    "A second staff member of the clinic (nurse, pharmacist, pharmacy technician or physician, "
    "never the person recording) witnesses it: send their `witness_username` and "
    "`witness_password`."
)
MOVEMENT_HELP = (
    "Quantities are a decimal with a `unit`. The answer is the movement with all its ledger "
    "entries; a refusal (`insufficient_stock`, `lot_expired`, `quantity_wrong_unit`, ...) "
    "writes nothing."
)


def idempotency_key(header: str | None) -> str | None:
    # One character over the limit is enough for the service to refuse it as too long.
    return (header or "")[: IDEMPOTENCY_KEY_MAX_LENGTH + 1] or None


@dataclass(frozen=True)
class Caller:
    user: User
    clinic: Clinic
    # Nurses hold the dosing room's stock only: everything they read is limited to it.
    dosing_room_only: bool


def caller_in(request: HttpRequest, clinic: str, capability: Capability) -> Caller:
    user = caller(request)
    found, membership = clinic_for_request(user, clinic, capability)
    return Caller(user, found, not role_can(membership.role, Capability.VIEW_STOCK))


def witness_of(request: HttpRequest, payload: WitnessIn) -> User | None:
    """Called after the role check, so a caller who may not write cannot probe passwords."""
    return authenticate_witness(request, payload.witness_username, payload.witness_password)


def moved(movement: services.Movement) -> Status[dict[str, Any]]:
    return Status(
        201,
        {
            "movement": movement.movement_id,
            "kind": movement.first.kind,
            "entries": movement.entries,
        },
    )


def page(count: int, query: PageQuery, items: list[Any]) -> dict[str, Any]:
    return {"count": count, "limit": query.limit, "offset": query.offset, "items": items}
