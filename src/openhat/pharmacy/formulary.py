"""A clinic's usual controlled-substance products and locations, set up in one call.

Strengths follow docs/domain.md §6: DAM 10,000 mg vials reconstituted to 100 mg/mL, DAM 200 mg tablets.
The hydromorphone, methadone and SROM strengths and the solution's in-use hours are this setup's
choices (a clinic enters its own products' figures); they are not claims about any product.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.pharmacy.models import Location, LocationKind, Product, ProductKind
from openhat.pharmacy.services.catalogue import create_location, create_product


@dataclass(frozen=True)
class Formulary:
    safe: Location
    dosing_room: Location
    quarantine: Location
    dam_vial: Product
    dam_solution: Product
    dam_tablet: Product
    hdm: Product
    methadone: Product
    srom: Product


def set_up_formulary(*, actor: User, clinic: Clinic, solution_in_use_hours: int = 24) -> Formulary:
    safe = create_location(
        actor=actor, clinic=clinic, code="safe", name="Safe", kind=LocationKind.SAFE
    )
    dosing_room = create_location(
        actor=actor,
        clinic=clinic,
        code="dosing-room",
        name="Dosing room",
        kind=LocationKind.DOSING_ROOM,
    )
    quarantine = create_location(
        actor=actor,
        clinic=clinic,
        code="quarantine",
        name="Quarantine",
        kind=LocationKind.QUARANTINE,
    )
    solution = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.DAM_SOLUTION,
        code="dam-solution-100",
        name="Diacetylmorphine solution 100 mg/mL",
        strength=Decimal("100"),
        in_use_hours=solution_in_use_hours,
        reorder_level_mg=Decimal("0"),
    )
    vial = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.DAM_VIAL,
        code="dam-vial-10g",
        name="Diacetylmorphine 10,000 mg vial",
        strength=Decimal("10000"),
        reconstitutes_to_id=solution.pk,
        reorder_level_mg=Decimal("100000"),
    )
    tablet = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.DAM_TABLET,
        code="dam-tablet-200",
        name="Diacetylmorphine 200 mg tablet",
        strength=Decimal("200"),
    )
    hdm = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.HDM_INJECTABLE,
        code="hdm-50",
        name="Hydromorphone 50 mg/mL injectable",
        strength=Decimal("50"),
    )
    methadone = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.METHADONE_SOLUTION,
        code="methadone-10",
        name="Methadone oral solution 10 mg/mL",
        strength=Decimal("10"),
    )
    srom = create_product(
        actor=actor,
        clinic=clinic,
        kind=ProductKind.SROM_CAPSULE,
        code="srom-200",
        name="Slow-release oral morphine 200 mg capsule",
        strength=Decimal("200"),
    )
    return Formulary(safe, dosing_room, quarantine, vial, solution, tablet, hdm, methadone, srom)
