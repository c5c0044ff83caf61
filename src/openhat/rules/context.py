"""What a dosing decision is made from: frozen dataclasses that validate themselves.

Validation happens when an object is built, once, so that `decide()` can run on a year of history
without checking every row again: a DosingHistory is sorted and indexed by local day up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openhat.rules.adverse_events import AdverseEventKind, AdverseEventNote, AdverseEventSeverity
from openhat.rules.catalogue import RULES
from openhat.rules.doses import (
    ALLOWED_ROUTES,
    HAT_DRUGS,
    INJECTABLE_ROUTES,
    NO_DOSES,
    Administration,
    DaySums,
    DosingHistory,
    Drug,
    Order,
    Phase,
    Route,
    SessionWindow,
    parse_drug,
    parse_route,
    set_frozen,
)
from openhat.rules.errors import ContextError
from openhat.rules.protocol import Protocol
from openhat.rules.readings import EarlierReading
from openhat.rules.units import exact_decimal, non_negative_mg, require_aware

# The doses' vocabulary lives in rules/doses.py; callers import the whole input from here.
__all__ = [
    "ALLOWED_ROUTES",
    "HAT_DRUGS",
    "INJECTABLE_ROUTES",
    "NO_DOSES",
    "Administration",
    "AdverseEventKind",
    "AdverseEventNote",
    "AdverseEventSeverity",
    "Assessment",
    "DaySums",
    "DoseRequest",
    "DosingHistory",
    "Drug",
    "EarlierReading",
    "Order",
    "Override",
    "Phase",
    "Route",
    "SessionContext",
    "SessionWindow",
]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The pre-dose assessment: POSS sedation score (1-4), breath alcohol, signs the nurse saw,
    and when it was taken (None: now)."""

    sedation_score: int | None = None
    breath_alcohol_mg_per_l: Decimal | None = None
    signs: tuple[str, ...] = ()
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.at is not None:
            set_frozen(self, "at", require_aware(self.at, "assessment.at").astimezone(UTC))
        if self.sedation_score is not None:
            if isinstance(self.sedation_score, bool) or not isinstance(self.sedation_score, int):
                raise ContextError(
                    "assessment.sedation_score", "must be a whole number from 1 to 4"
                )
            if not 1 <= self.sedation_score <= 4:
                raise ContextError(
                    "assessment.sedation_score", f"{self.sedation_score} is outside the 1-4 scale"
                )
        if self.breath_alcohol_mg_per_l is not None:
            value = exact_decimal(
                self.breath_alcohol_mg_per_l, "assessment.breath_alcohol_mg_per_l"
            )
            if not Decimal(0) <= value <= Decimal(5):
                raise ContextError(
                    "assessment.breath_alcohol_mg_per_l", f"{value} mg/L is outside 0-5 mg/L"
                )
            set_frozen(self, "breath_alcohol_mg_per_l", value)
        signs = tuple(self.signs)
        if not all(isinstance(sign, str) for sign in signs):
            raise ContextError("assessment.signs", "signs are short texts")
        set_frozen(self, "signs", tuple(sign.strip() for sign in signs if sign.strip()))


@dataclass(frozen=True, slots=True)
class DoseRequest:
    """What the nurse is about to give. dose_mg None asks only what is allowed."""

    drug: Drug
    route: Route
    dose_mg: Decimal | None = None
    top_up: bool = False  # a further dose within the current session (titration days)
    window: SessionWindow | None = None

    def __post_init__(self) -> None:
        drug = parse_drug(self.drug, "request.drug")
        set_frozen(self, "drug", drug)
        set_frozen(self, "route", parse_route(self.route, "request.route", drug))
        if self.dose_mg is not None:
            dose = non_negative_mg(self.dose_mg, "request.dose_mg")
            if dose == 0:
                raise ContextError(
                    "request.dose_mg",
                    "a request of 0 mg is not a dose; leave the dose empty to ask what is allowed",
                )
            set_frozen(self, "dose_mg", dose)
        if not isinstance(self.top_up, bool):
            raise ContextError("request.top_up", "must be true or false")
        if self.window is not None:
            try:
                set_frozen(self, "window", SessionWindow(self.window))
            except ValueError:
                raise ContextError(
                    "request.window", f"unknown session window {self.window!r}"
                ) from None


