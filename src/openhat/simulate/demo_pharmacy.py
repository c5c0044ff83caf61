"""The demo clinics' controlled-substance pharmacy: about four weeks of stock history.

Everything goes through the pharmacy services (receive, transfer, reconstitute, issue, return,
waste, expiry removal, destruction, counts, discrepancies), each call wrapped in
`clock.backdated(moment)` so the ledger reads as four weeks written in order, ending yesterday
evening. Nothing writes a pharmacy model directly, so the ledger's hash chain, running balances
and audit events are exactly what real use would leave, and `openhat ledger verify` checks them.

What a clinic gets:
- the usual formulary (`set_up_formulary`), plus 100 mg SROM capsules where an order needs them;
- deliveries into the safe with supplier, lot number, expiry and delivery-note number (ZRH: DAM
  10,000 mg vials and 200 mg tablets, methadone, SROM; VAN: hydromorphone 50 mg/mL, methadone,
  SROM and a few DAM vials), sized from the clinic's own orders;
- transfers from the safe to the dosing room when the room runs low;
- ZRH: DAM vials reconstituted in the dosing room whenever the solution runs out (every two or
  three days; each batch carries its in-use expiry);
- for each enrolled patient, one entry per product and day with that day's total, drawn roughly
  as the orders prescribe (attendance ~90% of days, 2.65 sessions on an attended day, CLINIC.md
  §9), with patient and a `demo YYYY-MM-DD ...` dose reference; the dosing station writes real
  sessions later. VAN's one DAM patient has no entries: one patient cannot use a 10,000 mg vial
  within its in-use time, and the demo does not make a waste of it;
- a few witnessed wastes (a dropped syringe, a spilled methadone cup, the rest of a dose whose
  injection was stopped, recorded against that dose), one dose returned unopened;
- a day-end count of the dosing room every second day and of the safe every fourth, matching,
  except (ZRH) one earlier count a capsule short, closed with an investigation note and a
  witnessed adjustment, and yesterday's count, a little DAM solution short: the one open
  discrepancy to investigate;
- ZRH: DAM solution past its in-use expiry with some left (small remainders, and a batch left
  part-used by a handover mix-up) goes to quarantine at day end and is destroyed, witnessed, the
  next morning;
- alerts: a lot expiring within 30 days and a product below its reorder level in each clinic.

The pharmacist receives, transfers, reconstitutes, counts and records waste from stock; the
nurse issues doses, returns them and records waste of a dose; witnesses are other demo staff. The
in-use time of the reconstituted solution (72 hours) is this demo's setup choice, not a claim
about any product.

Size: about 600 ledger entries in ZRH and 250 in VAN, most of them the daily doses; they are
what the load spends its extra seconds on (HISTORY_DAYS is the knob). Idempotent: a demo clinic
that already has pharmacy locations is left alone; one loaded before the pharmacy existed gets
its history on the next run.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.models import (
    CountOccasion,
    Discrepancy,
    LedgerEntry,
    Location,
    Lot,
    Product,
    ProductKind,
    StockCount,
)
from openhat.pharmacy.services import (
    CountedLot,
    Movement,
    close_discrepancy,
    destroy_stock,
    issue_dose,
    receive_stock,
    reconstitute,
    record_count,
    record_waste,
    remove_expired,
    return_dose,
    transfer_stock,
)
from openhat.pharmacy.services.catalogue import create_product, set_reorder_level
from openhat.prescribing.services.queries import orders_for_checks
from openhat.rules.context import Order

HISTORY_DAYS = 28
SOLUTION_IN_USE_HOURS = 72  # the demo's setup choice (see the module docstring)
# Day-end counts: the dosing room every second day, the safe every fourth, both on the last day.
ROOM_COUNT_EVERY = 2
SAFE_COUNT_EVERY = 4
ZERO = Decimal("0")

# Attendance (CLINIC.md §9, SALOME derived): ~90% of days attended, 2.65 injections on an
# attended day (3 sessions 70%, 2 sessions 25%, 1 session 5%).
ABSENT_SHARE = 0.1
SESSION_WEIGHTS = ((3, 0.70), (2, 0.25), (1, 0.05))
ORAL_TAKEN_SHARE = 0.95

# Where a dose of each drug is drawn from; SROM doses that are not whole 200 mg capsules come
# from 100 mg capsules.
DRUG_PRODUCT = {"dam": "dam_solution", "hdm": "hdm", "methadone": "methadone", "srom": "srom"}
SROM_SMALL = "srom_100"

# Pack sizes (in the product's count unit) deliveries and transfers are rounded up to.
PACK = {
    "dam_vial": 1,
    "dam_tablet": 50,
    "hdm": 50,  # mL (50 mL vials)
    "methadone": 500,  # mL (bottles)
    "srom": 50,
    SROM_SMALL: 50,
}
TRANSFER_DAYS = 5  # the dosing room is topped up with about this many days' use
SESSION_TIMES = {"injectable": time(12, 0), "oral": time(18, 30)}


@dataclass(frozen=True)
class LotPlan:
    """A delivery: on history day `day`, lot `lot_number`, expiring `expires_in` days after the
    load day. Its amount is `share` of the product's planned total (the history's use and the
    stock left at the end), at least `amount` in count units."""

    day: int
    lot_number: str
    expires_in: int
    document: str
    share: float = 1.0
    amount: int | None = None


@dataclass(frozen=True)
class ProductPlan:
    key: str  # the formulary attribute (or SROM_SMALL)
    supplier: str
    lots: tuple[LotPlan, ...]
    # Stock left at the end, in days of use; and the reorder level, in days of use. The product
    # meant to show the low-stock alert ends below its level.
    end_days: float = 21
    reorder_days: float | None = 7


@dataclass(frozen=True)
class ClinicPlan:
    seed: int
    reconstitutes: bool  # ZRH: DAM vials are reconstituted and DAM doses issued
    products: tuple[ProductPlan, ...]
    scenario: str  # "zrh" or "van": which one-off events the history holds


ZRH_DAM_SUPPLIER = "Diacetylmorphine supplier (synthetic)"
ZRH_WHOLESALER = "Pharmacy wholesaler Zurich (synthetic)"
VAN_HDM_SUPPLIER = "Hydromorphone distributor (synthetic)"
VAN_WHOLESALER = "Pharmacy wholesaler Vancouver (synthetic)"
VAN_DAM_SUPPLIER = "Diacetylmorphine importer (synthetic)"

PLANS: dict[str, ClinicPlan] = {
    "ZRH": ClinicPlan(
        seed=2026112201,
        reconstitutes=True,
        scenario="zrh",
        products=(
            ProductPlan(
                "dam_vial",
                ZRH_DAM_SUPPLIER,
                (
                    LotPlan(0, "DM26-0417", 420, "LS-2026-0311", share=0.55),
                    LotPlan(14, "DM26-0522", 560, "LS-2026-0342", share=0.45),
                ),
                end_days=28,
                reorder_days=None,  # the formulary's 10 vials
            ),
            ProductPlan(
                "dam_tablet",
                ZRH_DAM_SUPPLIER,
                (LotPlan(3, "DT26-0108", 700, "LS-2026-0318", amount=100),),
                reorder_days=None,
            ),
            ProductPlan(
                "methadone",
                ZRH_WHOLESALER,
                # The month's methadone came in one lot that expires soon: the alert.
                (LotPlan(0, "MTH-5512", 19, "WS-88231", amount=1000),),
            ),
            ProductPlan(
                "srom",
                ZRH_WHOLESALER,
                (
                    LotPlan(0, "SRM-2231", 300, "WS-88231", share=0.6),
                    LotPlan(15, "SRM-2307", 330, "WS-88564", share=0.4),
                ),
                end_days=6,
                reorder_days=14,  # below it at the end: the low-stock alert
            ),
            ProductPlan(
                SROM_SMALL,
                ZRH_WHOLESALER,
                (LotPlan(0, "SRM1-0912", 280, "WS-88231"),),
            ),
        ),
    ),
    "VAN": ClinicPlan(
        seed=2026112202,
        reconstitutes=False,
        scenario="van",
        products=(
            ProductPlan(
                "hdm",
                VAN_HDM_SUPPLIER,
                (
                    LotPlan(0, "HM50-7741", 270, "PS-104552", share=0.55),
                    LotPlan(13, "HM50-7790", 300, "PS-104689", share=0.45),
                ),
                end_days=5,
                reorder_days=14,  # below it at the end: the low-stock alert (order placed)
            ),
            ProductPlan(
                "methadone",
                VAN_WHOLESALER,
                (LotPlan(0, "MET-30218", 330, "PS-104552"),),
            ),
            ProductPlan(
                "srom",
                VAN_WHOLESALER,
                # Short-dated: the expiring-lot alert.
                (LotPlan(0, "KSR-5520", 24, "PS-104552", amount=100),),
                reorder_days=None,
            ),
            ProductPlan(
                "dam_vial",
                VAN_DAM_SUPPLIER,
                (LotPlan(9, "DM26-0431", 450, "PS-104617", amount=3),),
                reorder_days=None,  # set to two vials below
            ),
        ),
    ),
}
VAN_DAM_VIAL_REORDER_MG = Decimal("20000")


@dataclass
class Dose:
    """One patient's total of one product on one day (or one evening dose)."""

    day: int
    patient: Patient
    product: str
    mg: Decimal
    oral: bool
    reference: str
    session_mg: Decimal  # one session's dose (for the one-off events)


