"""An enrolled ZRH patient with a signed DAM order and DAM solution in the dosing room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.models import Lot
from openhat.pharmacy.services import reconstitute, transfer_stock
from openhat.prescribing.services import sign_order
from tests.pharmacy.conftest import receive
from tests.prescribing.conftest import dam, enrol, totp_code


@dataclass(frozen=True)
class Station:
    patient: Any
    formulary: Formulary
    solution: Lot


@pytest.fixture
def formulary(personas: Any) -> Formulary:
    """The pharmacy's formulary with the DAM solution in use for 48 hours (a product figure; the
    default is 24). Tests pinned to the next 08:00 (tests/dosing/test_api.py `next_morning`) can be
    up to a day ahead of the reconstitution, whatever the hour they run; the expiry tests read the
    lot's own expiry."""
    return set_up_formulary(
        actor=personas["pharmacist"], clinic=personas.clinic, solution_in_use_hours=48
    )


@pytest.fixture
def station(personas, patient, formulary) -> Station:
    physician = personas["physician"]
    enrolled = enrol(patient)
    sign_order(
        actor=physician,
        patient=enrolled,
        order=dam(phase="maintenance"),
        totp_code=totp_code(physician),
    )
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-d")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=10000,
        unit="mg",
    )
    return Station(enrolled, formulary, solution)
