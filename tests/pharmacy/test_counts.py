"""Counts, reconciliation and discrepancies on real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError
from openhat.pharmacy.models import (
    CountLine,
    Discrepancy,
    DiscrepancyClosure,
    EntryKind,
    StockCount,
)
from openhat.pharmacy.services import (
    CountedLot,
    alerts,
    close_discrepancy,
    issue_dose,
    open_discrepancies,
    reconciliation,
    record_count,
    record_waste,
    return_dose,
    transfer_stock,
)
from tests.pharmacy.conftest import held, receive


@pytest.fixture
def room(personas, formulary):
    """Methadone 1000 mL into the safe, 300 mL moved to the dosing room."""
    lot = receive(personas, formulary.methadone, formulary.safe, 1000, "ml", lot_number="M-1")
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=300,
        unit="ml",
    )
    return lot


def count(personas, formulary, lines, location=None, **extra):
    return record_count(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        location_id=(location or formulary.dosing_room).pk,
        occasion="day_end",
        lines=lines,
        **extra,
    )


def test_a_matching_count_opens_nothing(personas, formulary, room):
    counted = count(personas, formulary, [CountedLot(room.pk, "300", "ml")])

    line = counted.lines.get()
    assert (line.counted_mg, line.expected_mg, line.difference_mg) == (
        Decimal("3000"),
        Decimal("3000"),
        Decimal("0"),
    )
    assert line.counted_ml == Decimal("300")
    assert not Discrepancy.objects.exists()


def test_a_shortfall_opens_a_discrepancy_shown_as_an_alert(personas, formulary, room):
    counted = count(personas, formulary, [CountedLot(room.pk, "298", "ml")])

    discrepancy = Discrepancy.objects.get(count_line__count=counted)
    assert discrepancy.difference_mg == Decimal("-20")
    assert open_discrepancies(personas.clinic) == [discrepancy]
    assert any(a.kind == "open_discrepancy" for a in alerts(personas.clinic))
    assert AuditEvent.objects.filter(code=AuditCode.DISCREPANCY_OPENED).count() == 1


def test_reconciliation_adds_up_each_kind_of_movement(personas, formulary, room, patient):
    count(personas, formulary, [CountedLot(room.pk, "300", "ml")])
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=room.pk,
        location_id=formulary.dosing_room.pk,
        amount="80",
        unit="mg",
        patient=patient,
    ).first
    return_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        issued_entry_id=issued.pk,
        amount="10",
        unit="mg",
        reason="smaller dose",
    )
    record_waste(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=room.pk,
        location_id=formulary.dosing_room.pk,
        amount="5",
        unit="mg",
        reason="spill",
        witness=personas["nurse"],
    )
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=room.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=100,
        unit="mg",
    )
    second = count(personas, formulary, [CountedLot(room.pk, "3020", "mg")])

    before, rows = reconciliation(second)
    assert before is not None
    row = rows[0]
    assert row.start_mg == Decimal("3000")
    assert row.received_mg == Decimal("100")
    assert row.issued_mg == Decimal("80")
    assert row.returned_mg == Decimal("10")
    assert row.wasted_mg == Decimal("5")
    assert row.adjusted_mg == Decimal("0")
    assert row.expected_mg == row.formula_mg == Decimal("3025")
    assert row.difference_mg == Decimal("-5") and row.discrepancy is not None


def test_a_count_must_cover_every_lot_held_there(personas, formulary, room):
    other = receive(
        personas, formulary.srom, formulary.dosing_room, 10, "capsule", lot_number="S-1"
    )
    with pytest.raises(DomainError) as caught:
        count(personas, formulary, [CountedLot(room.pk, "300", "ml")])
    assert caught.value.code == "count_incomplete" and other.lot_number in caught.value.message
    assert not StockCount.objects.exists()


@pytest.mark.parametrize(
    ("lot_id", "amount", "unit", "code"),
    [
        (999999, "1", "ml", "unknown_lot"),
        (None, "-1", "ml", "count_negative"),
        (None, "3", "vial", "quantity_wrong_unit"),
    ],
)
def test_bad_count_lines_are_refused(personas, formulary, room, lot_id, amount, unit, code):
    with pytest.raises(DomainError) as caught:
        count(personas, formulary, [CountedLot(lot_id or room.pk, amount, unit)])
    assert caught.value.code == code
    assert not StockCount.objects.exists() and not CountLine.objects.exists()


def test_another_clinics_lot_is_an_unknown_lot(personas, formulary, room):
    from openhat.clinics.roles import Role
    from openhat.clinics.services import add_membership
    from openhat.pharmacy.formulary import set_up_formulary
    from tests.conftest import make_user

    their_pharmacist = make_user("pharmacist_out")
    add_membership(
        actor=None, user=their_pharmacist, clinic=personas.other_clinic, role=Role.PHARMACIST
    )
    theirs = set_up_formulary(actor=their_pharmacist, clinic=personas.other_clinic)
    with pytest.raises(DomainError) as caught:
        record_count(
            actor=their_pharmacist,
            clinic=personas.other_clinic,
            location_id=theirs.dosing_room.pk,
            occasion="day_end",
            lines=[CountedLot(room.pk, "1", "ml")],  # a ZRH lot
        )
    assert caught.value.code == "unknown_lot"
    assert not StockCount.objects.exists()


def test_closing_needs_a_note_and_books_a_witnessed_adjustment(personas, formulary, room):
    count(personas, formulary, [CountedLot(room.pk, "298", "ml")])
    discrepancy = Discrepancy.objects.get()

    with pytest.raises(DomainError) as caught:
        close_discrepancy(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            discrepancy_id=discrepancy.pk,
            investigation_note="short",
            adjust=False,
        )
    assert caught.value.code == "investigation_note_required"
    with pytest.raises(DomainError) as caught:
        close_discrepancy(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            discrepancy_id=discrepancy.pk,
            investigation_note="Spill at 14:00 not recorded; confirmed by the nurse.",
            adjust=True,
        )
    assert caught.value.code == "witness_required"
    assert not DiscrepancyClosure.objects.exists()

    closure = close_discrepancy(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        discrepancy_id=discrepancy.pk,
        investigation_note="Spill at 14:00 not recorded; confirmed by the nurse.",
        adjust=True,
        witness=personas["nurse"],
    )

    assert closure.adjustment.kind == EntryKind.ADJUSTMENT
    assert closure.adjustment.quantity_mg == Decimal("-20")
    assert held(room, formulary.dosing_room) == Decimal("2980")
    assert open_discrepancies(personas.clinic) == []
    with pytest.raises(DomainError) as caught:
        close_discrepancy(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            discrepancy_id=discrepancy.pk,
            investigation_note="closing it a second time",
            adjust=False,
        )
    assert caught.value.code == "discrepancy_closed"


def test_a_count_retried_with_its_key_is_recorded_once(personas, formulary, room):
    first = count(
        personas, formulary, [CountedLot(room.pk, "299", "ml")], idempotency_key="count-key-0001"
    )
    second = count(
        personas, formulary, [CountedLot(room.pk, "299", "ml")], idempotency_key="count-key-0001"
    )

    assert first.pk == second.pk
    assert StockCount.objects.count() == 1 and Discrepancy.objects.count() == 1


def test_alerts_name_expiring_lots_low_stock_and_expired_solution_but_not_fresh_solution(
    personas, formulary
):
    from datetime import timedelta

    from openhat.patients.services import clinic_today
    from openhat.pharmacy.services import reconstitute
    from openhat.pharmacy.services.catalogue import set_reorder_level

    today = clinic_today(personas.clinic)
    receive(
        personas,
        formulary.methadone,
        formulary.safe,
        10,
        "ml",
        lot_number="M-soon",
        expires_on=today + timedelta(days=20),
    )
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-a")
    solution = (
        reconstitute(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            vial_lot_id=vials.pk,
            location_id=formulary.safe.pk,
            vials=1,
        )
        .entries[1]
        .lot
    )
    set_reorder_level(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.dam_vial.pk,
        reorder_level_mg="50000",
    )

    now = alerts(personas.clinic)
    kinds = [(a.kind, a.message) for a in now]
    assert any(k == "lot_expiring" and "M-soon" in m for k, m in kinds)
    assert not any(solution.lot_number in m for _, m in kinds)  # fresh solution: no alert
    assert any(k == "low_stock" and formulary.dam_vial.name in m for k, m in kinds)

    later = alerts(personas.clinic, now=solution.in_use_expires_at + timedelta(minutes=1))
    blocked = [a for a in later if a.kind == "solution_expired"]
    assert len(blocked) == 1 and solution.lot_number in blocked[0].message
    assert blocked[0].severity == "block"
