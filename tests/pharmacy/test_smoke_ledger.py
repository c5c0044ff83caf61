from decimal import Decimal

from openhat.pharmacy.services import issue_dose, reconstitute, transfer_stock
from openhat.pharmacy.verify import verify_ledger
from tests.pharmacy.conftest import held, receive


def test_receive_reconstitute_transfer_issue(personas, formulary):
    f = formulary
    vials = receive(personas, f.dam_vial, f.safe, 3, "vial")
    assert held(vials, f.safe) == Decimal("30000")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=f.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot
    assert made.entries[1].volume_ml == Decimal("100")
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        from_location_id=f.safe.pk,
        to_location_id=f.dosing_room.pk,
        amount=50,
        unit="ml",
    )
    issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=solution.pk,
        location_id=f.dosing_room.pk,
        amount=200,
        unit="mg",
    )
    assert held(solution, f.dosing_room) == Decimal("4800")
    report = verify_ledger()
    assert report.intact, report.breaks
    assert report.entries_checked == 6


def test_the_matrix_world_builds_and_verifies(personas):
    from openhat.pharmacy.models import Discrepancy
    from tests.pharmacy.world import build_pharmacy

    world = build_pharmacy(personas)
    discrepancy = Discrepancy.objects.get(pk=world.discrepancy_id)
    assert discrepancy.difference_mg == Decimal("-50")
    assert verify_ledger().intact
