"""Setting up what the pharmacy keeps: products, locations and reorder levels."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.errors import Conflict, DomainError
from openhat.pharmacy.models import (
    LIQUID_KINDS,
    CountUnit,
    Location,
    LocationKind,
    Product,
    ProductKind,
)
from openhat.pharmacy.services.lookup import product_of
from openhat.pharmacy.services.quantities import as_decimal

# The unit each kind of product is counted in, and the drug it holds.
KIND_UNIT = {
    ProductKind.DAM_VIAL: CountUnit.VIAL,
    ProductKind.DAM_SOLUTION: CountUnit.ML,
    ProductKind.DAM_TABLET: CountUnit.TABLET,
    ProductKind.HDM_INJECTABLE: CountUnit.ML,
    ProductKind.METHADONE_SOLUTION: CountUnit.ML,
    ProductKind.SROM_CAPSULE: CountUnit.CAPSULE,
}
KIND_DRUG = {
    ProductKind.DAM_VIAL: "dam",
    ProductKind.DAM_SOLUTION: "dam",
    ProductKind.DAM_TABLET: "dam",
    ProductKind.HDM_INJECTABLE: "hdm",
    ProductKind.METHADONE_SOLUTION: "methadone",
    ProductKind.SROM_CAPSULE: "srom",
}


def _positive(value: object, field: str) -> Decimal:
    amount = as_decimal(value, field)
    if amount <= 0:
        raise DomainError(f"{field}_not_positive", "Enter a value above zero.", field)
    return amount


def create_product(
    *,
    actor: User,
    clinic: Clinic,
    kind: str,
    name: str,
    strength: object,
    code: str = "",
    reconstitutes_to_id: object | None = None,
    in_use_hours: int | None = None,
    reorder_level_mg: object = "0",
    idempotency_key: str | None = None,
) -> Product:
    """`strength` is mg per mL for liquids and mg per vial, tablet or capsule otherwise."""
    require(actor, clinic, Capability.MOVE_STOCK)
    if kind not in ProductKind.values:
        raise DomainError("unknown_product_kind", f"No product kind {kind!r}.", "kind")
    product_kind = ProductKind(kind)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError("product_name", "Enter a name of at most 120 characters.", "name")
    code = slugify(code or name)[:40]
    strength_mg = _positive(strength, "strength")
    reorder = as_decimal(reorder_level_mg, "reorder_level_mg")
    if reorder < 0:
        raise DomainError(
            "reorder_level_negative", "A reorder level is zero or more.", "reorder_level_mg"
        )
    liquid = product_kind in LIQUID_KINDS
    target = None
    if product_kind == ProductKind.DAM_VIAL:
        if reconstitutes_to_id is None:
            raise DomainError(
                "reconstitutes_to_required",
                "Choose the solution product the vials are reconstituted to.",
                "reconstitutes_to",
            )
        target = product_of(clinic, reconstitutes_to_id, "reconstitutes_to")
        if target.kind != ProductKind.DAM_SOLUTION:
            raise DomainError(
                "reconstitutes_to_not_solution",
                "Vials are reconstituted to a diacetylmorphine solution product.",
                "reconstitutes_to",
            )
    if in_use_hours is not None and not 0 < int(in_use_hours) <= 24 * 28:
        raise DomainError("in_use_hours", "In-use hours are between 1 and 672.", "in_use_hours")
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(actor, idempotency_key, "pharmacy.create_product")
            if found is not None:
                return Product.objects.get(pk=int(found.result_id))
        if Product.objects.filter(clinic=clinic, code=code).exists():
            raise Conflict("product_code_taken", f"A product {code!r} exists already.", "code")
        product = Product.objects.create(
            clinic=clinic,
            code=code,
            name=name,
            kind=product_kind,
            drug=KIND_DRUG[product_kind],
            count_unit=KIND_UNIT[product_kind],
            mg_per_ml=strength_mg if liquid else None,
            mg_per_unit=None if liquid else strength_mg,
            reconstitutes_to=target,
            in_use_hours=in_use_hours,
            reorder_level_mg=reorder,
        )
        record_event(
            AuditCode.PRODUCT_SAVED,
            actor=actor,
            clinic=clinic,
            target=product,
            data={"code": code, "kind": kind, "strength_mg": str(strength_mg)},
        )
        if idempotency_key:
            idempotency.remember_result(actor, idempotency_key, "pharmacy.create_product", product)
        return product


def create_location(
    *,
    actor: User,
    clinic: Clinic,
    code: str,
    name: str,
    kind: str,
    idempotency_key: str | None = None,
) -> Location:
    require(actor, clinic, Capability.MOVE_STOCK)
    if kind not in LocationKind.values:
        raise DomainError(
            "unknown_location_kind", "Choose safe, dosing room or quarantine.", "kind"
        )
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError("location_name", "Enter a name of at most 120 characters.", "name")
    slug = slugify(code or name)[:40]
    with transaction.atomic():
        if idempotency_key:
            found = idempotency.previous_result(actor, idempotency_key, "pharmacy.create_location")
            if found is not None:
                return Location.objects.get(pk=int(found.result_id))
        if Location.objects.filter(clinic=clinic, code=slug).exists():
            raise Conflict("location_code_taken", f"A location {slug!r} exists already.", "code")
        location = Location.objects.create(clinic=clinic, code=slug, name=name, kind=kind)
        record_event(
            AuditCode.LOCATION_SAVED,
            actor=actor,
            clinic=clinic,
            target=location,
            data={"code": slug, "kind": kind},
        )
        if idempotency_key:
            idempotency.remember_result(
                actor, idempotency_key, "pharmacy.create_location", location
            )
        return location


def set_reorder_level(
    *, actor: User, clinic: Clinic, product_id: object, reorder_level_mg: object
) -> Product:
    require(actor, clinic, Capability.MOVE_STOCK)
    level = as_decimal(reorder_level_mg, "reorder_level_mg")
    if level < 0:
        raise DomainError(
            "reorder_level_negative", "A reorder level is zero or more.", "reorder_level_mg"
        )
    with transaction.atomic():
        product = Product.objects.select_for_update(no_key=True).get(
            pk=product_of(clinic, product_id).pk
        )
        before = product.reorder_level_mg
        product.reorder_level_mg = level
        product.save(update_fields=["reorder_level_mg"])
        record_event(
            AuditCode.PRODUCT_SAVED,
            actor=actor,
            clinic=clinic,
            target=product,
            data={"reorder_level_mg": {"from": str(before), "to": str(level)}},
        )
        return product
