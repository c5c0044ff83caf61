"""Each ledger movement on real PostgreSQL: what it writes, and what bad input gets instead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError
from openhat.patients.services import clinic_today
from openhat.pharmacy.models import EntryKind, LedgerEntry, Lot
from openhat.pharmacy.services import (
    adjust_stock,
    destroy_stock,
    issue_dose,
    receive_stock,
    reconstitute,
    record_waste,
    remove_expired,
    return_dose,
    reverse_movement,
    transfer_stock,
)
from openhat.pharmacy.verify import verify_ledger
from tests.pharmacy.conftest import held, receive


@pytest.fixture
def solution_in_room(personas, formulary):
    """One vial reconstituted in the safe and all 100 mL moved to the dosing room."""
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-1")
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
    return solution


def ledger_rows() -> int:
    return LedgerEntry.objects.count()


def refused(code: str, call, *args, **kwargs) -> DomainError:
    before = ledger_rows()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    assert caught.value.message
    assert ledger_rows() == before, "a refused movement wrote to the ledger"
    return caught.value


# --- receipts ----------------------------------------------------------------------------


def test_a_receipt_creates_the_lot_and_its_running_balances(personas, formulary):
    lot = receive(personas, formulary.methadone, formulary.safe, 250, "ml", lot_number="M-9")

    entry = LedgerEntry.objects.get(lot=lot)
    assert entry.kind == EntryKind.RECEIPT
    assert (entry.quantity_mg, entry.volume_ml) == (Decimal("2500"), Decimal("250"))
    assert (entry.balance_mg, entry.balance_ml) == (Decimal("2500"), Decimal("250"))
    assert entry.product_balance_mg == Decimal("2500")
    assert entry.document_number == "DN-1"
    assert lot.supplier == "Test supplier"
    assert AuditEvent.objects.filter(
        code=AuditCode.STOCK_RECEIVED, object_id=str(entry.pk)
    ).exists()


def test_a_second_delivery_of_the_same_lot_adds_to_it(personas, formulary):
    lot = receive(personas, formulary.srom, formulary.safe, 10, "capsule", lot_number="S-1")
    again = receive(personas, formulary.srom, formulary.safe, 5, "capsule", lot_number="S-1")

    assert again.pk == lot.pk
    assert held(lot, formulary.safe) == Decimal("3000")
    assert LedgerEntry.objects.filter(lot=lot).last().product_balance_mg == Decimal("3000")


@pytest.mark.parametrize(
    ("amount", "unit", "code"),
    [
        ("-5", "vial", "quantity_not_positive"),
        ("0", "mg", "quantity_not_positive"),
        ("5", "ml", "quantity_wrong_unit"),  # vials are not a liquid
        ("5", "tablet", "quantity_wrong_unit"),
        ("1.5", "vial", "quantity_not_whole"),
        ("abc", "vial", "quantity_not_a_number"),
        ("NaN", "mg", "quantity_not_a_number"),
        ("0.0001", "mg", "quantity_too_precise"),
    ],
)
def test_bad_quantities_are_refused(personas, formulary, amount, unit, code):
    refused(
        code,
        receive_stock,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.dam_vial.pk,
        location_id=formulary.safe.pk,
        lot_number="V-bad",
        supplier="Supplier",
        expires_on=clinic_today(personas.clinic) + timedelta(days=100),
        receipt_document="DN-2",
        amount=amount,
        unit=unit,
    )
    assert not Lot.objects.filter(lot_number="V-bad").exists()


def test_an_expired_delivery_is_refused(personas, formulary):
    refused(
        "lot_expired_on_receipt",
        receive_stock,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.dam_vial.pk,
        location_id=formulary.safe.pk,
        lot_number="V-old",
        supplier="Supplier",
        expires_on=clinic_today(personas.clinic) - timedelta(days=1),
        receipt_document="DN-3",
        amount=1,
        unit="vial",
    )


def test_a_lot_number_with_other_details_is_a_conflict(personas, formulary):
    receive(personas, formulary.dam_vial, formulary.safe, 1, "vial", lot_number="V-7")
    refused(
        "lot_details_differ",
        receive_stock,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.dam_vial.pk,
        location_id=formulary.safe.pk,
        lot_number="V-7",
        supplier="Test supplier",
        expires_on=clinic_today(personas.clinic) + timedelta(days=10),
        receipt_document="DN-1",
        amount=1,
        unit="vial",
    )


@pytest.mark.parametrize("role", ["nurse", "pharmacy_technician", "auditor", "manager"])
def test_only_pharmacists_and_physicians_receive(personas, formulary, role):
    refused(
        "role_not_allowed",
        receive_stock,
        actor=personas[role],
        clinic=personas.clinic,
        product_id=formulary.dam_vial.pk,
        location_id=formulary.safe.pk,
        lot_number="V-role",
        supplier="Supplier",
        expires_on=clinic_today(personas.clinic) + timedelta(days=100),
        receipt_document="DN-4",
        amount=1,
        unit="vial",
    )


def test_another_clinics_product_is_not_found(personas, formulary):
    with pytest.raises(DomainError) as caught:
        receive_stock(
            actor=personas.outsider,
            clinic=personas.other_clinic,
            product_id=formulary.dam_vial.pk,
            location_id=formulary.safe.pk,
            lot_number="V-x",
            supplier="S",
            expires_on=clinic_today(personas.clinic) + timedelta(days=100),
            receipt_document="D",
            amount=1,
            unit="vial",
        )
    assert caught.value.code in ("role_not_allowed", "unknown_product")


def test_a_retry_with_the_same_key_posts_once(personas, formulary):
    def deliver():
        return receive_stock(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            product_id=formulary.dam_tablet.pk,
            location_id=formulary.safe.pk,
            lot_number="T-1",
            supplier="Supplier",
            expires_on=clinic_today(personas.clinic) + timedelta(days=100),
            receipt_document="DN-5",
            amount=100,
            unit="tablet",
            idempotency_key="receipt-key-0001",
        )

    first, second = deliver(), deliver()

    assert first.movement_id == second.movement_id
    assert LedgerEntry.objects.filter(lot__lot_number="T-1").count() == 1


# --- reconstitution, transfer, issue, return --------------------------------------------


def test_reconstitution_takes_vials_out_and_puts_solution_in(personas, formulary):
    vials = receive(personas, formulary.dam_vial, formulary.safe, 3, "vial", lot_number="V-2")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=2,
    )

    out, into = made.entries
    assert (out.kind, out.quantity_mg, out.balance_mg) == (
        EntryKind.RECONSTITUTION,
        Decimal("-20000"),
        Decimal("10000"),
    )
    assert (into.quantity_mg, into.volume_ml) == (Decimal("20000"), Decimal("200"))
    solution = into.lot
    assert solution.source_lot == vials and solution.lot_number == "V-2-R1"
    assert solution.in_use_expires_at > out.at
    # 24 h from the reconstitution (computed a moment before the entry is stamped).
    assert abs(solution.in_use_expires_at - out.at - timedelta(hours=24)) < timedelta(seconds=5)


def test_reconstituting_more_vials_than_held_is_refused(personas, formulary):
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-3")
    error = refused(
        "reconstitute_exceeds_stock",
        reconstitute,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=3,
    )
    assert "2 vial(s)" in error.message
    assert not Lot.objects.filter(source_lot=vials).exists()


def test_a_past_in_use_expiry_is_refused(personas, formulary):
    vials = receive(personas, formulary.dam_vial, formulary.safe, 1, "vial", lot_number="V-4")
    from django.utils import timezone

    refused(
        "in_use_expiry_in_past",
        reconstitute,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=1,
        in_use_expires_at=timezone.now() - timedelta(minutes=1),
    )


def test_tablets_cannot_be_reconstituted(personas, formulary):
    tablets = receive(personas, formulary.dam_tablet, formulary.safe, 10, "tablet")
    refused(
        "not_reconstitutable",
        reconstitute,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=tablets.pk,
        location_id=formulary.safe.pk,
        vials=1,
    )


def test_a_transfer_moves_stock_between_locations(personas, formulary, solution_in_room):
    assert held(solution_in_room, formulary.safe) == 0
    assert held(solution_in_room, formulary.dosing_room) == Decimal("10000")
    out, into = LedgerEntry.objects.filter(kind=EntryKind.TRANSFER).order_by("chain_seq")
    assert out.movement == into.movement
    # Line by line: out of the safe leaves none of the product for a moment, and into the dosing
    # room restores the clinic's total, which a transfer does not change.
    assert (out.quantity_mg, out.product_balance_mg) == (Decimal("-10000"), Decimal("0"))
    assert (into.quantity_mg, into.product_balance_mg) == (Decimal("10000"), Decimal("10000"))


def test_a_transfer_to_the_same_location_is_refused(personas, formulary, solution_in_room):
    refused(
        "transfer_same_location",
        transfer_stock,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        from_location_id=formulary.dosing_room.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=1,
        unit="ml",
    )


def issue(personas, formulary, lot, amount="200", unit="mg", **extra):
    return issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        location_id=formulary.dosing_room.pk,
        amount=amount,
        unit=unit,
        **extra,
    )


def test_a_dose_is_issued_in_mg_and_ml_to_a_patient(personas, formulary, solution_in_room, patient):
    movement = issue(
        personas,
        formulary,
        solution_in_room,
        "2.5",
        "ml",
        patient=patient,
        dose_reference="session 1",
    )

    entry = movement.first
    assert (entry.kind, entry.quantity_mg, entry.volume_ml) == (
        EntryKind.DOSE_ISSUED,
        Decimal("-250"),
        Decimal("-2.5"),
    )
    assert (entry.balance_mg, entry.balance_ml) == (Decimal("9750"), Decimal("97.5"))
    assert entry.patient == patient and entry.dose_reference == "session 1"


def test_doses_come_only_from_the_dosing_room(personas, formulary):
    vials = receive(personas, formulary.dam_vial, formulary.safe, 1, "vial", lot_number="V-5")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=1,
    )
    refused(
        "dose_not_from_dosing_room",
        issue_dose,
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=made.entries[1].lot.pk,
        location_id=formulary.safe.pk,
        amount=100,
        unit="mg",
    )


def test_a_dose_is_never_drawn_from_a_vial(personas, formulary):
    vials = receive(
        personas, formulary.dam_vial, formulary.dosing_room, 1, "vial", lot_number="V-6"
    )
    refused("not_a_dose_product", issue, personas, formulary, vials)


def test_issuing_more_than_the_lot_holds_is_refused(personas, formulary, solution_in_room):
    error = refused("insufficient_stock", issue, personas, formulary, solution_in_room, "10001")
    assert "10000 mg" in error.message


def test_an_expired_solution_is_blocked_from_issue(personas, formulary, solution_in_room):
    from openhat.core import clock

    later = solution_in_room.in_use_expires_at + timedelta(minutes=1)
    with clock.backdated(later):
        refused("solution_expired", issue, personas, formulary, solution_in_room)


def test_an_expired_lot_is_blocked_from_issue(personas, formulary):
    from django.utils import timezone

    from openhat.core import clock

    today = clinic_today(personas.clinic)
    lot = receive(
        personas,
        formulary.methadone,
        formulary.dosing_room,
        100,
        "ml",
        lot_number="M-exp",
        expires_on=today + timedelta(days=2),
    )
    with clock.backdated(timezone.now() + timedelta(days=4)):
        refused("lot_expired", issue, personas, formulary, lot, "50", "mg")


def test_a_return_goes_back_to_its_lot_and_never_exceeds_the_dose(
    personas, formulary, solution_in_room
):
    issued = issue(personas, formulary, solution_in_room, "300").first

    back = return_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        issued_entry_id=issued.pk,
        amount="100",
        unit="mg",
        reason="patient took a smaller dose",
    ).first

    assert back.kind == EntryKind.DOSE_RETURNED and back.returns_entry == issued
    assert held(solution_in_room, formulary.dosing_room) == Decimal("9800")
    refused(
        "return_exceeds_issue",
        return_dose,
        actor=personas["nurse"],
        clinic=personas.clinic,
        issued_entry_id=issued.pk,
        amount="201",
        unit="mg",
        reason="too much",
    )


# --- witnessed movements -----------------------------------------------------------------


def test_waste_needs_a_witness_who_is_someone_else(personas, formulary, solution_in_room):
    common = dict(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        location_id=formulary.dosing_room.pk,
        amount="1",
        unit="ml",
        reason="spilled while drawing up",
    )
    refused("witness_required", record_waste, witness=None, **common)
    refused("witness_is_actor", record_waste, witness=personas["pharmacist"], **common)
    refused("witness_not_allowed", record_waste, witness=personas["counsellor"], **common)
    refused("witness_not_allowed", record_waste, witness=personas.outsider, **common)
    refused("reason_required", record_waste, witness=personas["nurse"], **{**common, "reason": " "})

    entry = record_waste(witness=personas["nurse"], **common).first

    assert (entry.kind, entry.quantity_mg, entry.witness) == (
        EntryKind.WASTE,
        Decimal("-100"),
        personas["nurse"],
    )
    assert entry.witness_username == personas["nurse"].username


def test_adjustments_go_either_way_with_a_witness(personas, formulary, solution_in_room):
    common = dict(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        location_id=formulary.dosing_room.pk,
        unit="mg",
        reason="recount",
        witness=personas["pharmacy_technician"],
    )
    adjust_stock(direction="remove", amount="40", **common)
    adjust_stock(direction="add", amount="15", **common)
    refused("adjustment_direction", adjust_stock, direction="sideways", amount="1", **common)

    assert held(solution_in_room, formulary.dosing_room) == Decimal("9975")


def test_expired_stock_goes_to_quarantine_and_is_destroyed_with_a_witness(
    personas, formulary, solution_in_room
):
    from openhat.core import clock

    refused(
        "lot_not_expired",
        remove_expired,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        location_id=formulary.dosing_room.pk,
        quarantine_id=formulary.quarantine.pk,
    )
    later = solution_in_room.in_use_expires_at + timedelta(hours=1)
    with clock.backdated(later):
        moved = remove_expired(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            lot_id=solution_in_room.pk,
            location_id=formulary.dosing_room.pk,
            quarantine_id=formulary.quarantine.pk,
        )
        destroyed = destroy_stock(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            lot_id=solution_in_room.pk,
            location_id=formulary.quarantine.pk,
            amount="100",
            unit="ml",
            reason="expired solution destroyed",
            witness=personas["physician"],
        )

    assert [e.kind for e in moved.entries] == [EntryKind.EXPIRY_REMOVAL] * 2
    assert destroyed.first.kind == EntryKind.DESTRUCTION
    assert held(solution_in_room, formulary.dosing_room) == 0
    assert held(solution_in_room, formulary.quarantine) == 0


# --- reversals -----------------------------------------------------------------------------


def test_a_reversal_undoes_a_whole_movement_and_points_to_it(personas, formulary, solution_in_room):
    transfer = transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        from_location_id=formulary.dosing_room.pk,
        to_location_id=formulary.safe.pk,
        amount=10,
        unit="ml",
    )

    reversal = reverse_movement(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=transfer.first.pk,
        reason="wrong location chosen",
    )

    assert {e.reverses_id for e in reversal.entries} == {e.pk for e in transfer.entries}
    assert all(e.kind == EntryKind.REVERSAL for e in reversal.entries)
    assert held(solution_in_room, formulary.dosing_room) == Decimal("10000")
    assert held(solution_in_room, formulary.safe) == 0
    refused(
        "reversal_of_reversal",
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=reversal.first.pk,
        reason="undo the undo",
    )
    refused(
        "already_reversed",
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=transfer.entries[1].pk,
        reason="again",
    )


def test_reversing_a_witnessed_entry_needs_a_witness(personas, formulary, solution_in_room):
    waste = record_waste(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        location_id=formulary.dosing_room.pk,
        amount="1",
        unit="ml",
        reason="spill",
        witness=personas["nurse"],
    )
    refused(
        "witness_required",
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=waste.first.pk,
        reason="it was not spilled",
    )
    done = reverse_movement(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=waste.first.pk,
        reason="it was not spilled",
        witness=personas["nurse"],
    )
    assert done.first.quantity_mg == Decimal("100")


def test_a_reversal_that_would_overdraw_is_refused(personas, formulary, solution_in_room):
    receipt = LedgerEntry.objects.get(kind=EntryKind.RECEIPT)  # the two vials
    refused(
        "insufficient_stock",
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=receipt.pk,
        reason="delivery was never received",
    )


def test_after_all_of_this_the_ledger_verifies(personas, formulary, solution_in_room, patient):
    issue(personas, formulary, solution_in_room, "200", patient=patient)
    report = verify_ledger()
    assert report.intact, report.breaks
    assert report.entries_checked == LedgerEntry.objects.count()


def test_waste_of_a_dose_is_booked_back_and_out_never_beyond_the_dose(
    personas, formulary, solution_in_room
):
    issued = issue(personas, formulary, solution_in_room, "100").first
    common = dict(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution_in_room.pk,
        location_id=formulary.dosing_room.pk,
        unit="mg",
        reason="patient left before the full dose",
        witness=personas["pharmacist"],
        issued_entry_id=issued.pk,
    )

    wasted = record_waste(amount="30", **common)

    assert [e.kind for e in wasted.entries] == [EntryKind.DOSE_RETURNED, EntryKind.WASTE]
    assert held(solution_in_room, formulary.dosing_room) == Decimal("9900")  # not 9870
    refused("waste_exceeds_issue", record_waste, amount="71", **common)
    record_waste(amount="70", **common)
    refused("waste_exceeds_issue", record_waste, amount="1", **common)
    assert held(solution_in_room, formulary.dosing_room) == Decimal("9900")


def test_a_retried_reconstitution_of_the_last_vial_returns_the_first(personas, formulary):
    vials = receive(personas, formulary.dam_vial, formulary.safe, 1, "vial", lot_number="V-9")

    def make():
        return reconstitute(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            vial_lot_id=vials.pk,
            location_id=formulary.safe.pk,
            vials=1,
            idempotency_key="reconstitute-0001",
        )

    assert make().movement_id == make().movement_id


def test_a_dose_issue_with_a_return_cannot_be_reversed_until_the_return_is(
    personas, formulary, solution_in_room
):
    issued = issue(personas, formulary, solution_in_room, "200").first
    returned = return_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        issued_entry_id=issued.pk,
        amount="50",
        unit="mg",
        reason="smaller dose",
    ).first
    refused(
        "dose_has_returns",
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=issued.pk,
        reason="issued to the wrong patient",
    )
    reverse_movement(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=returned.pk,
        reason="return was a mistake",
    )
    reverse_movement(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=issued.pk,
        reason="issued to the wrong patient",
    )
    assert held(solution_in_room, formulary.dosing_room) == Decimal("10000")
