"""Stock for clinic ZRH that pages, the API and the role matrix can point at.

Placeholders (tests/access/cases.py) filled from PharmacyWorld.placeholders():
  {product_id} the DAM vial product   {solution_product_id} the DAM solution product
  {safe_id} {dosing_room_id} {quarantine_id}   the three locations
  {vial_lot_id}     5 vials in the safe (4 after one is reconstituted)
  {solution_lot_id} DAM solution in the dosing room
  {methadone_lot_id} methadone solution in the safe
  {entry_id}        the methadone receipt (a movement that can be reversed)
  {issued_entry_id} a 100 mg dose issued from the solution
  {count_id}        a count of the dosing room that found 50 mg less than expected
  {discrepancy_id}  the open discrepancy that count opened
  {witness} {witness_password}  the pharmacy technician, who may witness
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.models import Discrepancy, LedgerEntry
from openhat.pharmacy.services import (
    CountedLot,
    issue_dose,
    receive_stock,
    reconstitute,
    record_count,
    transfer_stock,
)
from tests.conftest import PASSWORD, Personas


@dataclass(frozen=True)
class PharmacyWorld:
    formulary: Formulary
    vial_lot_id: int
    solution_lot_id: int
    methadone_lot_id: int
    entry_id: int
    issued_entry_id: int
    count_id: int
    discrepancy_id: int
    witness: str

    def placeholders(self) -> dict[str, str]:
        f = self.formulary
        return {
            "{product_id}": str(f.dam_vial.pk),
            "{solution_product_id}": str(f.dam_solution.pk),
            "{safe_id}": str(f.safe.pk),
            "{dosing_room_id}": str(f.dosing_room.pk),
            "{quarantine_id}": str(f.quarantine.pk),
            "{vial_lot_id}": str(self.vial_lot_id),
            "{solution_lot_id}": str(self.solution_lot_id),
            "{methadone_lot_id}": str(self.methadone_lot_id),
            "{entry_id}": str(self.entry_id),
            "{issued_entry_id}": str(self.issued_entry_id),
            "{count_id}": str(self.count_id),
            "{discrepancy_id}": str(self.discrepancy_id),
            "{witness}": self.witness,
            "{witness_password}": PASSWORD,
        }


def build_pharmacy(personas: Personas) -> PharmacyWorld:
    pharmacist = personas["pharmacist"]
    clinic = personas.clinic
    formulary = set_up_formulary(actor=pharmacist, clinic=clinic)
    expiry = clinic_today(clinic) + timedelta(days=400)

    def receive(product_id: int, lot_number: str, amount: int, unit: str) -> int:
        return receive_stock(
            actor=pharmacist,
            clinic=clinic,
            product_id=product_id,
            location_id=formulary.safe.pk,
            lot_number=lot_number,
            supplier="Matrix supplier",
            expires_on=expiry,
            receipt_document=f"DN-{lot_number}",
            amount=amount,
            unit=unit,
        ).first.pk

    receive(formulary.dam_vial.pk, "V-100", 5, "vial")
    vial_lot_id = LedgerEntry.objects.get(document_number="DN-V-100").lot_id
    methadone_entry = receive(formulary.methadone.pk, "M-200", 500, "ml")
    methadone_lot_id = LedgerEntry.objects.get(pk=methadone_entry).lot_id
    made = reconstitute(
        actor=pharmacist,
        clinic=clinic,
        vial_lot_id=vial_lot_id,
        location_id=formulary.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot
    transfer_stock(
        actor=pharmacist,
        clinic=clinic,
        lot_id=solution.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=100,
        unit="ml",
    )
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=clinic,
        lot_id=solution.pk,
        location_id=formulary.dosing_room.pk,
        amount=100,
        unit="mg",
    )
    count = record_count(
        actor=pharmacist,
        clinic=clinic,
        location_id=formulary.dosing_room.pk,
        occasion="shift_change",
        lines=[CountedLot(solution.pk, "98.5", "ml")],
    )
    discrepancy = Discrepancy.objects.get(count_line__count=count)
    return PharmacyWorld(
        formulary=formulary,
        vial_lot_id=vial_lot_id,
        solution_lot_id=solution.pk,
        methadone_lot_id=methadone_lot_id,
        entry_id=methadone_entry,
        issued_entry_id=issued.first.pk,
        count_id=count.pk,
        discrepancy_id=discrepancy.pk,
        witness=personas["pharmacy_technician"].get_username(),
    )
