"""Helpers for the pharmacy page tests: stock set up through the services, and reading pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from openhat.core import clock
from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import Formulary
from openhat.pharmacy.models import LedgerEntry, Lot
from openhat.pharmacy.services import reconstitute, transfer_stock
from tests.conftest import PASSWORD, Personas
from tests.pharmacy.conftest import receive

WITNESS = "pharmacy_technician_zrh"


def text(response: Any) -> str:
    return response.content.decode()


def entries() -> int:
    return LedgerEntry.objects.count()


def key_on(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None, "the form carries a one-time key"
    return found.group(1)


def witnessed_by(username: str = WITNESS, password: str = PASSWORD) -> dict[str, str]:
    return {"witness_username": username, "witness_password": password}


def stock(lot: Lot, location: Any) -> str:
    return f"{lot.pk}:{location.pk}"


def vials_in_safe(personas: Personas, f: Formulary, count: int = 3, lot: str = "V-1") -> Lot:
    return receive(personas, f.dam_vial, f.safe, count, "vial", lot_number=lot)


def solution_in_dosing_room(personas: Personas, f: Formulary) -> Lot:
    """One vial reconstituted in the safe, 50 mL (5,000 mg) of it moved to the dosing room."""
    vials = vials_in_safe(personas, f, 2, lot="V-SOL")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=f.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        from_location_id=f.safe.pk,
        to_location_id=f.dosing_room.pk,
        amount=50,
        unit="ml",
    )
    return solution


def expired_lot(personas: Personas, f: Formulary) -> Lot:
    """Methadone received three days ago that expired yesterday."""
    today = clinic_today(personas.clinic)
    with clock.backdated(timezone.now() - timedelta(days=3)):
        return receive(
            personas,
            f.methadone,
            f.safe,
            100,
            "ml",
            lot_number="M-OLD",
            expires_on=today - timedelta(days=1),
        )


def expired_solution(personas: Personas, f: Formulary) -> Lot:
    """Solution made two days ago, usable for an hour: past its in-use expiry now."""
    vials = vials_in_safe(personas, f, 1, lot="V-OLD")
    with clock.backdated(timezone.now() - timedelta(days=2)):
        made = reconstitute(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            vial_lot_id=vials.pk,
            location_id=f.safe.pk,
            vials=1,
            in_use_expires_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
        )
    return made.entries[1].lot
