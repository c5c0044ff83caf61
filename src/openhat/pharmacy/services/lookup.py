"""Finding a clinic's own products, lots, locations and entries; another clinic's are not found."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.pharmacy.models import LedgerEntry, Location, Lot, Product, ProductKind


def _pk(value: object, field: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise DomainError("invalid_id", f"{value!r} is not a record number.", field) from None


def product_of(clinic: Clinic, product_id: object, field: str = "product") -> Product:
    found = Product.objects.filter(clinic=clinic, pk=_pk(product_id, field)).first()
    if found is None:
        raise NotFound("unknown_product", "No such product in this clinic.", field)
    return found


def lot_of(clinic: Clinic, lot_id: object, field: str = "lot") -> Lot:
    """The clinic's lot. `lot_id` may be a lot the caller has just read (with its product): the
    dosing station reads it to check the drug and form, then draws the dose from it."""
    if isinstance(lot_id, Lot) and lot_id.clinic_id == clinic.pk:
        return lot_id
    found = (
        Lot.objects.select_related("product").filter(clinic=clinic, pk=_pk(lot_id, field)).first()
    )
    if found is None:
        raise NotFound("unknown_lot", "No such lot in this clinic.", field)
    return found


def location_of(clinic: Clinic, location_id: object, field: str = "location") -> Location:
    found = Location.objects.filter(clinic=clinic, pk=_pk(location_id, field)).first()
    if found is None:
        raise NotFound("unknown_location", "No such location in this clinic.", field)
    return found


def entry_of(clinic: Clinic, entry_id: object, field: str = "entry") -> LedgerEntry:
    found = (
        LedgerEntry.objects.select_related("lot__product", "location", "product")
        .filter(clinic=clinic, pk=_pk(entry_id, field))
        .first()
    )
    if found is None:
        raise NotFound("unknown_ledger_entry", "No such ledger entry in this clinic.", field)
    return found


def lot_is_expired(lot: Lot, clinic: Clinic, now: datetime | None = None) -> bool:
    return lot.expires_on < clinic_today(clinic, now)


def solution_is_expired(lot: Lot, now: datetime | None = None) -> bool:
    """Reconstituted solution past its in-use expiry."""
    moment = now or clock.now()
    return lot.in_use_expires_at is not None and lot.in_use_expires_at <= moment


def refuse_expired(lot: Lot, clinic: Clinic, field: str = "lot") -> None:
    if solution_is_expired(lot):
        local = timezone.localtime(lot.in_use_expires_at, clinic.zone)
        raise DomainError(
            "solution_expired",
            f"Solution {lot.lot_number} passed its in-use expiry at {local:%Y-%m-%d %H:%M}; "
            "it may not be issued. Remove it to quarantine for destruction.",
            field,
        )
    if lot_is_expired(lot, clinic):
        raise DomainError(
            "lot_expired",
            f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d}; it may not be issued. "
            "Remove it to quarantine for destruction.",
            field,
        )


def is_solution(product: Product) -> bool:
    return product.kind == ProductKind.DAM_SOLUTION
