"""Stock movements over JSON: one table row per movement and one handler shape for them all.

Each row names its path, its input schema, the capability it needs, its OpenAPI text and how its
payload becomes ONE pharmacy service call. The handler checks the role, signs the witness in
(schemas that carry a witness, after the role check), calls the service and answers 201 with the
movement and all its ledger entries. The reversal of an entry is the one movement addressed by a
ledger entry in its path, so it keeps a handler of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Header, Router, Schema, Status

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.errors import NotFound
from openhat.patients.models import Patient
from openhat.pharmacy import services
from openhat.pharmacy.api_common import (
    ERRORS,
    IDEMPOTENCY_HELP,
    MOVEMENT_HELP,
    PHARMACY,
    WITNESS_HELP,
    Caller,
    caller_in,
    idempotency_key,
    moved,
    witness_of,
)
from openhat.pharmacy.schemas import (
    AdjustmentIn,
    DoseIssueIn,
    DoseReturnIn,
    ExpiryRemovalIn,
    MovementOut,
    ReceiptIn,
    ReconstitutionIn,
    RemovalIn,
    ReversalIn,
    TransferIn,
    WasteIn,
    WitnessIn,
)

router = Router(tags=["pharmacy"])


@dataclass(frozen=True)
class Recording:
    """What one movement request brings to its service."""

    who: Caller
    witness: User | None
    key: str | None

    @property
    def common(self) -> dict[str, Any]:
        return {"actor": self.who.user, "clinic": self.who.clinic, "idempotency_key": self.key}


@dataclass(frozen=True)
class MovementRoute:
    path: str
    # The handler's name, kept as the OpenAPI operation's id.
    name: str
    schema: type[Schema]
    summary: str
    description: str
    record: Callable[[Any, Recording], services.Movement]
    capability: Callable[[Any], Capability] = lambda payload: Capability.MOVE_STOCK


def _patient_of(clinic: Clinic, client_code: str) -> Patient | None:
    code = client_code.strip().upper()
    if not code:
        return None
    found = Patient.objects.filter(clinic=clinic, client_code=code).first()
    if found is None:
        raise NotFound("patient_not_found", "No such patient in this clinic.", "patient")
    return found


def _receive(payload: ReceiptIn, on: Recording) -> services.Movement:
    return services.receive_stock(
        **on.common,
        product_id=payload.product,
        location_id=payload.location,
        lot_number=payload.lot_number,
        supplier=payload.supplier,
        expires_on=payload.expires_on,
        receipt_document=payload.receipt_document,
        amount=payload.quantity,
        unit=payload.unit,
    )


def _transfer(payload: TransferIn, on: Recording) -> services.Movement:
    return services.transfer_stock(
        **on.common,
        lot_id=payload.lot,
        from_location_id=payload.from_location,
        to_location_id=payload.to_location,
        amount=payload.quantity,
        unit=payload.unit,
        reason=payload.reason,
    )


def _reconstitute(payload: ReconstitutionIn, on: Recording) -> services.Movement:
    return services.reconstitute(
        **on.common,
        vial_lot_id=payload.vial_lot,
        location_id=payload.location,
        vials=payload.vials,
        in_use_expires_at=payload.in_use_expires_at,
    )


def _issue_dose(payload: DoseIssueIn, on: Recording) -> services.Movement:
    return services.issue_dose(
        **on.common,
        lot_id=payload.lot,
        location_id=payload.location,
        amount=payload.quantity,
        unit=payload.unit,
        patient=_patient_of(on.who.clinic, payload.patient),
        dose_reference=payload.dose_reference,
    )


def _return_dose(payload: DoseReturnIn, on: Recording) -> services.Movement:
    return services.return_dose(
        **on.common,
        issued_entry_id=payload.issued_entry,
        amount=payload.quantity,
        unit=payload.unit,
        reason=payload.reason,
    )


def _waste(payload: WasteIn, on: Recording) -> services.Movement:
    return services.record_waste(
        **on.common,
        lot_id=payload.lot,
        location_id=payload.location,
        amount=payload.quantity,
        unit=payload.unit,
        reason=payload.reason,
        witness=on.witness,
        issued_entry_id=payload.issued_entry,
    )


def _adjust(payload: AdjustmentIn, on: Recording) -> services.Movement:
    return services.adjust_stock(
        **on.common,
        lot_id=payload.lot,
        location_id=payload.location,
        direction=payload.direction,
        amount=payload.quantity,
        unit=payload.unit,
        reason=payload.reason,
        witness=on.witness,
    )


def _destroy(payload: RemovalIn, on: Recording) -> services.Movement:
    return services.destroy_stock(
        **on.common,
        lot_id=payload.lot,
        location_id=payload.location,
        amount=payload.quantity,
        unit=payload.unit,
        reason=payload.reason,
        witness=on.witness,
    )


def _remove_expired(payload: ExpiryRemovalIn, on: Recording) -> services.Movement:
    return services.remove_expired(
        **on.common,
        lot_id=payload.lot,
        location_id=payload.location,
        quarantine_id=payload.quarantine,
    )


MOVEMENTS: tuple[MovementRoute, ...] = (
    MovementRoute(
        "receipts",
        "receive",
        ReceiptIn,
        "Receive a delivery into the safe or the dosing room",
        "Creates the lot (or adds to the same lot from the same supplier with the same expiry). "
        f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _receive,
    ),
    MovementRoute(
        "transfers",
        "transfer",
        TransferIn,
        "Move stock of one lot from one location to another",
        f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _transfer,
    ),
    MovementRoute(
        "reconstitutions",
        "reconstitute",
        ReconstitutionIn,
        "Reconstitute whole vials: vials out, a new solution lot in",
        "More vials than the location holds is 400 `reconstitute_exceeds_stock`. "
        f"{IDEMPOTENCY_HELP}",
        _reconstitute,
    ),
    MovementRoute(
        "dose-issues",
        "issue_dose",
        DoseIssueIn,
        "Draw a dose from the dosing room's stock (nurses, pharmacists, physicians)",
        "An expired lot or a solution past its in-use expiry is refused (`lot_expired`, "
        f"`solution_expired`). {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _issue_dose,
        lambda payload: Capability.ISSUE_DOSE,
    ),
    MovementRoute(
        "dose-returns",
        "return_dose",
        DoseReturnIn,
        "Return what was drawn for a dose and not given to the lot it came from",
        f"{MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _return_dose,
        lambda payload: Capability.ISSUE_DOSE,
    ),
    MovementRoute(
        "waste",
        "waste",
        WasteIn,
        "Record waste, with a witness",
        "Pharmacists and physicians; nurses too when the waste belongs to a dose they issued "
        f"(`issued_entry`). {WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _waste,
        lambda payload: (
            Capability.MOVE_STOCK if payload.issued_entry is None else Capability.ISSUE_DOSE
        ),
    ),
    MovementRoute(
        "adjustments",
        "adjust",
        AdjustmentIn,
        "A count adjustment up (`add`) or down (`remove`), with a witness",
        f"{WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _adjust,
    ),
    MovementRoute(
        "destructions",
        "destroy",
        RemovalIn,
        "Destroy stock, with a witness",
        f"{WITNESS_HELP} {MOVEMENT_HELP} {IDEMPOTENCY_HELP}",
        _destroy,
    ),
    MovementRoute(
        "expiry-removals",
        "remove_expired",
        ExpiryRemovalIn,
        "Move all of an expired lot (or expired solution) at a location to quarantine",
        "A lot that has not expired is 400 `lot_not_expired`: move it with a transfer. "
        f"{IDEMPOTENCY_HELP}",
        _remove_expired,
    ),
)


def _handler_for(route: MovementRoute) -> Callable[..., Status[dict[str, Any]]]:
    def handler(
        request: HttpRequest,
        clinic: str,
        payload: Any,
        idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
    ) -> Status[dict[str, Any]]:
        who = caller_in(request, clinic, route.capability(payload))
        witness = witness_of(request, payload) if isinstance(payload, WitnessIn) else None
        return moved(
            route.record(payload, Recording(who, witness, idempotency_key(idempotency_key_header)))
        )

    # django-ninja reads the payload's schema from the annotation: each route gets its own.
    handler.__annotations__ = {
        "request": HttpRequest,
        "clinic": str,
        "payload": route.schema,
        "idempotency_key_header": str | None,
        "return": Status[dict[str, Any]],
    }
    handler.__name__ = handler.__qualname__ = route.name
    return handler


for _route in MOVEMENTS:
    router.post(
        f"{PHARMACY}/{_route.path}",
        response={201: MovementOut, **ERRORS},
        summary=_route.summary,
        description=_route.description,
        operation_id=f"openhat_pharmacy_api_{_route.name}",
    )(_handler_for(_route))


@router.post(
    f"{PHARMACY}/entries/{{int:entry_id}}/reversal",
    response={201: MovementOut, **ERRORS},
    summary="Reverse the movement a ledger entry belongs to, with a reason",
    description=(
        "New entries undo every line of the movement and point at the ones they undo; nothing is "
        "edited. Reversing a witnessed movement needs a witness too. A reversal cannot be "
        "reversed (400 `reversal_of_reversal`), nor a movement twice (409 `already_reversed`). "
        f"{IDEMPOTENCY_HELP}"
    ),
    operation_id="openhat_pharmacy_api_reverse",
)
def reverse(
    request: HttpRequest,
    clinic: str,
    entry_id: int,
    payload: ReversalIn,
    idempotency_key_header: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.MOVE_STOCK)
    return moved(
        services.reverse_movement(
            actor=who.user,
            clinic=who.clinic,
            entry_id=entry_id,
            reason=payload.reason,
            witness=witness_of(request, payload),
            idempotency_key=idempotency_key(idempotency_key_header),
        )
    )
