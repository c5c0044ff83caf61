"""Real concurrent transactions against PostgreSQL: stock never goes negative, the chain never forks.

docs/domain.md §7 invariant 5. Each worker runs in its own thread with its own database connection;
they start together at a barrier.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from openhat.clinics.models import Clinic
from openhat.core.errors import DomainError
from openhat.pharmacy.models import EntryKind, LedgerEntry, StockBalance
from openhat.pharmacy.services import issue_dose, return_dose, reverse_movement
from openhat.pharmacy.verify import verify_ledger
from tests.audit.concurrent import run_together
from tests.pharmacy.conftest import receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

WORKERS = 24


def _issue(clinic_pk: int, user_pk: int, lot_pk: int, room_pk: int) -> str:
    from django.contrib.auth.models import User

    try:
        issue_dose(
            actor=User.objects.get(pk=user_pk),
            clinic=Clinic.objects.get(pk=clinic_pk),
            lot_id=lot_pk,
            location_id=room_pk,
            amount="100",
            unit="mg",
        )
        return "issued"
    except DomainError as error:
        return error.code


@pytest.mark.parametrize("issuer", ["pharmacist", "nurse"])
def test_many_issuers_at_once_cannot_overdraw_a_lot(personas, formulary, issuer):
    # 1,000 mg of methadone: room for exactly 10 doses of 100 mg among 24 at once.
    lot = receive(personas, formulary.methadone, formulary.dosing_room, 100, "ml", lot_number="M-c")
    user = personas[issuer]

    outcomes, errors = run_together(
        WORKERS, lambda _: _issue(personas.clinic.pk, user.pk, lot.pk, formulary.dosing_room.pk)
    )

    assert errors == []
    assert outcomes.count("issued") == 10
    assert outcomes.count("insufficient_stock") == WORKERS - 10
    balance = StockBalance.objects.get(lot=lot, location=formulary.dosing_room)
    assert balance.balance_mg == Decimal("0") and balance.balance_ml == Decimal("0")
    entries = LedgerEntry.objects.filter(lot=lot)
    assert sum(e.quantity_mg for e in entries) == balance.balance_mg
    assert sorted(e.balance_mg for e in entries.filter(kind=EntryKind.DOSE_ISSUED)) == [
        Decimal(100 * n) for n in range(10)
    ]
    report = verify_ledger()
    assert report.intact, report.breaks


def test_the_database_refuses_a_negative_balance_whatever_the_service_does(personas, formulary):
    """The backstop under the service's check and the row lock: a CHECK constraint."""
    from django.db import IntegrityError

    lot = receive(personas, formulary.methadone, formulary.dosing_room, 1, "ml", lot_number="M-n")
    row = StockBalance.objects.get(lot=lot)
    with pytest.raises(IntegrityError, match="balance_mg_never_negative"), transaction.atomic():
        StockBalance.objects.filter(pk=row.pk).update(balance_mg=Decimal("-0.001"))
    with pytest.raises(IntegrityError, match="balance_ml_never_negative"), transaction.atomic():
        StockBalance.objects.filter(pk=row.pk).update(balance_ml=Decimal("-1"))


def test_two_returns_of_one_dose_cannot_return_more_than_was_issued(personas, formulary):
    from django.contrib.auth.models import User

    lot = receive(personas, formulary.methadone, formulary.dosing_room, 100, "ml", lot_number="M-r")
    issued = issue_dose(
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        location_id=formulary.dosing_room.pk,
        amount="100",
        unit="mg",
    ).first

    def give_back(_: int) -> str:
        try:
            return_dose(
                actor=User.objects.get(pk=personas["nurse"].pk),
                clinic=Clinic.objects.get(pk=personas.clinic.pk),
                issued_entry_id=issued.pk,
                amount="60",
                unit="mg",
                reason="not taken",
            )
            return "returned"
        except DomainError as error:
            return error.code

    outcomes, errors = run_together(6, give_back)

    assert errors == []
    assert outcomes.count("returned") == 1
    assert outcomes.count("return_exceeds_issue") == 5


def test_two_people_reversing_one_movement_reverse_it_once(personas, formulary):
    from django.contrib.auth.models import User

    lot = receive(personas, formulary.methadone, formulary.safe, 100, "ml", lot_number="M-v")
    receipt = LedgerEntry.objects.get(lot=lot)

    def undo(_: int) -> str:
        try:
            reverse_movement(
                actor=User.objects.get(pk=personas["pharmacist"].pk),
                clinic=Clinic.objects.get(pk=personas.clinic.pk),
                entry_id=receipt.pk,
                reason="booked to the wrong product",
            )
            return "reversed"
        except DomainError as error:
            return error.code

    outcomes, errors = run_together(6, undo)

    assert errors == []
    assert outcomes.count("reversed") == 1
    assert set(outcomes) == {"reversed", "already_reversed"}
    assert StockBalance.objects.get(lot=lot, location=formulary.safe).balance_mg == 0
