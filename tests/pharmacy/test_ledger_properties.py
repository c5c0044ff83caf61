"""Property test over random sequences of stock operations (docs/domain.md §7 invariant 5).

Whatever order receipts, transfers, issues, returns, waste, adjustments and reversals come in, and
whether each one is accepted or refused: every balance equals the sum of its entries, no balance is
ever negative, each entry's running balances follow from the entries before it, and a refused
operation writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhat.core.errors import DomainError
from openhat.patients.services import clinic_today
from openhat.pharmacy.models import LedgerEntry, StockBalance
from openhat.pharmacy.services import (
    adjust_stock,
    issue_dose,
    receive_stock,
    record_waste,
    return_dose,
    reverse_movement,
    transfer_stock,
)
from openhat.pharmacy.verify import verify_ledger

LOTS = ["A", "B"]
amounts = st.integers(min_value=1, max_value=4000).map(lambda n: Decimal(n) / 4)
operation = st.one_of(
    st.tuples(
        st.just("receive"), st.sampled_from(LOTS), amounts, st.sampled_from(["safe", "room"])
    ),
    st.tuples(st.just("transfer"), st.sampled_from(LOTS), amounts, st.booleans()),
    st.tuples(st.just("issue"), st.sampled_from(LOTS), amounts),
    st.tuples(st.just("return"), st.integers(0, 20), amounts),
    st.tuples(st.just("waste"), st.sampled_from(LOTS), amounts, st.sampled_from(["safe", "room"])),
    st.tuples(st.just("adjust"), st.sampled_from(LOTS), amounts, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
)


def _check_invariants() -> None:
    sums: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for entry in LedgerEntry.objects.order_by("chain_seq"):
        sums[(entry.lot_id, entry.location_id)] += entry.quantity_mg
        assert entry.balance_mg == sums[(entry.lot_id, entry.location_id)]
        assert entry.balance_mg >= 0
    for row in StockBalance.objects.all():
        assert row.balance_mg == sums[(row.lot_id, row.location_id)]
        assert row.balance_mg >= 0
        assert row.balance_ml is not None and row.balance_ml >= 0
    assert verify_ledger().intact


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_balances_always_equal_their_entries_and_never_go_negative(personas, formulary, operations):
    f = formulary
    clinic = personas.clinic
    pharmacist, nurse = personas["pharmacist"], personas["nurse"]
    places = {"safe": f.safe, "room": f.dosing_room}
    expiry = clinic_today(clinic) + timedelta(days=300)
    with transaction.atomic():
        lots: dict[str, int] = {}
        for step in operations:
            before = LedgerEntry.objects.count()
            kind = step[0]
            try:
                if kind == "receive":
                    _, name, amount, where = step
                    lots[name] = receive_stock(
                        actor=pharmacist,
                        clinic=clinic,
                        product_id=f.methadone.pk,
                        location_id=places[where].pk,
                        lot_number=f"P-{name}",
                        supplier="S",
                        expires_on=expiry,
                        receipt_document="D",
                        amount=amount,
                        unit="mg",
                    ).first.lot_id
                elif step[1] in lots or kind in ("return", "reverse"):
                    if kind == "transfer":
                        _, name, amount, into_room = step
                        source, target = (
                            (f.safe, f.dosing_room) if into_room else (f.dosing_room, f.safe)
                        )
                        transfer_stock(
                            actor=pharmacist,
                            clinic=clinic,
                            lot_id=lots[name],
                            from_location_id=source.pk,
                            to_location_id=target.pk,
                            amount=amount,
                            unit="mg",
                        )
                    elif kind == "issue":
                        _, name, amount = step
                        issue_dose(
                            actor=nurse,
                            clinic=clinic,
                            lot_id=lots[name],
                            location_id=f.dosing_room.pk,
                            amount=amount,
                            unit="mg",
                        )
                    elif kind == "return":
                        _, index, amount = step
                        issues = list(LedgerEntry.objects.filter(kind="dose_issued").order_by("pk"))
                        if issues:
                            return_dose(
                                actor=nurse,
                                clinic=clinic,
                                issued_entry_id=issues[index % len(issues)].pk,
                                amount=amount,
                                unit="mg",
                                reason="not taken",
                            )
                    elif kind == "waste":
                        _, name, amount, where = step
                        record_waste(
                            actor=pharmacist,
                            clinic=clinic,
                            lot_id=lots[name],
                            location_id=places[where].pk,
                            amount=amount,
                            unit="mg",
                            reason="spill",
                            witness=nurse,
                        )
                    elif kind == "adjust":
                        _, name, amount, up = step
                        adjust_stock(
                            actor=pharmacist,
                            clinic=clinic,
                            lot_id=lots[name],
                            location_id=f.dosing_room.pk,
                            direction="add" if up else "remove",
                            amount=amount,
                            unit="mg",
                            reason="recount",
                            witness=nurse,
                        )
                    elif kind == "reverse":
                        entries = list(LedgerEntry.objects.order_by("pk"))
                        if entries:
                            reverse_movement(
                                actor=pharmacist,
                                clinic=clinic,
                                entry_id=entries[step[1] % len(entries)].pk,
                                reason="mistake",
                                witness=nurse,
                            )
            except DomainError:
                assert LedgerEntry.objects.count() == before, f"{kind} refused but wrote entries"
            _check_invariants()
        transaction.set_rollback(True)
