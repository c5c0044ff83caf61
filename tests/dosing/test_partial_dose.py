"""Giving a drawn dose, whole or in part (docs/domain.md §3.5 step 5): the remainder of a partial dose
goes back to stock or to waste, witnessed, so every mg issued is given or accounted for (§7, 4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError
from openhat.dosing.models import SessionState
from openhat.dosing.services.administer import administer
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.services import record_waste, return_dose, reverse_movement
from tests.dosing.factories import counts, decided, drawn, refused
from tests.pharmacy.conftest import held


def _accounted(issue: LedgerEntry) -> tuple[Decimal, Decimal]:
    """(mg back in stock, mg wasted) against one dose issue."""
    linked = LedgerEntry.objects.filter(returns_entry=issue)
    back = linked.filter(kind=EntryKind.DOSE_RETURNED).aggregate(s=Sum("quantity_mg"))["s"] or 0
    wasted = -(linked.filter(kind=EntryKind.WASTE).aggregate(s=Sum("quantity_mg"))["s"] or 0)
    return Decimal(back) - Decimal(wasted), Decimal(wasted)


def _give(personas, session, decision, dose, **changes):
    kwargs = dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        site="right_arm",
    )
    kwargs.update(changes)
    return kwargs


@pytest.fixture
def prepared(personas, station):
    session, decision = decided(personas, station.patient)
    return session, decision, drawn(personas, station, session, decision, "15")


def test_the_drawn_dose_is_given_whole(personas, station, prepared):
    session, decision, preparation = prepared
    given = administer(**_give(personas, session, decision, "15", preparation_id=preparation.pk))
    assert given.preparation == preparation and given.issued_entry == preparation.issued_entry
    assert given.dose_mg == Decimal("15") and given.remainder_mg == 0
    assert given.remainder_entry is None and given.site == "right_arm"
    assert given.observe_until - given.administered_at == timedelta(
        minutes=decision.observation_minutes
    )
    assert LedgerEntry.objects.filter(kind=EntryKind.DOSE_ISSUED).count() == 1
    session.refresh_from_db()
    assert session.state == SessionState.OBSERVING
    event = AuditEvent.objects.get(code=AuditCode.DOSE_ADMINISTERED)
    assert event.object_id == str(given.pk) and Decimal(event.data["remainder_mg"]) == 0


@pytest.mark.parametrize("how", ["return", "waste"])
def test_a_partial_dose_books_the_remainder_witnessed(personas, station, prepared, how):
    session, decision, preparation = prepared
    room = station.formulary.dosing_room
    stock_after_drawing = held(station.solution, room)
    pharmacist = personas["pharmacist"]

    given = administer(
        **_give(personas, session, decision, "9.5"),
        remainder=how,
        witness=pharmacist,
        remainder_reason="vein lost after 9.5 mg",
    )

    assert given.dose_mg == Decimal("9.5") and given.remainder_mg == Decimal("5.5")
    assert given.remainder_witness == pharmacist
    entry = given.remainder_entry
    assert entry.returns_entry == preparation.issued_entry
    assert entry.reason == "vein lost after 9.5 mg"
    back, wasted = _accounted(preparation.issued_entry)
    issued = -preparation.issued_entry.quantity_mg
    if how == "return":
        assert entry.kind == EntryKind.DOSE_RETURNED and entry.quantity_mg == Decimal("5.5")
        assert (back, wasted) == (Decimal("5.5"), 0)
        assert held(station.solution, room) == stock_after_drawing + Decimal("5.5")
    else:
        assert entry.kind == EntryKind.WASTE and entry.quantity_mg == Decimal("-5.5")
        assert entry.witness == pharmacist and entry.actor == personas["nurse"]
        assert (back, wasted) == (0, Decimal("5.5"))
        assert held(station.solution, room) == stock_after_drawing
    # docs/domain.md §7 invariant 4: every mg issued is given, back in stock, or wasted witnessed.
    assert issued == given.dose_mg + back + wasted
    assert AuditEvent.objects.get(code=AuditCode.DOSE_ADMINISTERED).data["remainder"] == how


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"remainder": "waste"}, "witness_required"),
        ({"remainder": "return"}, "witness_required"),
        ({"remainder": "waste", "witness": "nurse"}, "witness_is_actor"),
        ({"remainder": "waste", "witness": "counsellor"}, "witness_not_allowed"),
        ({"witness": "pharmacist"}, "remainder_handling_required"),
        ({"remainder": "flush", "witness": "pharmacist"}, "remainder_handling_required"),
    ],
)
def test_a_partial_dose_without_its_remainder_settled_records_nothing(
    personas, station, prepared, changes, code
):
    session, decision, _ = prepared
    changes = {
        key: personas[value] if key == "witness" else value for key, value in changes.items()
    }
    refused(administer, code, **_give(personas, session, decision, "10"), **changes)
    session.refresh_from_db()
    assert session.state == SessionState.PREPARED


def test_more_than_was_drawn_is_refused(personas, station):
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, "10")
    refused(administer, "dose_exceeds_prepared", **_give(personas, session, decision, "12"))


def test_a_form_naming_another_preparation_is_stale(personas, station, prepared):
    session, decision, preparation = prepared
    refused(
        administer,
        "stale_preparation",
        **_give(personas, session, decision, "15", preparation_id=preparation.pk + 1),
    )


def test_the_ledger_cannot_undo_a_dose_drawn_for_an_open_session(personas, station, prepared):
    _, _, preparation = prepared
    pharmacist = personas["pharmacist"]
    issue = preparation.issued_entry_id
    refused(
        return_dose,
        "dose_prepared",
        actor=pharmacist,
        clinic=personas.clinic,
        issued_entry_id=issue,
        amount="15",
        unit="mg",
        reason="not needed",
    )
    refused(
        reverse_movement,
        "dose_prepared",
        actor=pharmacist,
        clinic=personas.clinic,
        entry_id=issue,
        reason="drawn in error",
    )
    refused(
        record_waste,
        "dose_prepared",
        actor=pharmacist,
        clinic=personas.clinic,
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
        amount="15",
        unit="mg",
        reason="dropped",
        witness=personas["nurse"],
        issued_entry_id=issue,
    )


def test_the_ledger_cannot_undo_the_issue_of_a_partial_dose_given(personas, station, prepared):
    session, decision, preparation = prepared
    administer(
        **_give(personas, session, decision, "10"),
        remainder="return",
        witness=personas["physician"],
    )
    for call, kwargs in (
        (
            return_dose,
            dict(issued_entry_id=preparation.issued_entry_id, amount="1", unit="mg", reason="x"),
        ),
        (reverse_movement, dict(entry_id=preparation.issued_entry_id, reason="wrong patient")),
    ):
        refused(
            call,
            "dose_administered",
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            **kwargs,
        )


@pytest.mark.parametrize("how", ["return", "waste"])
def test_the_ledger_cannot_undo_the_remainder_of_a_partial_dose_given(
    personas, station, prepared, how
):
    """Reversing the remainder's return (or waste) would leave the ledger saying 15 mg went to the
    patient while the administration says 10 mg (docs/domain.md §7 invariant 4)."""
    session, decision, _ = prepared
    given = administer(
        **_give(personas, session, decision, "10"), remainder=how, witness=personas["physician"]
    )
    before = counts()
    with pytest.raises(DomainError):  # whichever code the guard gives it
        reverse_movement(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            entry_id=given.remainder_entry_id,
            reason="booked in error",
            witness=personas["nurse"],
        )
    assert counts() == before
