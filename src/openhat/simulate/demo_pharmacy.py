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
- every dose issued for a patient comes from the dosing station: the `DoseSource` (demo_dosing)
  runs each window's sessions through the station's services, which draw each dose from a
  dosing-room lot chosen here (`lot_for`, a fresh DAM batch when the open one runs short) and
  record spills, partial doses and doses drawn and not given as witnessed waste of that dose. The
  deliveries are sized from the source's plan. VAN's one DAM patient gets no doses: one patient
  cannot use a 10,000 mg vial within its in-use time, and the demo does not make a waste of it;
- a day-end count of the dosing room every second day and of the safe every fourth, matching,
  except (ZRH) one earlier count a capsule short, closed with an investigation note and a
  witnessed adjustment, and yesterday's count, a little DAM solution short: the one open
  discrepancy to investigate;
- ZRH: DAM solution past its in-use expiry with some left (small remainders, and a batch left
  part-used by a handover mix-up) goes to quarantine at day end and is destroyed, witnessed, the
  next morning;
- alerts: a lot expiring within 30 days and a product below its reorder level in each clinic.

The pharmacist receives, transfers, reconstitutes, counts and records waste from stock; the
station's nurse draws and gives the doses; witnesses are other demo staff. The
in-use time of the reconstituted solution (72 hours) is this demo's setup choice, not a claim
about any product.

Size: a few hundred pharmacy entries per clinic besides the doses the station issues (about one
per session); HISTORY_DAYS is the knob for both. Idempotent: a demo clinic
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
from typing import Protocol

from django.contrib.auth.models import User
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.patients.models import Patient
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
    receive_stock,
    reconstitute,
    record_count,
    remove_expired,
    transfer_stock,
)
from openhat.pharmacy.services.catalogue import create_product, set_reorder_level

HISTORY_DAYS = 28
# (days done, days in all with today, what is being loaded)
DayProgress = Callable[[int, int, str], None]
PLAN_DAYS = 28  # the delivery days below are for a history this long; others scale them
SOLUTION_IN_USE_HOURS = 72  # the demo's setup choice (see the module docstring)
# Day-end counts: the dosing room every second day, the safe every fourth, both on the last day.
ROOM_COUNT_EVERY = 2
SAFE_COUNT_EVERY = 4
ZERO = Decimal("0")

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
WINDOWS = ("morning", "midday", "evening")


