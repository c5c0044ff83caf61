"""The ledger refuses UPDATE and DELETE in the database, and `openhat ledger verify` names an entry
altered with the trigger switched off (docs/domain.md §7 invariants 5 and 6)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.pharmacy.models import (
    CountLine,
    Discrepancy,
    LedgerEntry,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.services import CountedLot, issue_dose, record_count, transfer_stock
from tests.database import as_superuser
from tests.pharmacy.conftest import receive


def plain_sha256(previous_hash, content):
    """The unkeyed chain hash, as anyone with the source code can compute it."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


@pytest.fixture
def entries(personas, formulary):
    lot = receive(personas, formulary.methadone, formulary.safe, 500, "ml", lot_number="M-t")
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
    record_count(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        location_id=formulary.dosing_room.pk,
        occasion="day_end",
        lines=[CountedLot(lot.pk, "1810", "mg")],
    )
    return list(LedgerEntry.objects.order_by("chain_seq"))


def verify() -> str:
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out, no_color=True)
    return out.getvalue()


def failing_verify() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "verify", stdout=out, no_color=True)
    return str(failure.value) + "\n" + out.getvalue()


@pytest.mark.parametrize(
    "model", [LedgerEntry, StockCount, CountLine, Discrepancy], ids=lambda m: m.__name__
)
def test_update_and_delete_fail_in_the_database(entries, model):
    row = model.objects.order_by("pk").first()
    table = model._meta.db_table
    statements = (
        f'UPDATE "{table}" SET id = id WHERE id = %s',  # noqa: S608 (a model's own table name)
        f'DELETE FROM "{table}" WHERE id = %s',  # noqa: S608
    )
    for sql in statements:
        with (
            pytest.raises(DatabaseError, match="pgtrigger: Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    assert model.objects.filter(pk=row.pk).exists()


def test_an_intact_ledger_verifies_and_the_run_is_audited(entries):
    output = verify()

    assert f"{len(entries)} ledger entries" in output
    assert "Ledger intact" in output
    event = AuditEvent.objects.filter(code=AuditCode.LEDGER_VERIFIED).latest("pk")
    assert event.data["intact"] is True and event.data["entries_checked"] == len(entries)


def test_an_altered_quantity_is_named(entries):
    victim = entries[3]  # the first dose issued
    with as_superuser():
        LedgerEntry.objects.filter(pk=victim.pk).update(quantity_mg=-6)
    assert LedgerEntry.objects.get(pk=victim.pk).quantity_mg == -6, "the tampering must work"

    output = failing_verify()

    assert f"entry id {victim.pk} at position {victim.chain_seq}" in output
    assert "altered" in output
    event = AuditEvent.objects.filter(code=AuditCode.LEDGER_VERIFIED).latest("pk")
    assert event.data["intact"] is False


def test_a_rehashed_forgery_is_caught_at_the_altered_entry(entries):
    """Someone who recomputes the altered entry's hash and every later one with the unkeyed
    function (plain SHA-256, as the chain was before it was keyed) still cannot fit the keyed
    hash of the first entry altered: hiding 30 mg is named there."""
    victim = entries[4]
    with as_superuser():
        previous = entries[3].row_sha256
        for entry in entries[4:]:
            entry.refresh_from_db()
            if entry.pk == victim.pk:
                entry.quantity_mg = entry.quantity_mg / 2  # hide 30 mg
            entry.prev_sha256 = previous
            entry.row_sha256 = plain_sha256(previous, entry.hash_content())
            previous = entry.row_sha256
            LedgerEntry.objects.filter(pk=entry.pk).update(
                quantity_mg=entry.quantity_mg,
                prev_sha256=entry.prev_sha256,
                row_sha256=entry.row_sha256,
            )

    output = failing_verify()

    assert f"entry id {victim.pk}" in output
    assert "keyed hash" in output


def test_a_deleted_entry_is_a_missing_position(entries):
    victim, successor = entries[2], entries[3]
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM pharmacy_ledgerentry WHERE id = %s", [victim.pk])

    output = failing_verify()

    assert f"entry id {successor.pk}" in output
    assert f"position {victim.chain_seq} is missing" in output


def test_a_balance_row_that_disagrees_with_its_entries_is_named(entries, formulary):
    StockBalance.objects.filter(location=formulary.dosing_room).update(balance_mg=1234)

    output = failing_verify()

    assert "entries sum to" in output and "1234" in output