def pharmacy_missing(clinic: Clinic) -> bool:
    """A demo clinic without pharmacy locations yet (one loaded before the pharmacy existed)."""
    return clinic.code in PLANS and not Location.objects.filter(clinic=clinic).exists()


def load_demo_pharmacy(clinic: Clinic, staff: dict[str, User]) -> bool:
    """Give a demo clinic its pharmacy and four weeks of stock history; False if it has one."""
    if not pharmacy_missing(clinic):
        return False
    plan = PLANS[clinic.code]
    _History(clinic, staff, plan).run()
    return True


# ---------------------------------------------------------------------------------------------
# The doses the enrolled patients take, from their orders.


def _session_count(rng: random.Random) -> int:
    if rng.random() < ABSENT_SHARE:
        return 0
    roll, total = rng.random(), 0.0
    for sessions, weight in SESSION_WEIGHTS:
        total += weight
        if roll < total:
            return sessions
    return SESSION_WEIGHTS[0][0]


def _round5(value: float) -> Decimal:
    return Decimal(max(5, round(value / 5) * 5))


def _in_force(order: Order, moment: datetime) -> bool:
    return order.starts_at <= moment and (order.ends_at is None or moment < order.ends_at)


def dose_schedule(
    clinic: Clinic, first_day: date, days: int, rng: random.Random, *, dam: bool
) -> list[Dose]:
    """Each enrolled patient's daily totals over the history, as their orders in force allow."""
    zone = clinic.zone
    doses: list[Dose] = []
    patients = Patient.objects.filter(clinic=clinic, status=PatientStatus.ENROLLED).order_by(
        "number"
    )
    for patient in patients:
        orders = [order for order in orders_for_checks(patient) if not order.suspended]
        usual = {order.order_id: (order.dose_min_mg + order.dose_max_mg) / 2 for order in orders}
        for index in range(days):
            day = first_day + timedelta(days=index)
            sessions = _session_count(rng)
            for order in orders:
                drug = str(order.drug)
                oral = drug in ("methadone", "srom")
                moment = datetime.combine(
                    day, SESSION_TIMES["oral" if oral else "injectable"], tzinfo=zone
                )
                if drug not in DRUG_PRODUCT or not _in_force(order, moment):
                    continue
                if drug == "dam" and not dam:
                    continue
                if oral:
                    taken = sessions > 0 or len(orders) == 1
                    if not taken or rng.random() > ORAL_TAKEN_SHARE:
                        continue
                    mg = order.dose_min_mg
                    product = DRUG_PRODUCT[drug]
                    if drug == "srom" and mg % 200:
                        product = SROM_SMALL
                    doses.append(
                        Dose(index, patient, product, mg, True, f"demo {day:%Y-%m-%d} evening", mg)
                    )
                    continue
                if sessions == 0:
                    continue
                if order.phase == "titration":
                    # Up from the label's first doses, a step a day, within the range.
                    started = (moment - order.starts_at).days
                    session = min(order.dose_max_mg, _round5(30 + 20 * started))
                else:
                    wobble = rng.choice((-10, -5, 0, 0, 0, 5, 10))
                    session = _round5(float(usual[order.order_id]) + wobble)
                    session = min(max(session, order.dose_min_mg), order.dose_max_mg)
                mg = min(order.daily_max_mg, session * sessions)
                plural = "s" if sessions > 1 else ""
                doses.append(
                    Dose(
                        index,
                        patient,
                        DRUG_PRODUCT[drug],
                        mg,
                        False,
                        f"demo {day:%Y-%m-%d} {sessions} session{plural}",
                        session,
                    )
                )
    doses.sort(key=lambda dose: (dose.day, dose.oral, dose.patient.number, dose.product))
    return doses


