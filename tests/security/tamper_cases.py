"""The tamper suite's nineteen cases (issue 13): what someone with database access might do to
the audit trail, the access log, the ledger and the dosing record.

Each case is one function that does the tampering with plain SQL or the ORM, as an attacker with a
database connection would: the suite runs it once as the application's role (which must be refused
where `refused` says so) and once as a superuser with every trigger off, after which a verifier must
name the damage (keyed chains and signed checkpoints see the rehashed, truncated and cut-short
ones; `sessions verify` the changed dose).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import F

from openhat.audit.models import AccessLog, AuditEvent
from openhat.dosing.models import Administration, SessionDecision
from openhat.pharmacy.models import LedgerEntry, StockBalance
from tests.audit.test_verify_command import plain_sha256 as row_hash


@dataclass(frozen=True)
class World:
    clinic_id: int
    administration: Administration
    decision: SessionDecision


@dataclass(frozen=True)
class Case:
    name: str
    tamper: Callable[[World], None]
    refused: bool = True  # False: row writes the application makes every day


def chain_of(model: type[models.Model], world: World) -> list[Any]:
    return list(model._default_manager.filter(chain_key=world.clinic_id).order_by("chain_seq"))


def delete_rows(model: type[models.Model], rows: list[Any]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{table}" WHERE id = ANY(%s)',  # noqa: S608 (a model's own table)
            [[row.pk for row in rows]],
        )


def rehash_from(model: type[models.Model], rows: list[Any], start: int) -> None:
    """Recompute every hash from rows[start] on with the plain SHA-256 row_hash and store it."""
    previous = rows[start - 1].row_sha256
    for row in rows[start:]:
        row.prev_sha256 = previous
        row.row_sha256 = row_hash(previous, row.hash_content())
        previous = row.row_sha256
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    model._default_manager.bulk_update(rows[start:], fields)


# --- detected by today's verifiers -------------------------------------------------------------


def audit_row_altered(world: World) -> None:
    victim = chain_of(AuditEvent, world)[2]
    AuditEvent.objects.filter(pk=victim.pk).update(actor_username="someone_else")


def access_log_row_altered(world: World) -> None:
    victim = chain_of(AccessLog, world)[1]
    AccessLog.objects.filter(pk=victim.pk).update(route="/elsewhere/")


def audit_middle_row_deleted(world: World) -> None:
    delete_rows(AuditEvent, chain_of(AuditEvent, world)[3:4])


def access_log_rows_deleted_with_pgtrigger_ignore(world: World) -> None:
    """A role with a DELETE grant sets pgtrigger.ignore (any role may) and deletes one patient's
    reads but the newest."""
    import pgtrigger

    rows = chain_of(AccessLog, world)[:-1]
    with pgtrigger.ignore("audit.AccessLog:append_only"):
        AccessLog.objects.filter(pk__in=[row.pk for row in rows]).delete()


def ledger_quantity_altered(world: World) -> None:
    victim = chain_of(LedgerEntry, world)[-2]
    LedgerEntry.objects.filter(pk=victim.pk).update(quantity_mg=F("quantity_mg") / 2)


def ledger_middle_entry_deleted(world: World) -> None:
    delete_rows(LedgerEntry, chain_of(LedgerEntry, world)[2:3])


def ledger_rehashed_without_balances(world: World) -> None:
    entries = chain_of(LedgerEntry, world)
    victim = len(entries) - 2
    entries[victim].quantity_mg = entries[victim].quantity_mg / 2
    rehash_from(LedgerEntry, entries, victim)


def stock_balance_altered(world: World) -> None:
    """The stock balance is the application's own running total: it writes it on every movement."""
    newest = chain_of(LedgerEntry, world)[-1]
    StockBalance.objects.filter(lot_id=newest.lot_id, location_id=newest.location_id).update(
        balance_mg=F("balance_mg") + 20
    )


def decision_result_altered(world: World) -> None:
    changed = {**world.decision.result, "max_dose_mg": "999"}
    SessionDecision.objects.filter(pk=world.decision.pk).update(result=changed)


# --- seen by the keyed chains, the signed checkpoints and `sessions verify` ----------------------


def audit_newest_rows_deleted(world: World) -> None:
    delete_rows(AuditEvent, chain_of(AuditEvent, world)[-2:])


def access_log_newest_rows_deleted(world: World) -> None:
    delete_rows(AccessLog, chain_of(AccessLog, world)[-2:])