@dataclass(frozen=True, slots=True)
class Override:
    """A physician lifts named findings for this one session, with a written reason, and states
    the largest dose they allow (None only on overrides stored before they stated it)."""

    rule_ids: frozenset[str]
    reason: str
    physician: str
    allowed_dose_mg: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.rule_ids:
            raise ContextError("override.rule_ids", "name the findings the override lifts")
        set_frozen(self, "rule_ids", frozenset(self.rule_ids))
        unknown = sorted(rule for rule in self.rule_ids if rule not in RULES)
        if unknown:
            raise ContextError(
                "override.rule_ids",
                f"{', '.join(map(repr, unknown))} is no rule of the engine; an override names "
                "the findings it lifts (see the rule catalogue)",
            )
        if self.allowed_dose_mg is not None:
            allowed = non_negative_mg(self.allowed_dose_mg, "override.allowed_dose_mg")
            if allowed == 0:
                raise ContextError(
                    "override.allowed_dose_mg", "the dose an override allows is more than 0 mg"
                )
            set_frozen(self, "allowed_dose_mg", allowed)
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ContextError("override.reason", "an override needs a written reason")
        if not isinstance(self.physician, str) or not self.physician.strip():
            raise ContextError("override.physician", "an override names the physician")


@dataclass(frozen=True)
class SessionContext:
    protocol: Protocol
    orders: tuple[Order, ...]
    history: DosingHistory
    assessment: Assessment
    request: DoseRequest
    now: datetime
    overrides: tuple[Override, ...] = ()
    adverse_events: tuple[AdverseEventNote, ...] = ()  # recent ones; the engine reads its window
    earlier_readings: tuple[EarlierReading, ...] = ()  # the day's, for a hold carry-over

    def __post_init__(self) -> None:
        if not isinstance(self.protocol, Protocol):
            raise ContextError("protocol", "a loaded Protocol is required")
        set_frozen(self, "now", require_aware(self.now, "now").astimezone(UTC))  # see Order
        set_frozen(self, "orders", tuple(self.orders))
        set_frozen(self, "overrides", tuple(self.overrides))
        set_frozen(self, "adverse_events", tuple(self.adverse_events))
        set_frozen(self, "earlier_readings", tuple(self.earlier_readings))
        for name, value, kind in (
            ("history", self.history, DosingHistory),
            ("assessment", self.assessment, Assessment),
            ("request", self.request, DoseRequest),
        ):
            if not isinstance(value, kind):
                raise ContextError(name, f"expected a {kind.__name__}")
        if not all(isinstance(order, Order) for order in self.orders):
            raise ContextError("orders", "expected Order objects")
        if not all(isinstance(item, Override) for item in self.overrides):
            raise ContextError("overrides", "expected Override objects")
        if not all(isinstance(item, AdverseEventNote) for item in self.adverse_events):
            raise ContextError("adverse_events", "expected AdverseEventNote objects")
        if not all(isinstance(item, EarlierReading) for item in self.earlier_readings):
            raise ContextError("earlier_readings", "expected EarlierReading objects")
        reading_at = self.assessment.at or self.now
        if reading_at > self.now:
            raise ContextError("assessment.at", "the assessment is taken after 'now'")
        if any(item.at > reading_at for item in self.earlier_readings):
            raise ContextError(
                "earlier_readings", "an earlier reading is taken after the current assessment"
            )
        if any(item.at > self.now for item in self.adverse_events):
            raise ContextError("adverse_events", "an adverse event is recorded after 'now'")
        if self.history.instants and self.history.instants[-1] > self.now:
            raise ContextError("history", "the history has a dose after 'now'")

    @property
    def zone(self) -> ZoneInfo:
        return self.history.zone
