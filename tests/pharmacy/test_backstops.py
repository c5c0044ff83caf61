"""Each of the pharmacy's database backstops, tested directly: a row that breaks exactly one
constraint, written past every service (a copy of a valid row with one change), is refused by the
database under that constraint's name. Dropping a constraint from its migration fails its case; the
unchanged copy (with its unique keys moved) is accepted, so each refusal is the change's doing.
`test_every_constraint_has_a_case` makes a new constraint bring its own case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, models, transaction

from openhat.pharmacy.models import (
    CountLine,
    EntryKind,
    LedgerEntry,
    Location,
    Lot,
    Product,
    StockBalance,
)
from openhat.pharmacy.services import CountedLot, record_count, record_waste
from tests.pharmacy.conftest import receive

pytestmark = pytest.mark.django_db


def copy_of(row: models.Model, **changes: Any) -> models.Model:
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    return model(**values)


def insert(row: models.Model) -> None:
    with transaction.atomic():
        type(row)._default_manager.bulk_create([row])
        transaction.set_rollback(True)


@pytest.fixture
def rows(personas: Any, formulary: Any) -> dict[str, models.Model]:
    lot = receive(personas, formulary.methadone, formulary.dosing_room, 100, "ml", lot_number="B-1")
    waste = record_waste(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        location_id=formulary.dosing_room.pk,
        amount="10",
        unit="mg",
        reason="spilled while drawing",
        witness=personas["nurse"],
    ).first
    count = record_count(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        location_id=formulary.dosing_room.pk,
        occasion="day_end",
        lines=[CountedLot(lot.pk, "990", "mg")],
    )
    return {
        "waste": waste,
        "receipt": LedgerEntry.objects.filter(kind=EntryKind.RECEIPT).latest("pk"),
        "balance": StockBalance.objects.get(lot=lot, location=formulary.dosing_room),
        "count_line": CountLine.objects.get(count=count, lot=lot),
        "product": formulary.methadone,
        "location": formulary.dosing_room,
        "lot": lot,
    }


# (row in the fixture, changes that break exactly the named constraint)
CASES: dict[str, tuple[str, Any]] = {
    "ledger_quantity_not_zero": ("waste", lambda rows: {"quantity_mg": Decimal("0")}),
    "ledger_balance_not_negative": ("waste", lambda rows: {"balance_mg": Decimal("-1")}),
    "ledger_product_balance_not_negative": (
        "waste",
        lambda rows: {"product_balance_mg": Decimal("-0.001")},
    ),
    "ledger_witness_is_not_actor": ("waste", lambda rows: {"witness_id": rows["waste"].actor_id}),
    "ledger_witnessed_kinds_have_witness": ("waste", lambda rows: {"witness_id": None}),
    "ledger_reversal_points_to_original": (
        "waste",
        lambda rows: {"kind": EntryKind.REVERSAL, "reverses_id": None},
    ),
    "ledger_entry_chain_position": ("waste", lambda rows: {}),
    "balance_per_lot_location": ("balance", lambda rows: {}),
    "balance_mg_never_negative": ("balance", lambda rows: {"balance_mg": Decimal("-1")}),
    "balance_ml_never_negative": ("balance", lambda rows: {"balance_ml": Decimal("-1")}),
    "count_line_per_lot": ("count_line", lambda rows: {}),
    "count_line_counted_not_negative": ("count_line", lambda rows: {"counted_mg": Decimal("-1")}),
    "product_code_per_clinic": ("product", lambda rows: {}),
    "product_mg_per_unit_positive": ("product", lambda rows: {"mg_per_unit": Decimal("0")}),
    "product_mg_per_ml_positive": ("product", lambda rows: {"mg_per_ml": Decimal("0")}),
    "product_reorder_level_not_negative": (
        "product",
        lambda rows: {"reorder_level_mg": Decimal("-1")},
    ),
    "location_code_per_clinic": ("location", lambda rows: {}),
    "lot_number_per_product": ("lot", lambda rows: {}),
}

# The unchanged copy, accepted once its unique keys are moved (the control for every case).
MOVED_KEYS: dict[str, Any] = {
    "waste": lambda rows: {"chain_seq": 10_000},
    "balance": lambda rows: {"location_id": rows["receipt"].location_id + 10_000},
    "count_line": lambda rows: {"lot_id": rows["count_line"].lot_id + 10_000},
    "product": lambda rows: {"code": "backstop-control"},
    "location": lambda rows: {"code": "backstop-control"},
    "lot": lambda rows: {"lot_number": "backstop-control"},
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    name, changes = CASES[constraint]
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"):
        insert(copy_of(rows[name], **changes(rows)))


@pytest.mark.parametrize("kind", [EntryKind.ADJUSTMENT, EntryKind.DESTRUCTION])
def test_every_witnessed_kind_needs_its_witness(rows: dict[str, Any], kind: str) -> None:
    with pytest.raises(IntegrityError, match="ledger_witnessed_kinds_have_witness"):
        insert(copy_of(rows["waste"], kind=kind, witness_id=None, chain_seq=10_000))


def test_only_a_reversal_may_point_at_an_entry(rows: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError, match="ledger_reversal_points_to_original"):
        insert(copy_of(rows["waste"], reverses_id=rows["receipt"].pk, chain_seq=10_000))


@pytest.mark.parametrize("name", sorted(MOVED_KEYS))
def test_the_unchanged_copy_is_accepted(rows: dict[str, Any], name: str) -> None:
    """The control: with only its unique keys moved (to rows that need not exist: foreign keys
    are checked at commit, and the copy is rolled back first), a copy is a valid row."""
    insert(copy_of(rows[name], **MOVED_KEYS[name](rows)))


def test_every_constraint_has_a_case() -> None:
    declared = {
        constraint.name
        for model in (LedgerEntry, StockBalance, CountLine, Product, Location, Lot)
        for constraint in model._meta.constraints
    }
    assert declared == set(CASES)
