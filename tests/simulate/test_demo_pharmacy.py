"""The demo clinics' four weeks of pharmacy history (openhat.simulate.demo_pharmacy, its doses
given at the dosing station by demo_dosing), loaded once for the package on real PostgreSQL (tests/simulate/conftest.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Min
from django.utils import timezone

from openhat.audit.models import AuditEvent
from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration, DosePreparation, SessionException
from openhat.pharmacy.models import (
    WITNESSED_KINDS,
    CountLine,
    Discrepancy,
    DiscrepancyClosure,
    EntryKind,
    LedgerEntry,
    LocationKind,
    Lot,
    ProductKind,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.services import alerts, open_discrepancies
from openhat.pharmacy.verify import verify_ledger
from openhat.prescribing.services.queries import orders_for_checks
from openhat.simulate import demo_pharmacy
from openhat.simulate.demo_clinic import load_demo_clinic

DEMO_STAFF = {
    "demo-nurse",
    "demo-pharmacist",
    "demo-pharmacy-technician",
    "demo-physician",
}


def kinds(clinic: Clinic) -> Counter[str]:
    return Counter(LedgerEntry.objects.filter(clinic=clinic).values_list("kind", flat=True))


def test_each_demo_clinic_has_four_weeks_of_deliveries_transfers_doses_and_counts(clinics):
    for clinic in clinics.values():
        found = kinds(clinic)
        assert found[EntryKind.RECEIPT] >= 4, clinic.code
        assert found[EntryKind.TRANSFER] >= 8, clinic.code
        assert found[EntryKind.DOSE_ISSUED] >= 150, clinic.code
        # Deliveries carry the supplier, the lot, its expiry and the delivery note.
        for receipt in LedgerEntry.objects.filter(clinic=clinic, kind=EntryKind.RECEIPT):
            lot = receipt.lot
            assert lot.supplier and lot.lot_number and lot.receipt_document, lot
            assert receipt.document_number == lot.receipt_document
            assert receipt.location.kind == LocationKind.SAFE
        # About four weeks, ending in the past, the times increasing with the chain.
        entries = list(LedgerEntry.objects.filter(clinic=clinic).order_by("chain_seq"))
        times = [entry.at for entry in entries]
        assert times == sorted(times)
        moments = {entry.movement: entry.at for entry in entries}
        assert len(set(moments.values())) == len(moments)  # one moment per movement
        assert timezone.now() - times[0] >= timedelta(days=27)
        assert times[-1] < timezone.now()
        # Day-end counts of the dosing room and the safe.
        counted = Counter(
            StockCount.objects.filter(clinic=clinic).values_list("location__kind", flat=True)
        )
        assert counted[LocationKind.DOSING_ROOM] >= 10 and counted[LocationKind.SAFE] >= 5
    zurich, canada = clinics["ZRH"], clinics["VAN"]
    products = set(
        LedgerEntry.objects.filter(clinic=zurich, kind=EntryKind.RECEIPT).values_list(
            "product__kind", flat=True
        )
    )
    assert {
        ProductKind.DAM_VIAL,
        ProductKind.DAM_TABLET,
        ProductKind.METHADONE_SOLUTION,
        ProductKind.SROM_CAPSULE,
    } <= products
    products = set(
        LedgerEntry.objects.filter(clinic=canada, kind=EntryKind.RECEIPT).values_list(
            "product__kind", flat=True
        )
    )
    assert {ProductKind.HDM_INJECTABLE, ProductKind.METHADONE_SOLUTION, ProductKind.DAM_VIAL} <= (
        products
    )


def test_zrh_reconstitutes_dam_vials_every_few_days_with_an_in_use_expiry(clinics):
    zurich = clinics["ZRH"]
    solutions = Lot.objects.filter(clinic=zurich, product__kind=ProductKind.DAM_SOLUTION)
    assert solutions.count() >= 8  # 28 days, a 10,000 mg vial every two or three days
    for solution in solutions:
        assert solution.source_lot is not None and solution.in_use_expires_at is not None
        made = LedgerEntry.objects.get(lot=solution, kind=EntryKind.RECONSTITUTION)
        assert made.quantity_mg == Decimal("10000") and made.volume_ml == Decimal("100")
        assert solution.in_use_expires_at == made.at + timedelta(
            hours=demo_pharmacy.SOLUTION_IN_USE_HOURS
        )
    # DAM doses come from the solution, never from a vial; VAN reconstitutes nothing.
    assert not LedgerEntry.objects.filter(
        kind=EntryKind.DOSE_ISSUED, product__kind=ProductKind.DAM_VIAL
    ).exists()
    assert not Lot.objects.filter(
        clinic=clinics["VAN"], product__kind=ProductKind.DAM_SOLUTION
    ).exists()
    # Solution past its in-use expiry went to quarantine and was destroyed with a witness.
    removed = LedgerEntry.objects.filter(
        clinic=zurich, kind=EntryKind.EXPIRY_REMOVAL, quantity_mg__gt=0
    )
    assert removed and all(entry.location.kind == LocationKind.QUARANTINE for entry in removed)
    destroyed = LedgerEntry.objects.filter(clinic=zurich, kind=EntryKind.DESTRUCTION)
    assert destroyed and all(entry.witness_username == "demo-nurse" for entry in destroyed)
    assert {entry.lot_id for entry in destroyed} <= {entry.lot_id for entry in removed}


def test_doses_go_to_enrolled_patients_within_their_orders(clinics):
    """Every dose issued comes from a session at the dosing station (demo_dosing): drawn for that
    session's patient on its day, within the patient's orders."""
    for clinic in clinics.values():
        issued = LedgerEntry.objects.filter(
            clinic=clinic, kind=EntryKind.DOSE_ISSUED
        ).select_related("patient", "product", "location")
        drawn = {
            preparation.issued_entry_id: preparation.session
            for preparation in DosePreparation.objects.filter(
                session__clinic=clinic
            ).select_related("session")
        }
        # What came back of a dose (a spill or the rest of a stopped injection is booked back,
        # then out as waste): the patient was given the rest.
        back: dict[int, Decimal] = defaultdict(Decimal)
        for entry in LedgerEntry.objects.filter(clinic=clinic, kind=EntryKind.DOSE_RETURNED):
            back[entry.returns_entry_id] += entry.quantity_mg
        per_day: dict[tuple[int, str, Any], Decimal] = defaultdict(Decimal)
        for entry in issued:
            assert entry.patient is not None and entry.patient.status == "enrolled"
            session = drawn[entry.pk]
            assert entry.dose_reference == f"session {session.pk}"
            assert entry.patient_id == session.patient_id
            assert entry.location.kind == LocationKind.DOSING_ROOM
            day = entry.at.astimezone(clinic.zone).date()
            assert day == session.dosing_day
            given = -entry.quantity_mg - back[entry.pk]
            per_day[(entry.patient.pk, entry.product.drug, day)] += given
        orders = {}
        for (patient_id, drug, day), total in per_day.items():
            if patient_id not in orders:
                patient = next(e.patient for e in issued if e.patient_id == patient_id)
                orders[patient_id] = orders_for_checks(patient)
            covering = [
                order
                for order in orders[patient_id]
                if str(order.drug) == drug and order.starts_at.date() <= day
            ]
            assert covering, (patient_id, drug, day)
            assert total <= max(order.daily_max_mg for order in covering), (drug, day, total)
    # ZRH's DAM maintenance: a few thousand mg a day in all, ~300-500 mg per patient-day.
    dam = LedgerEntry.objects.filter(
        clinic=clinics["ZRH"], kind=EntryKind.DOSE_ISSUED, product__kind=ProductKind.DAM_SOLUTION
    )
    patient_days = {(e.patient_id, e.at.astimezone(clinics["ZRH"].zone).date()) for e in dam}
    mean = -sum(e.quantity_mg for e in dam) / len(patient_days)
    assert Decimal(250) <= mean <= Decimal(550), mean


def test_witnessed_entries_have_a_second_demo_person_and_waste_of_a_dose_is_the_stations(
    clinics,
):
    zurich = clinics["ZRH"]
    witnessed = LedgerEntry.objects.filter(kind__in=list(WITNESSED_KINDS))
    assert witnessed.filter(kind=EntryKind.WASTE, clinic=zurich).count() >= 3
    assert witnessed.filter(kind=EntryKind.WASTE, clinic=clinics["VAN"]).exists()
    for entry in witnessed:
        assert entry.witness_id is not None and entry.witness_id != entry.actor_id
        assert {entry.actor_username, entry.witness_username} <= DEMO_STAFF
        assert entry.reason
    # Waste of a dose (a spill, the rest of a stopped injection, a dose drawn for a patient who
    # left): the nurse at the station records it, the pharmacist witnesses, against that dose.
    of_a_dose = witnessed.filter(kind=EntryKind.WASTE, returns_entry__isnull=False)
    assert of_a_dose.filter(clinic=zurich).count() >= 3
    station = set(
        SessionException.objects.exclude(waste_entry=None).values_list("waste_entry", flat=True)
    ) | set(
        Administration.objects.exclude(remainder_entry=None).values_list(
            "remainder_entry", flat=True
        )
    )
    for wasted in of_a_dose:
        assert wasted.pk in station
        assert wasted.patient_id == wasted.returns_entry.patient_id is not None
        assert (wasted.actor_username, wasted.witness_username) == ("demo-nurse", "demo-pharmacist")


def test_zrh_has_exactly_one_open_discrepancy_and_one_closed_with_an_adjustment(clinics):
    zurich, canada = clinics["ZRH"], clinics["VAN"]
    opened = open_discrepancies(zurich)
    assert len(opened) == 1
    shortfall = opened[0]
    assert Decimal(-500) <= shortfall.difference_mg < 0  # a small shortfall
    last_count = StockCount.objects.filter(clinic=zurich, location=shortfall.location).first()
    assert shortfall.count_line.count == last_count  # found at the latest count
    closure = DiscrepancyClosure.objects.get(discrepancy__clinic=zurich)
    assert len(closure.investigation_note) >= 10
    adjustment = closure.adjustment
    assert adjustment is not None and adjustment.kind == EntryKind.ADJUSTMENT
    assert adjustment.quantity_mg == closure.discrepancy.difference_mg
    assert adjustment.witness_username == "demo-nurse"
    assert adjustment.actor_username == "demo-pharmacist"
    assert Discrepancy.objects.filter(clinic=zurich).count() == 2
    assert not Discrepancy.objects.filter(clinic=canada).exists()
    # Every other count line matched the ledger.
    lines = CountLine.objects.filter(count__clinic__in=[zurich, canada])
    assert lines.exclude(difference_mg=0).count() == 2


def test_the_ledger_verifies_intact_and_no_balance_is_negative(clinics):
    report = verify_ledger()
    assert report.intact, report.breaks
    assert report.entries_checked == LedgerEntry.objects.count() > 500
    assert StockBalance.objects.aggregate(low=Min("balance_mg"))["low"] >= 0
    assert LedgerEntry.objects.aggregate(low=Min("balance_mg"))["low"] >= 0
    assert LedgerEntry.objects.aggregate(low=Min("product_balance_mg"))["low"] >= 0


def test_alerts_show_an_expiring_lot_low_stock_and_the_open_discrepancy(clinics):
    for clinic in clinics.values():
        found = {alert.kind for alert in alerts(clinic)}
        assert {"lot_expiring", "low_stock"} <= found, (clinic.code, found)
        assert "lot_expired" not in found
    zurich = {alert.kind: alert for alert in alerts(clinics["ZRH"])}
    assert "open_discrepancy" in zurich
    assert "open_discrepancy" not in {alert.kind for alert in alerts(clinics["VAN"])}
    # The expiring lot is a supplier's lot, not only a solution batch near its in-use expiry.
    assert any(
        alert.kind == "lot_expiring" and "Methadone" in alert.message
        for alert in alerts(clinics["ZRH"])
    )


def test_a_second_load_adds_no_ledger_entries_or_counts(clinics):
    before = (
        LedgerEntry.objects.count(),
        StockCount.objects.count(),
        Lot.objects.count(),
        AuditEvent.objects.count(),
    )
    again = load_demo_clinic()
    assert not again.created
    assert (
        LedgerEntry.objects.count(),
        StockCount.objects.count(),
        Lot.objects.count(),
        AuditEvent.objects.count(),
    ) == before
