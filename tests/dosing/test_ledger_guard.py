"""A dose recorded as given at the station cannot be undone in the ledger behind its back
(docs/domain.md §7 invariant 4: every mg issued for a dose is administered or wasted with a witness)."""

from __future__ import annotations

import pytest

from openhat.core.errors import DomainError
from openhat.dosing.services.administer import administer
from openhat.dosing.services.sessions import assess, check_in, decide_session
from openhat.pharmacy.models import LedgerEntry, StockBalance
from openhat.pharmacy.services import record_waste, return_dose, reverse_movement


@pytest.fixture
def given(personas, station):
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    assess(actor=nurse, session_id=session.pk, sedation_score=1, breath_alcohol_mg_per_l="0")
    decision = decide_session(actor=nurse, session_id=session.pk, drug="dam", route="iv")
    return administer(
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=decision.max_dose_mg,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )


def _unchanged(call, **kwargs):
    entries = LedgerEntry.objects.count()
    balances = list(StockBalance.objects.values_list("pk", "balance_mg"))
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == "dose_administered"
    assert LedgerEntry.objects.count() == entries
    assert list(StockBalance.objects.values_list("pk", "balance_mg")) == balances


def test_the_issue_of_an_administered_dose_cannot_be_reversed(personas, given):
    _unchanged(
        reverse_movement,
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        entry_id=given.issued_entry_id,
        reason="wrong patient",
    )


def test_an_administered_dose_cannot_be_returned_or_wasted_afterwards(personas, station, given):
    _unchanged(
        return_dose,
        actor=personas["nurse"],
        clinic=personas.clinic,
        issued_entry_id=given.issued_entry_id,
        amount="1",
        unit="mg",
        reason="not taken",
    )
    _unchanged(
        record_waste,
        actor=personas["nurse"],
        clinic=personas.clinic,
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
        amount="1",
        unit="mg",
        reason="spilled",
        witness=personas["pharmacist"],
        issued_entry_id=given.issued_entry_id,
    )
