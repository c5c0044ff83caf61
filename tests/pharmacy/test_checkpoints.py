"""`openhat ledger verify` against signed checkpoints, and the balance table's missing rows.

Tampering is done by SQL as the test database's superuser, the way the tester did it: the
newest entries deleted with the stock balance adjusted to match (the chain and the balances
then agree with each other; only the checkpoint shows the loss), the table emptied, a balance
row deleted. Counts sign a checkpoint once they commit, and the count sheet prints it.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from openhat.audit.checkpoints import make_checkpoint, read_checkpoints
from openhat.pharmacy.models import LedgerEntry, StockBalance, StockCount
from openhat.pharmacy.services import CountedLot, issue_dose, record_count, transfer_stock
from openhat.pharmacy.verify import verify_ledger
from tests.conftest import sign_in
from tests.database import as_superuser
from tests.pharmacy.conftest import receive


@pytest.fixture
def stock(personas, formulary):
    lot = receive(personas, formulary.methadone, formulary.safe, 500, "ml", lot_number="M-c")
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=200,
        unit="ml",
    )
    for _ in range(3):
        issue_dose(
            actor=personas["nurse"],
            clinic=personas.clinic,
            lot_id=lot.pk,
            location_id=formulary.dosing_room.pk,
            amount="60",
            unit="mg",
        )
    return lot


def failing_verify() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "verify", stdout=out, no_color=True)
    return str(failure.value) + "\n" + out.getvalue()


def test_deleting_the_newest_entries_with_the_balance_adjusted_is_detected(
    stock, formulary, personas
):
    make_checkpoint("evening")
    newest = list(LedgerEntry.objects.order_by("-chain_seq")[:2])
    taken = -sum((entry.quantity_mg for entry in newest), Decimal(0))
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM pharmacy_ledgerentry WHERE id = ANY(%s)", [[e.pk for e in newest]]
        )
    StockBalance.objects.filter(lot=stock, location=formulary.dosing_room).update(
        balance_mg=F("balance_mg") + taken
    )
    # What is left is a consistent ledger: every entry and balance fits the ones before it.
    assert all("checkpoint" in b.problem for b in verify_ledger().breaks)

    output = failing_verify()

    assert "rows were deleted from its end" in output
    assert f"signed position {newest[0].chain_seq}" in output


def test_emptying_the_ledger_is_detected(stock):
    make_checkpoint("evening")
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE pharmacy_ledgerentry, pharmacy_stockbalance CASCADE")

    output = failing_verify()

    assert "has no rows" in output


def test_a_deleted_stock_balance_row_is_detected(stock, formulary):
    assert verify_ledger().intact
    StockBalance.objects.filter(lot=stock, location=formulary.dosing_room).delete()

    report = verify_ledger()

    assert not report.intact
    assert any("has no balance row" in broken.problem for broken in report.breaks)
    assert "the balance row was deleted" in failing_verify()


@pytest.mark.django_db(transaction=True)
def test_a_count_signs_a_checkpoint_that_the_count_sheet_prints(personas, formulary, client):
    lot = receive(personas, formulary.methadone, formulary.dosing_room, 100, "ml", lot_number="M-s")
    count = record_count(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        location_id=formulary.dosing_room.pk,
        occasion="day_end",
        lines=[CountedLot(lot.pk, "1000", "mg")],
    )
    found, problems = read_checkpoints()
    assert problems == []
    assert [c.reason for c in found] == [f"count {count.pk}"]
    head = next(
        h for h in found[0].heads if h.chain == "ledger_entry" and h.chain_key == personas.clinic.pk
    )
    newest = LedgerEntry.objects.filter(chain_key=personas.clinic.pk).latest("chain_seq")
    assert (head.position, head.hash) == (newest.chain_seq, newest.row_sha256)

    page = sign_in(client, personas["pharmacist"]).get(f"/pharmacy/counts/{count.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert found[0].name in text and newest.row_sha256 in text
    assert StockCount.objects.count() == 1
    assert settings.CHECKPOINT_DIR.is_dir()