def ledger_newest_entry_deleted_balance_adjusted(world: World) -> None:
    newest = chain_of(LedgerEntry, world)[-1]
    delete_rows(LedgerEntry, [newest])
    StockBalance.objects.filter(lot_id=newest.lot_id, location_id=newest.location_id).update(
        balance_mg=F("balance_mg") - newest.quantity_mg,
        balance_ml=F("balance_ml") - (newest.volume_ml or Decimal("0")),
    )


def audit_row_changed_and_rehashed(world: World) -> None:
    events = chain_of(AuditEvent, world)
    events[2].actor_username = "someone_else"
    rehash_from(AuditEvent, events, 2)


def access_log_row_changed_and_rehashed(world: World) -> None:
    rows = chain_of(AccessLog, world)
    rows[1].route = "/elsewhere/"
    rehash_from(AccessLog, rows, 1)


def ledger_20_mg_hidden_and_rehashed(world: World) -> None:
    """A dose recorded 20 mg smaller, every later running balance and the stock balance moved to
    match, every later hash recomputed: 20 mg gone, and the ledger adds up."""
    entries = chain_of(LedgerEntry, world)
    victim = next(
        index
        for index in range(len(entries) - 1, 0, -1)
        if entries[index].kind == "dose_issued" and entries[index].quantity_mg <= -20
    )
    hidden = Decimal("20")
    lot, location = entries[victim].lot_id, entries[victim].location_id
    entries[victim].quantity_mg += hidden
    for entry in entries[victim:]:
        if entry.product_id == entries[victim].product_id:
            entry.product_balance_mg += hidden
        if (entry.lot_id, entry.location_id) == (lot, location):
            entry.balance_mg += hidden
    rehash_from(LedgerEntry, entries, victim)
    StockBalance.objects.filter(lot_id=lot, location_id=location).update(
        balance_mg=F("balance_mg") + hidden
    )


def access_log_truncated(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        cursor.execute("TRUNCATE audit_accesslog")


def audit_trail_truncated(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        cursor.execute("TRUNCATE audit_auditevent")


def audit_row_forged_with_plain_hash(world: World) -> None:
    """An INSERT, which the application's role may do: a row that never happened, appended with
    the plain SHA-256 chain hash anyone can compute."""
    head = chain_of(AuditEvent, world)[-1]
    forged = AuditEvent(
        chain_key=head.chain_key,
        chain_seq=head.chain_seq + 1,
        at=head.at,
        prev_sha256=head.row_sha256,
        clinic_id=head.clinic_id,
        actor_username="nobody",
        code=head.code,
        object_type=head.object_type,
        object_id=head.object_id,
        data={"forged": True},
    )
    forged.row_sha256 = row_hash(forged.prev_sha256, forged.hash_content())
    forged.save(force_insert=True)


def administered_dose_raised(world: World) -> None:
    """Tenfold, as the report's 80 -> 800 mg (a first dose here is 15 mg, the order's limit)."""
    Administration.objects.filter(pk=world.administration.pk).update(dose_mg=F("dose_mg") * 10)


CASES: tuple[Case, ...] = (
    Case("audit row altered", audit_row_altered),
    Case("access-log row altered", access_log_row_altered),
    Case("audit row deleted mid-chain", audit_middle_row_deleted),
    Case(
        "access-log rows deleted with pgtrigger.ignore",
        access_log_rows_deleted_with_pgtrigger_ignore,
    ),
    Case("ledger quantity altered", ledger_quantity_altered),
    Case("ledger entry deleted mid-chain", ledger_middle_entry_deleted),
    Case("ledger quantity altered and rehashed", ledger_rehashed_without_balances),
    Case("stock balance altered", stock_balance_altered, refused=False),
    Case("stored dosing decision altered", decision_result_altered),
    Case("newest audit rows deleted", audit_newest_rows_deleted),
    Case("newest access-log rows deleted", access_log_newest_rows_deleted),
    Case(
        "newest ledger entry deleted, balance adjusted",
        ledger_newest_entry_deleted_balance_adjusted,
    ),
    Case(
        "audit row changed, later hashes recomputed",
        audit_row_changed_and_rehashed,
    ),
    Case(
        "access-log row changed, later hashes recomputed",
        access_log_row_changed_and_rehashed,
    ),
    Case(
        "ledger: 20 mg hidden, balances and hashes recomputed",
        ledger_20_mg_hidden_and_rehashed,
    ),
    Case("access log truncated", access_log_truncated),
    Case("audit trail truncated", audit_trail_truncated),
    Case(
        "audit row forged with the plain hash",
        audit_row_forged_with_plain_hash,
        refused=False,
    ),
    Case("administered dose raised tenfold", administered_dose_raised),
)