# ---------------------------------------------------------------------------------------------
# Writing the history.


@dataclass
class _Stock:
    """The loader's mirror of the balances, kept from the entries each service returns."""

    held: dict[tuple[int, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lots: dict[int, Lot] = field(default_factory=dict)

    def record(self, movement: Movement) -> Movement:
        for entry in movement.entries:
            self.lots.setdefault(entry.lot_id, entry.lot)
            self.held[(entry.lot_id, entry.location_id)] = entry.balance_mg
        return movement

    def at(self, location: Location, product: Product | None = None) -> list[tuple[Lot, Decimal]]:
        """Lots held at a location (balance above zero), first to expire first."""
        found = [
            (self.lots[lot_id], amount)
            for (lot_id, location_id), amount in self.held.items()
            if location_id == location.pk and amount > 0
        ]
        if product is not None:
            found = [(lot, amount) for lot, amount in found if lot.product_id == product.pk]
        return sorted(found, key=lambda item: _expiry_key(item[0]))


FAR = datetime.max.replace(tzinfo=UTC)


def _expiry_key(lot: Lot) -> tuple[datetime, date, str]:
    return (lot.in_use_expires_at or FAR, lot.expires_on, lot.lot_number)


# Reorder levels are rounded up to whole vials, or to 10 mL or capsules.
LEVEL_ROUNDING = {"dam_vial": 1}
EventHook = Callable[["_History", Dose], None]


def _quantity(product: Product, amount_mg: Decimal) -> tuple[Decimal, str]:
    """An amount as a person would write it: mL for liquids, whole vials or capsules, else mg."""
    if product.mg_per_ml is not None:
        ml = amount_mg / product.mg_per_ml
        if ml == ml.quantize(Decimal("0.001")):
            return _plain(ml), "ml"
    elif product.mg_per_unit is not None and amount_mg % product.mg_per_unit == 0:
        return _plain(amount_mg / product.mg_per_unit), product.count_unit
    return amount_mg, "mg"


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent (100, not 1E+2)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class _History:
    """Four weeks of one clinic's pharmacy, day by day, through the services."""

    def __init__(self, clinic: Clinic, staff: dict[str, User], plan: ClinicPlan) -> None:
        self.clinic = clinic
        self.plan = plan
        self.zone = clinic.zone
        self.pharmacist = staff[Role.PHARMACIST.value]
        self.nurse = staff[Role.NURSE.value]
        self.technician = staff[Role.PHARMACY_TECHNICIAN.value]
        self.today = clinic_today(clinic)
        self.first_day = self.today - timedelta(days=HISTORY_DAYS)
        self.rng = random.Random(plan.seed)
        self.stock = _Stock()
        self.last_moment: datetime | None = None
        self.set_aside: set[int] = set()  # solution lots no longer drawn from
        self.quarantined: dict[int, int] = {}  # lot id -> the day it went to quarantine
        self.products: dict[str, Product] = {}
        self.daily_use: dict[str, Decimal] = {}
        self.pending: list[tuple[int, str, EventHook]] = []  # (from day, product, event)
        self.f: Formulary

    # -- time -----------------------------------------------------------------------------

    def peek(self, day: int, when: time) -> datetime:
        """`when` on history day `day`, or just after the last moment used: the ledger's times
        increase with its positions."""
        wanted = datetime.combine(self.first_day + timedelta(days=day), when, tzinfo=self.zone)
        if self.last_moment is not None and wanted <= self.last_moment:
            wanted = self.last_moment + timedelta(seconds=30)
        return wanted

    @contextmanager
    def at(self, day: int, when: time) -> Iterator[datetime]:
        moment = self.peek(day, when)
        if moment >= timezone.now():
            raise RuntimeError("the demo pharmacy history must end in the past")
        self.last_moment = moment
        with clock.backdated(moment):
            yield moment

    # -- set-up ---------------------------------------------------------------------------

    def run(self) -> None:
        formulary = set_up_formulary(
            actor=self.pharmacist, clinic=self.clinic, solution_in_use_hours=SOLUTION_IN_USE_HOURS
        )
        self.f = formulary
        self.products = {
            "dam_vial": formulary.dam_vial,
            "dam_solution": formulary.dam_solution,
            "dam_tablet": formulary.dam_tablet,
            "hdm": formulary.hdm,
            "methadone": formulary.methadone,
            "srom": formulary.srom,
        }
        doses = dose_schedule(
            self.clinic, self.first_day, HISTORY_DAYS, self.rng, dam=self.plan.reconstitutes
        )
        if any(dose.product == SROM_SMALL for dose in doses):
            self.products[SROM_SMALL] = create_product(
                actor=self.pharmacist,
                clinic=self.clinic,
                kind=ProductKind.SROM_CAPSULE,
                code="srom-100",
                name="Slow-release oral morphine 100 mg capsule",
                strength=Decimal("100"),
            )
        self.daily_use = self._daily_use(doses)
        deliveries = self._deliveries()
        self._reorder_levels()
        self.pending = list(EVENTS.get(self.plan.scenario, ()))
        by_day: dict[int, list[Dose]] = defaultdict(list)
        for dose in doses:
            by_day[dose.day].append(dose)
        for day in range(HISTORY_DAYS):
            self._day(day, by_day[day], deliveries.get(day, []))

    def _daily_use(self, doses: list[Dose]) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for dose in doses:
            totals[dose.product] += dose.mg
        if self.plan.reconstitutes:
            # Vials: the solution's use, plus some for batches that expire part-used.
            totals["dam_vial"] = totals["dam_solution"] * Decimal("1.15")
        return {key: total / HISTORY_DAYS for key, total in totals.items()}

    @staticmethod
    def _per_unit(product: Product) -> Decimal:
        per_unit = product.mg_per_ml or product.mg_per_unit
        assert per_unit is not None
        return per_unit

    def _deliveries(self) -> dict[int, list[tuple[Product, str, LotPlan, int]]]:
        """Each delivery's amount in count units: the history's use plus what is left at the
        end, split between the lots and rounded up to whole packs."""
        planned: dict[int, list[tuple[Product, str, LotPlan, int]]] = defaultdict(list)
        for spec in self.plan.products:
            product = self.products.get(spec.key)
            if product is None:
                continue
            use = self.daily_use.get(spec.key, ZERO)
            needed = use * (HISTORY_DAYS + Decimal(str(spec.end_days)))
            pack = PACK[spec.key]
            for lot in spec.lots:
                share = needed * Decimal(str(lot.share)) / self._per_unit(product)
                units = max(lot.amount or pack, math.ceil(share / pack) * pack)
                planned[lot.day].append((product, spec.supplier, lot, units))
        return planned

    def _reorder_levels(self) -> None:
        for spec in self.plan.products:
            product = self.products.get(spec.key)
            if product is None or spec.reorder_days is None:
                continue
            level = self.daily_use.get(spec.key, ZERO) * Decimal(str(spec.reorder_days))
            step = LEVEL_ROUNDING.get(spec.key, 10) * self._per_unit(product)
            set_reorder_level(
                actor=self.pharmacist,
                clinic=self.clinic,
                product_id=product.pk,
                reorder_level_mg=math.ceil(level / step) * step,
            )
        if self.plan.scenario == "van":
            set_reorder_level(
                actor=self.pharmacist,
                clinic=self.clinic,
                product_id=self.f.dam_vial.pk,
                reorder_level_mg=VAN_DAM_VIAL_REORDER_MG,
            )

    # -- one day --------------------------------------------------------------------------

    def _day(
        self, day: int, doses: list[Dose], deliveries: list[tuple[Product, str, LotPlan, int]]
    ) -> None:
        for product, supplier, lot, units in deliveries:
            with self.at(day, time(7, 30)):
                self.stock.record(
                    receive_stock(
                        actor=self.pharmacist,
                        clinic=self.clinic,
                        product_id=product.pk,
                        location_id=self.f.safe.pk,
                        lot_number=lot.lot_number,
                        supplier=supplier,
                        expires_on=self.today + timedelta(days=lot.expires_in),
                        receipt_document=lot.document,
                        amount=units,
                        unit="ml" if product.is_liquid else product.count_unit,
                    )
                )
        self._destroy_quarantined(day)
        self._top_up_dosing_room(day)
        for dose in doses:
            event = self._event_for(dose)
            if event is not None:
                event(self, dose)
            else:
                self._issue(dose)
        self._day_end(day)

    def _event_for(self, dose: Dose) -> EventHook | None:
        """The one-off event due for this dose: the first pending one for its product whose day
        has come."""
        for index, (day, product, event) in enumerate(self.pending):
            if day <= dose.day and product == dose.product:
                del self.pending[index]
                return event
        return None

    def _top_up_dosing_room(self, day: int) -> None:
        """07:40: what the dosing room holds too little of comes from the safe, the first lot to
        expire first."""
        for key, product in self.products.items():
            use = self.daily_use.get(key, ZERO)
            if key == "dam_solution" or not use:
                continue
            in_room = sum((held for _, held in self.stock.at(self.f.dosing_room, product)), ZERO)
            per_unit = self._per_unit(product)
            if key == "dam_vial":
                # Two vials in the room cover the next reconstitutions.
                if in_room >= 2 * per_unit:
                    continue
                wanted = 4 * per_unit - in_room
            else:
                if in_room >= use * 2:
                    continue
                pack_mg = PACK[key] * per_unit
                wanted = max(pack_mg, math.ceil(use * TRANSFER_DAYS / pack_mg) * pack_mg)
            self._transfer(day, product, wanted, time(7, 40))

    def _transfer(self, day: int, product: Product, wanted: Decimal, when: time) -> None:
        for lot, held in self.stock.at(self.f.safe, product):
            if wanted <= 0:
                break
            amount, unit = _quantity(product, min(held, wanted))
            with self.at(day, when):
                movement = transfer_stock(
                    actor=self.pharmacist,
                    clinic=self.clinic,
                    lot_id=lot.pk,
                    from_location_id=self.f.safe.pk,
                    to_location_id=self.f.dosing_room.pk,
                    amount=amount,
                    unit=unit,
                    reason="Dosing-room stock for the next days.",
                )
            self.stock.record(movement)
            wanted -= movement.entries[-1].quantity_mg

    # -- drawing doses --------------------------------------------------------------------

    def _when(self, dose: Dose) -> time:
        return SESSION_TIMES["oral" if dose.oral else "injectable"]

    def _usable(self, product: Product, moment: datetime) -> list[tuple[Lot, Decimal]]:
        today = moment.astimezone(self.zone).date()
        return [
            (lot, held)
            for lot, held in self.stock.at(self.f.dosing_room, product)
            if lot.pk not in self.set_aside
            and (lot.in_use_expires_at is None or lot.in_use_expires_at > moment)
            and lot.expires_on >= today
        ]

    def _reconstitute(self, day: int, when: time) -> None:
        vial = self.f.dam_vial
        if not self.stock.at(self.f.dosing_room, vial):
            self._transfer(day, vial, 2 * self._per_unit(vial), when)
        lot, _ = self.stock.at(self.f.dosing_room, vial)[0]
        with self.at(day, when):
            self.stock.record(
                reconstitute(
                    actor=self.pharmacist,
                    clinic=self.clinic,
                    vial_lot_id=lot.pk,
                    location_id=self.f.dosing_room.pk,
                    vials=1,
                )
            )

    def _draw(self, dose: Dose, amount: Decimal) -> list[tuple[Lot, Decimal]]:
        """Where `amount` of the dose's product comes from: the open lots, first to expire first;
        a fresh batch of DAM solution when the open one runs out."""
        product = self.products[dose.product]
        usable = self._usable(product, self.peek(dose.day, self._when(dose)))
        if sum((held for _, held in usable), ZERO) < amount:
            if product.kind != ProductKind.DAM_SOLUTION:
                raise RuntimeError(f"the demo dosing room ran out of {product.code}")
            self._reconstitute(dose.day, self._when(dose))
            usable = self._usable(product, self.peek(dose.day, self._when(dose)))
        parts = []
        for lot, held in usable:
            take = min(held, amount)
            parts.append((lot, take))
            amount -= take
            if amount <= 0:
                break
        return parts

    def _issue(self, dose: Dose, amount: Decimal | None = None) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        for lot, take in self._draw(dose, dose.mg if amount is None else amount):
            with self.at(dose.day, self._when(dose)):
                movement = issue_dose(
                    actor=self.nurse,
                    clinic=self.clinic,
                    lot_id=lot.pk,
                    location_id=self.f.dosing_room.pk,
                    amount=take,
                    unit="mg",
                    patient=dose.patient,
                    dose_reference=dose.reference,
                )
            entries.extend(self.stock.record(movement).entries)
        return entries

    def waste(self, dose: Dose, amount: Decimal, reason: str, witness: User) -> None:
        """Drawn and not given: witnessed waste from the lot it was drawn from (the pharmacist
        records it, a colleague witnesses)."""
        product = self.products[dose.product]
        usable = self._usable(product, self.peek(dose.day, self._when(dose)))
        lots = [lot for lot, held in usable if held >= amount] or [
            lot for lot, _ in self._draw(dose, amount)
        ]
        with self.at(dose.day, self._when(dose)):
            self.stock.record(
                record_waste(
                    actor=self.pharmacist,
                    clinic=self.clinic,
                    lot_id=lots[0].pk,
                    location_id=self.f.dosing_room.pk,
                    amount=amount,
                    unit="mg",
                    reason=reason,
                    witness=witness,
                )
            )

    # -- day end --------------------------------------------------------------------------

    def _day_end(self, day: int) -> None:
        """20:15 expired solution to quarantine; 20:30 the dosing room's count, 20:50 the
        safe's (every few days and on the last day)."""
        moment = self.peek(day, time(20, 15))
        for lot, _ in self.stock.at(self.f.dosing_room, self.f.dam_solution):
            if lot.in_use_expires_at is None or lot.in_use_expires_at > moment:
                continue
            with self.at(day, time(20, 15)):
                self.stock.record(
                    remove_expired(
                        actor=self.pharmacist,
                        clinic=self.clinic,
                        lot_id=lot.pk,
                        location_id=self.f.dosing_room.pk,
                        quarantine_id=self.f.quarantine.pk,
                    )
                )
            self.quarantined[lot.pk] = day
        last = day == HISTORY_DAYS - 1
        short: tuple[Lot, Decimal] | None = None
        if self.plan.scenario == "zrh" and day == CAPSULE_SHORT_DAY:
            short = self._short(self.f.srom, Decimal("200"))
        elif self.plan.scenario == "zrh" and last:
            # Yesterday's count: a little DAM solution short, left open to investigate.
            short = self._short(self.f.dam_solution, Decimal("120")) or self._short(
                self.f.methadone, Decimal("30")
            )
        if short is not None or last or day % ROOM_COUNT_EVERY == ROOM_COUNT_EVERY - 1:
            count = self._count(day, self.f.dosing_room, time(20, 30), short)
            if count is not None and short is not None and not last:
                self._close_capsule_discrepancy(day, count)
        if last or day % SAFE_COUNT_EVERY == SAFE_COUNT_EVERY - 1:
            self._count(day, self.f.safe, time(20, 50), None)

    def _short(self, product: Product, amount: Decimal) -> tuple[Lot, Decimal] | None:
        for lot, held in self.stock.at(self.f.dosing_room, product):
            if held >= amount * 5 and lot.pk not in self.set_aside:
                return lot, amount
        return None

    def _count(
        self, day: int, location: Location, when: time, short: tuple[Lot, Decimal] | None
    ) -> StockCount | None:
        lines = []
        for lot, held in self.stock.at(location):
            counted = held - short[1] if short is not None and short[0].pk == lot.pk else held
            amount, unit = _quantity(lot.product, counted)
            lines.append(CountedLot(lot.pk, amount, unit))
        if not lines:
            return None
        with self.at(day, when):
            return record_count(
                actor=self.pharmacist,
                clinic=self.clinic,
                location_id=location.pk,
                occasion=CountOccasion.DAY_END,
                lines=lines,
                note=f"Day-end count of the {location.name.lower()} with the evening nurse.",
            )

    def _close_capsule_discrepancy(self, day: int, count: StockCount) -> None:
        discrepancy = Discrepancy.objects.filter(count_line__count=count).first()
        if discrepancy is None:
            return
        with self.at(day + 1, time(9, 15)):
            closure = close_discrepancy(
                actor=self.pharmacist,
                clinic=self.clinic,
                discrepancy_id=discrepancy.pk,
                investigation_note=(
                    "One capsule was found crushed on the dosing-room floor under the counter: "
                    "dropped at the evening session and thrown away without a witness. Written "
                    "off with a witness; the team was reminded that every loss is recorded as "
                    "witnessed waste."
                ),
                adjust=True,
                witness=self.nurse,
            )
        adjustment = closure.adjustment
        assert adjustment is not None
        self.stock.held[(adjustment.lot_id, adjustment.location_id)] = adjustment.balance_mg

    def _destroy_quarantined(self, day: int) -> None:
        """10:00: what went to quarantine on an earlier day is destroyed, witnessed."""
        for lot, held in self.stock.at(self.f.quarantine):
            if self.quarantined.get(lot.pk, day) >= day:
                continue
            amount, unit = _quantity(lot.product, held)
            with self.at(day, time(10, 0)):
                self.stock.record(
                    destroy_stock(
                        actor=self.pharmacist,
                        clinic=self.clinic,
                        lot_id=lot.pk,
                        location_id=self.f.quarantine.pk,
                        amount=amount,
                        unit=unit,
                        reason=f"{lot.product.name} {lot.lot_number} past its in-use expiry: "
                        "denatured and sent for incineration.",
                        witness=self.nurse,
                    )
                )


# ---------------------------------------------------------------------------------------------
# The one-off events: each replaces one patient's ordinary dose, on its day or the next day
# that patient's product is dosed.


def _dropped_syringe(history: _History, dose: Dose) -> None:
    product = history.products[dose.product]
    history.waste(
        dose,
        dose.session_mg,
        f"{product.name}: the syringe drawn for {dose.patient.client_code} "
        f"({dose.session_mg.normalize():f} mg) was dropped before the injection and discarded; "
        "the dose was drawn again.",
        history.nurse,
    )
    history._issue(dose)


def _dose_stopped_halfway(history: _History, dose: Dose) -> None:
    """The day's doses were drawn, but one injection was stopped partway: the nurse records the
    rest as waste of that dose, the pharmacist witnesses."""
    given = _round5(float(dose.session_mg) * 0.4)
    left = dose.session_mg - given
    issued = [entry for entry in history._issue(dose) if -entry.quantity_mg >= left]
    with history.at(dose.day, time(12, 45)):
        history.stock.record(
            record_waste(
                actor=history.nurse,
                clinic=history.clinic,
                lot_id=issued[-1].lot_id,
                location_id=issued[-1].location_id,
                amount=left,
                unit="mg",
                reason=f"One session: {given.normalize():f} of {dose.session_mg.normalize():f} mg "
                f"injected, then stopped (poor venous access); the remaining "
                f"{left.normalize():f} mg discarded.",
                witness=history.pharmacist,
                issued_entry_id=issued[-1].pk,
            )
        )


def _spilled_cup(history: _History, dose: Dose) -> None:
    history.waste(
        dose,
        dose.mg,
        f"Methadone cup for {dose.patient.client_code} ({dose.mg.normalize():f} mg) knocked "
        "over before it was taken; a new dose was measured.",
        history.technician,
    )
    history._issue(dose)


def _dose_returned(history: _History, dose: Dose) -> None:
    issued = history._issue(dose)[0]
    with history.at(dose.day, time(19, 45)):
        history.stock.record(
            return_dose(
                actor=history.nurse,
                clinic=history.clinic,
                issued_entry_id=issued.pk,
                amount=-issued.quantity_mg,
                unit="mg",
                reason="Capsules set out for the evening dose; the patient left before taking "
                "them. Returned unopened in their blister.",
            )
        )


def _fresh_batch_by_mistake(history: _History, dose: Dose) -> None:
    """At midday a new vial is reconstituted although the open batch still holds solution (a
    handover mix-up); the open batch is not drawn from again, passes its in-use expiry and goes
    to quarantine and destruction."""
    solution = history.products["dam_solution"]
    open_lots = history._usable(solution, history.peek(dose.day, time(11, 50)))
    if open_lots:
        history.set_aside.add(open_lots[0][0].pk)
        history._reconstitute(dose.day, time(11, 50))
    history._issue(dose)


CAPSULE_SHORT_DAY = 11  # ZRH: a day-end count one SROM capsule short, closed the next morning
EVENTS: dict[str, tuple[tuple[int, str, EventHook], ...]] = {
    "zrh": (
        (5, "dam_solution", _dropped_syringe),
        (8, "dam_solution", _fresh_batch_by_mistake),
        (17, "dam_solution", _dose_stopped_halfway),
        (19, "srom", _dose_returned),
        (22, "methadone", _spilled_cup),
    ),
    "van": ((12, "hdm", _dropped_syringe),),
}