@dataclass(frozen=True)
class LotPlan:
    """A delivery: on history day `day` (of PLAN_DAYS; the same share of a shorter or longer
    history), lot `lot_number`, expiring `expires_in` days after the load day. Its amount is `share` of the product's planned total (the history's use and the
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


@dataclass(frozen=True)
class Dose:
    """A patient's planned total of one product on one history day (what deliveries are sized
    from; the station gives at most this)."""

    day: int
    patient: Patient
    product: str  # a DRUG_PRODUCT value or SROM_SMALL
    mg: Decimal


class DoseSource(Protocol):
    """Who gives the demo's doses: demo_dosing, through the dosing station's services. The pharmacy
    sizes its deliveries from `planned`, hands each window of each history day to `window` (the
    pharmacy's morning work done, its day end to follow), and then today to `today`."""

    def planned(self, pharmacy: PharmacyHistory) -> list[Dose]: ...

    def window(self, pharmacy: PharmacyHistory, day: int, window: str) -> None: ...

    def today(self, pharmacy: PharmacyHistory) -> None: ...


def pharmacy_missing(clinic: Clinic) -> bool:
    """A demo clinic without pharmacy locations yet (one loaded before the pharmacy existed)."""
    return clinic.code in PLANS and not Location.objects.filter(clinic=clinic).exists()


def load_demo_pharmacy(
    clinic: Clinic, staff: dict[str, User], source: DoseSource, progress: DayProgress | None = None
) -> bool:
    """Give a demo clinic its pharmacy and four weeks of stock history, its doses given by
    `source`; False if it has one."""
    if not pharmacy_missing(clinic):
        return False
    plan = PLANS[clinic.code]
    PharmacyHistory(clinic, staff, plan, source, progress).run()
    return True


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


class PharmacyHistory:
    """Four weeks of one clinic's pharmacy, day by day, through the services; the doses are the
    `source`'s (the dosing station's sessions), window by window."""

    def __init__(
        self,
        clinic: Clinic,
        staff: dict[str, User],
        plan: ClinicPlan,
        source: DoseSource,
        progress: DayProgress | None = None,
    ) -> None:
        self.clinic = clinic
        self.progress = progress
        self.plan = plan
        self.source = source
        self.zone = clinic.zone
        self.pharmacist = staff[Role.PHARMACIST.value]
        self.nurse = staff[Role.NURSE.value]
        self.technician = staff[Role.PHARMACY_TECHNICIAN.value]
        self.today = clinic_today(clinic)
        self.days = HISTORY_DAYS
        self.first_day = self.today - timedelta(days=HISTORY_DAYS)
        self.rng = random.Random(plan.seed)
        self.stock = _Stock()
        self.last_moment: datetime | None = None
        self.set_aside: set[int] = set()  # solution lots no longer drawn from
        self.quarantined: dict[int, int] = {}  # lot id -> the day it went to quarantine
        self.products: dict[str, Product] = {}
        self.daily_use: dict[str, Decimal] = {}
        self.f: Formulary

    # -- time -----------------------------------------------------------------------------

    def moment(self, day: int, when: time) -> datetime:
        """`when` on history day `day` (day HISTORY_DAYS is today)."""
        return datetime.combine(self.first_day + timedelta(days=day), when, tzinfo=self.zone)

    def after(self, wanted: datetime) -> datetime:
        """`wanted`, or just after the last moment used: the ledger's times increase with its
        positions."""
        if self.last_moment is not None and wanted <= self.last_moment:
            wanted = self.last_moment + timedelta(seconds=30)
        return wanted

    def peek(self, day: int, when: time) -> datetime:
        return self.after(self.moment(day, when))

    @contextmanager
    def stamped(self, wanted: datetime) -> Iterator[datetime]:
        """The services' clock at `wanted` (or just after the last ledger moment) for one write
        to the ledger; never now or later."""
        moment = self.after(wanted)
        if moment >= timezone.now():
            raise RuntimeError("the demo pharmacy history must end in the past")
        self.last_moment = moment
        with clock.backdated(moment):
            yield moment

    @contextmanager
    def at(self, day: int, when: time) -> Iterator[datetime]:
        with self.stamped(self.moment(day, when)) as moment:
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
        doses = self.source.planned(self)
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
        for day in range(HISTORY_DAYS):
            self._report(
                day, f"{self.clinic.code}: stock and doses, day {day + 1} of {HISTORY_DAYS}"
            )
            self._day(day, deliveries.get(day, []))
        self._report(HISTORY_DAYS, f"{self.clinic.code}: today at the station")
        self.source.today(self)
        self._report(HISTORY_DAYS + 1, f"{self.clinic.code}: loaded")

    def _report(self, done: int, stage: str) -> None:
        if self.progress is not None:
            self.progress(done, HISTORY_DAYS + 1, stage)

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
                day = round(lot.day * HISTORY_DAYS / PLAN_DAYS)
                planned[day].append((product, spec.supplier, lot, units))
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

    def _day(self, day: int, deliveries: list[tuple[Product, str, LotPlan, int]]) -> None:
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
        for window in WINDOWS:
            for event_day, event_window, event in EVENTS.get(self.plan.scenario, ()):
                if (event_day, event_window) == (day, window):
                    event(self, day)
            self.source.window(self, day, window)
        self._day_end(day)

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
            self._transfer(product, wanted, self.moment(day, time(7, 40)))

    def _transfer(self, product: Product, wanted: Decimal, moment: datetime) -> None:
        for lot, held in self.stock.at(self.f.safe, product):
            if wanted <= 0:
                break
            amount, unit = _quantity(product, min(held, wanted))
            with self.stamped(moment):
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

    # -- the lots the station draws doses from -------------------------------------------

    def _usable(self, product: Product, moment: datetime) -> list[tuple[Lot, Decimal]]:
        today = moment.astimezone(self.zone).date()
        return [
            (lot, held)
            for lot, held in self.stock.at(self.f.dosing_room, product)
            if lot.pk not in self.set_aside
            and (lot.in_use_expires_at is None or lot.in_use_expires_at > moment)
            and lot.expires_on >= today
        ]

    def _reconstitute(self, moment: datetime) -> None:
        vial = self.f.dam_vial
        if not self.stock.at(self.f.dosing_room, vial):
            self._transfer(vial, 2 * self._per_unit(vial), moment)
        lot, _ = self.stock.at(self.f.dosing_room, vial)[0]
        with self.stamped(moment):
            self.stock.record(
                reconstitute(
                    actor=self.pharmacist,
                    clinic=self.clinic,
                    vial_lot_id=lot.pk,
                    location_id=self.f.dosing_room.pk,
                    vials=1,
                )
            )

    def stock_for_check_in(self, product_key: str, wanted: datetime) -> None:
        """The station refuses a check-in while the dosing room holds no usable stock of the
        patient's drug, so when the DAM solution has run out or passed its in-use time, a fresh
        batch is reconstituted just before the patient arrives."""
        product = self.products[product_key]
        if product.kind != ProductKind.DAM_SOLUTION:
            return
        moment = self.after(wanted - timedelta(minutes=2))
        # Usable at the check-in itself: a batch whose in-use time ends between the two minutes
        # before and the check-in was taken as usable, and the station refused the check-in.
        if not self._usable(product, max(moment, wanted)):
            self._reconstitute(moment)

    def lot_for(self, product_key: str, amount: Decimal, wanted: datetime) -> Lot:
        """The dosing-room lot a dose of `amount` mg is drawn from at `wanted`: the first to
        expire among those holding enough; for DAM, a fresh batch reconstituted just before when
        the open one runs short (its rest expires in the room and is destroyed)."""
        product = self.products[product_key]
        for lot, held in self._usable(product, self.after(wanted)):
            if held >= amount:
                return lot
        if product.kind != ProductKind.DAM_SOLUTION:
            raise RuntimeError(f"the demo dosing room ran out of {product.code}")
        self._reconstitute(wanted - timedelta(minutes=2))
        lot, _ = self._usable(product, self.after(wanted))[-1]
        return lot

    def drawn(self, entry: LedgerEntry) -> None:
        """Keep the balances in step with an entry the station wrote (a dose drawn, its rest
        returned or wasted)."""
        self.stock.lots.setdefault(entry.lot_id, entry.lot)
        self.stock.held[(entry.lot_id, entry.location_id)] = entry.balance_mg

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
        """07:35, before the morning session: what went to quarantine on an earlier day is
        destroyed, witnessed."""
        for lot, held in self.stock.at(self.f.quarantine):
            if self.quarantined.get(lot.pk, day) >= day:
                continue
            amount, unit = _quantity(lot.product, held)
            with self.at(day, time(7, 35)):
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
# The one-off events of the pharmacy itself (those of a dose are the station's: demo_dosing).


def _fresh_batch_by_mistake(history: PharmacyHistory, day: int) -> None:
    """Before the midday session a new vial is reconstituted although the open batch still holds
    solution (a handover mix-up); the open batch is not drawn from again, passes its in-use
    expiry and goes to quarantine and destruction."""
    moment = history.moment(day, time(11, 20))
    open_lots = history._usable(history.products["dam_solution"], history.after(moment))
    if open_lots:
        history.set_aside.add(open_lots[0][0].pk)
        history._reconstitute(moment)


CAPSULE_SHORT_DAY = 11  # ZRH: a day-end count one SROM capsule short, closed the next morning
EventHook = Callable[[PharmacyHistory, int], None]
# (history day, the window it comes before, event)
EVENTS: dict[str, tuple[tuple[int, str, EventHook], ...]] = {
    "zrh": ((8, "midday", _fresh_batch_by_mistake),),
}
