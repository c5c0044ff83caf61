"""An order as typed by the physician, and its checks: every bad value gets a stable code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from openhat.core import bounds
from openhat.core.errors import DomainError
from openhat.rules.context import Drug, Order, Phase, SessionWindow
from openhat.rules.errors import ContextError, UnitError
from openhat.rules.prescribing import check_routes
from openhat.rules.units import Quantity, exact_decimal

MAX_TEXT_LENGTH = 2000
MAX_SESSIONS_PER_DAY = 24  # a sanity bound on input only; the preset sets the clinical limit
LARGEST_MG = Decimal("9999999")  # what the database column holds (10 digits, 3 after the point)
MG_PLACES = 3


@dataclass(frozen=True)
class OrderInput:
    """What the physician enters. Amounts are in `dose_unit` (mg, g or mcg; a volume such as mL
    is refused: an order is written in mg). `dose_max` None means a fixed dose of `dose_min`.
    `starts_at` None: now (for a change, the moment the change takes effect)."""

    drug: str
    routes: Sequence[str]
    dose_min: Decimal | int | str
    sessions_per_day: int
    daily_max: Decimal | int | str
    dose_max: Decimal | int | str | None = None
    dose_unit: str = "mg"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    phase: str = Phase.MAINTENANCE.value
    windows: Sequence[str] = field(default_factory=tuple)
    reason: str = ""
    note: str = ""
    # The dose the physician expects most sessions to get, within the range: the station's default.
    usual_dose: Decimal | int | str | None = None


@dataclass(frozen=True)
class CleanOrder:
    drug: Drug
    routes: tuple[str, ...]
    dose_min_mg: Decimal
    dose_max_mg: Decimal
    sessions_per_day: int
    daily_max_mg: Decimal
    starts_at: datetime
    ends_at: datetime | None
    phase: Phase
    windows: tuple[str, ...]
    reason: str
    note: str
    usual_dose_mg: Decimal | None = None

    def engine_order(self, order_id: str) -> Order:
        return Order(
            order_id=order_id,
            drug=self.drug,
            routes=frozenset(self.routes),  # type: ignore[arg-type]  # checked by clean_order
            dose_min_mg=self.dose_min_mg,
            dose_max_mg=self.dose_max_mg,
            sessions_per_day=self.sessions_per_day,
            daily_max_mg=self.daily_max_mg,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            phase=self.phase,
            windows=frozenset(self.windows),  # type: ignore[arg-type]  # checked by clean_order
        )


def _mg(amount: object, unit: str, name: str) -> Decimal:
    if isinstance(amount, str):  # as typed: ASCII digits and a point (openhat/core/bounds.py)
        amount = bounds.typed_number(
            amount, name, code="dose_invalid", message=f"{amount[:40]!r} is not a number."
        )
    try:
        number = exact_decimal(amount, name)
    except ContextError:
        raise DomainError("dose_invalid", f"{amount!r} is not a number.", name) from None
    try:
        mg = Quantity(number, unit).in_mg(name)
    except UnitError as error:
        raise DomainError(
            "dose_unit_invalid", f"Write the dose in mg: {error.problem}.", name
        ) from None
    except ContextError:
        raise DomainError("dose_negative", "A dose cannot be negative.", name) from None
    if mg > LARGEST_MG:
        raise DomainError("dose_too_large", f"{mg} mg is not a plausible amount.", name)
    if mg != mg.quantize(Decimal(1).scaleb(-MG_PLACES)):
        raise DomainError("dose_too_precise", "Give amounts to at most 0.001 mg.", name)
    return mg


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError("datetime_not_aware", "Give a date and time with its time zone.", name)
    return moment


def _text(value: str, name: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise DomainError(
            f"{name}_too_long", f"The {name} has at most {MAX_TEXT_LENGTH} characters.", name
        )
    return text


def clean_order(order: OrderInput, *, now: datetime) -> CleanOrder:
    """The order checked field by field (nothing is saved): DomainError with a code on the first
    problem. The preset's limits are checked separately (rules.prescribing.check_order)."""
    try:
        drug = Drug(order.drug)
    except ValueError:
        known = ", ".join(Drug)
        raise DomainError(
            "drug_unknown", f"Unknown drug {order.drug!r}; known: {known}.", "drug"
        ) from None
    routes = tuple(sorted({str(route).strip().lower() for route in order.routes or ()}))
    if not routes:
        raise DomainError("routes_required", "Choose at least one route.", "routes")
    bad_routes = check_routes(drug, routes)
    if bad_routes:
        raise DomainError("route_not_allowed", bad_routes[0].message, "routes")
    unit = (order.dose_unit or "").strip()
    dose_min = _mg(order.dose_min, unit, "dose_min")
    dose_max = dose_min if order.dose_max in (None, "") else _mg(order.dose_max, unit, "dose_max")
    daily_max = _mg(order.daily_max, unit, "daily_max")
    if dose_min > dose_max:
        raise DomainError(
            "dose_range_inverted",
            f"The range's minimum ({dose_min} mg) is above its maximum ({dose_max} mg).",
            "dose_min",
        )
    if dose_max == 0:
        raise DomainError("dose_not_positive", "The dose must be more than 0 mg.", "dose_max")
    if daily_max == 0:
        raise DomainError(
            "daily_max_not_positive", "The daily maximum must be more than 0 mg.", "daily_max"
        )
    usual = None if order.usual_dose in (None, "") else _mg(order.usual_dose, unit, "usual_dose")
    if usual is not None and not dose_min <= usual <= dose_max:
        raise DomainError(
            "usual_dose_outside_range",
            f"The usual dose ({usual.normalize():f} mg) is outside the order's dose "
            f"({dose_min.normalize():f}-{dose_max.normalize():f} mg).",
            "usual_dose",
        )
    if usual is not None and usual <= 0:
        raise DomainError(
            "dose_not_positive", "The usual dose must be more than 0 mg.", "usual_dose"
        )
    sessions = order.sessions_per_day
    if isinstance(sessions, bool) or not isinstance(sessions, int):
        raise DomainError(
            "sessions_invalid", "Sessions a day is a whole number.", "sessions_per_day"
        )
    if not 1 <= sessions <= MAX_SESSIONS_PER_DAY:
        raise DomainError(
            "sessions_invalid",
            f"Sessions a day is from 1 to {MAX_SESSIONS_PER_DAY}.",
            "sessions_per_day",
        )
    starts_at = now if order.starts_at is None else _aware(order.starts_at, "starts_at")
    ends_at = None if order.ends_at is None else _aware(order.ends_at, "ends_at")
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError("order_ends_before_start", "The order ends before it starts.", "ends_at")
    if ends_at is not None and ends_at <= now:
        raise DomainError("order_already_ended", "The order's end is in the past.", "ends_at")
    try:
        phase = Phase(order.phase)
    except ValueError:
        raise DomainError(
            "phase_unknown", "The phase is titration or maintenance.", "phase"
        ) from None
    windows = tuple(sorted({str(window).strip().lower() for window in order.windows or ()}))
    unknown = [window for window in windows if window not in set(SessionWindow)]
    if unknown:
        raise DomainError(
            "window_unknown",
            f"Unknown session window {unknown[0]!r}; known: morning, midday, evening.",
            "windows",
        )
    return CleanOrder(
        drug=drug,
        routes=routes,
        dose_min_mg=dose_min,
        dose_max_mg=dose_max,
        sessions_per_day=sessions,
        daily_max_mg=daily_max,
        starts_at=starts_at,
        ends_at=ends_at,
        phase=phase,
        windows=windows,
        reason=_text(order.reason, "reason"),
        note=_text(order.note, "note"),
        usual_dose_mg=usual,
    )
