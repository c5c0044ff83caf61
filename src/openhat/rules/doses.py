"""The vocabulary of a dosing decision and the doses it is made from: drugs, routes, orders, and
the administrations of a patient's history, sorted and indexed by the clinic's local day once, so
that `decide()` can run on a year of history without walking it (rules/context.py builds the
rest of a decision's input from these).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openhat.rules.day import clinic_zone
from openhat.rules.errors import ContextError
from openhat.rules.readings import checked_score
from openhat.rules.units import non_negative_mg, require_aware


class Drug(StrEnum):
    DAM = "dam"  # diacetylmorphine
    HDM = "hdm"  # hydromorphone
    METHADONE = "methadone"
    SROM = "srom"  # slow-release oral morphine
    BUPRENORPHINE = "buprenorphine"
    NALTREXONE_XR = "naltrexone_xr"


class Route(StrEnum):
    IV = "iv"
    IM = "im"
    SC = "sc"
    INHALED = "inhaled"
    ORAL = "oral"


class Phase(StrEnum):
    TITRATION = "titration"
    MAINTENANCE = "maintenance"


class SessionWindow(StrEnum):
    MORNING = "morning"
    MIDDAY = "midday"
    EVENING = "evening"


HAT_DRUGS = frozenset({Drug.DAM, Drug.HDM})
INJECTABLE_ROUTES = frozenset({Route.IV, Route.IM, Route.SC})
ALLOWED_ROUTES: dict[Drug, frozenset[Route]] = {
    Drug.DAM: frozenset({Route.IV, Route.IM, Route.SC, Route.INHALED, Route.ORAL}),
    Drug.HDM: frozenset({Route.IV, Route.IM, Route.SC, Route.INHALED, Route.ORAL}),
    Drug.METHADONE: frozenset({Route.ORAL}),
    Drug.SROM: frozenset({Route.ORAL}),
    Drug.BUPRENORPHINE: frozenset({Route.ORAL}),
    Drug.NALTREXONE_XR: frozenset({Route.IM}),
}


def parse_drug(value: object, field: str) -> Drug:
    try:
        return Drug(value)  # type: ignore[arg-type]  # validated by the enum itself
    except ValueError:
        raise ContextError(field, f"unknown drug {value!r}; known: {', '.join(Drug)}") from None


def parse_route(value: object, field: str, drug: Drug) -> Route:
    try:
        route = Route(value)  # type: ignore[arg-type]  # validated by the enum itself
    except ValueError:
        raise ContextError(field, f"unknown route {value!r}; known: {', '.join(Route)}") from None
    if route not in ALLOWED_ROUTES[drug]:
        raise ContextError(field, f"{drug.value} is not given by the {route.value} route")
    return route


def set_frozen(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class Order:
    """A signed medication order: a fixed dose (min == max) or a range the nurse titrates within."""

    order_id: str
    drug: Drug
    routes: frozenset[Route]
    dose_min_mg: Decimal
    dose_max_mg: Decimal
    sessions_per_day: int
    daily_max_mg: Decimal
    starts_at: datetime
    ends_at: datetime | None = None  # exclusive
    phase: Phase = Phase.MAINTENANCE
    windows: frozenset[SessionWindow] = frozenset()  # empty: every session window
    signed: bool = True
    suspended: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not self.order_id:
            raise ContextError("order.order_id", "every order needs an id")
        drug = parse_drug(self.drug, "order.drug")
        set_frozen(self, "drug", drug)
        if not self.routes:
            raise ContextError("order.routes", "an order names at least one route")
        set_frozen(
            self,
            "routes",
            frozenset(parse_route(route, "order.routes", drug) for route in self.routes),
        )
        low = non_negative_mg(self.dose_min_mg, "order.dose_min_mg")
        high = non_negative_mg(self.dose_max_mg, "order.dose_max_mg")
        if low > high:
            raise ContextError(
                "order.dose_min_mg", f"the range minimum {low} mg is above its maximum {high} mg"
            )
        if high == 0:
            raise ContextError("order.dose_max_mg", "an order's dose must be more than 0 mg")
        set_frozen(self, "dose_min_mg", low)
        set_frozen(self, "dose_max_mg", high)
        if isinstance(self.sessions_per_day, bool) or not isinstance(self.sessions_per_day, int):
            raise ContextError("order.sessions_per_day", "must be a whole number")
        if self.sessions_per_day < 1:
            raise ContextError("order.sessions_per_day", "must be at least 1")
        set_frozen(self, "daily_max_mg", non_negative_mg(self.daily_max_mg, "order.daily_max_mg"))
        # Instants are kept in UTC: Python compares and subtracts datetimes that share a tzinfo
        # by wall clock, which is wrong by an hour across a daylight-saving change.
        set_frozen(
            self, "starts_at", require_aware(self.starts_at, "order.starts_at").astimezone(UTC)
        )
        if self.ends_at is not None:
            set_frozen(
                self, "ends_at", require_aware(self.ends_at, "order.ends_at").astimezone(UTC)
            )
            if self.ends_at <= self.starts_at:
                raise ContextError("order.ends_at", "the order ends before it starts")
        try:
            set_frozen(self, "phase", Phase(self.phase))
            set_frozen(self, "windows", frozenset(SessionWindow(window) for window in self.windows))
        except ValueError as error:
            raise ContextError("order", str(error)) from None

    def active_at(self, moment: datetime) -> bool:
        return (
            self.signed
            and not self.suspended
            and self.starts_at <= moment
            and (self.ends_at is None or moment < self.ends_at)
        )


@dataclass(frozen=True, slots=True)
class Administration:
    """A dose given: part of a session (a visit); top-ups share their session's id."""

    at: datetime
    drug: Drug
    route: Route
    dose_mg: Decimal
    session_id: str
    observation_signed_off: bool = True
    post_dose_sedation_score: int | None = None  # the post-dose assessment, once recorded

    def __post_init__(self) -> None:
        set_frozen(self, "at", require_aware(self.at, "history.at").astimezone(UTC))  # see Order
        checked_score(self.post_dose_sedation_score, "history.post_dose_sedation_score")
        drug = parse_drug(self.drug, "history.drug")
        set_frozen(self, "drug", drug)
        set_frozen(self, "route", parse_route(self.route, "history.route", drug))
        dose = non_negative_mg(self.dose_mg, "history.dose_mg")
        if dose == 0:
            raise ContextError(
                "history.dose_mg",
                "an administration of 0 mg is not a dose; record a refusal instead",
            )
        set_frozen(self, "dose_mg", dose)
        if not isinstance(self.session_id, str) or not self.session_id:
            raise ContextError("history.session_id", "every administration belongs to a session id")


class DaySums(NamedTuple):
    """Per-drug totals and largest single doses of one day's HAT doses, summed once."""

    doses: int
    total_mg: dict[Drug, Decimal]
    largest_mg: dict[Drug, Decimal]

    @classmethod
    def of(cls, doses: Iterable[Administration]) -> DaySums:
        count = 0
        totals: dict[Drug, Decimal] = {}
        largest: dict[Drug, Decimal] = {}
        for item in doses:
            count += 1
            totals[item.drug] = totals.get(item.drug, Decimal(0)) + item.dose_mg
            if item.dose_mg > largest.get(item.drug, Decimal(0)):
                largest[item.drug] = item.dose_mg
        return cls(count, totals, largest)


NO_DOSES = DaySums(0, {}, {})


def _crowded_sessions(
    administrations: tuple[Administration, ...], local_days: tuple[date, ...]
) -> tuple[tuple[str, int, Drug], ...]:
    """Sessions with more than one dose; a session's doses share one day and one drug."""
    sessions: dict[str, tuple[int, Drug, date]] = {}
    for item, day in zip(administrations, local_days, strict=True):
        seen = sessions.get(item.session_id)
        if seen is None:
            sessions[item.session_id] = (1, item.drug, day)
            continue
        count, drug, first_day = seen
        if day != first_day:
            raise ContextError(
                "history.session_id",
                f"session {item.session_id!r} holds doses on {first_day} and {day}; "
                "a session is one visit on one day",
            )
        if item.drug != drug:
            raise ContextError(
                "history.session_id",
                f"session {item.session_id!r} holds doses of {drug.value} and {item.drug.value}; "
                "a top-up is of the same drug",
            )
        sessions[item.session_id] = (count + 1, drug, first_day)
    return tuple(
        (session_id, count, drug)
        for session_id, (count, drug, _day) in sessions.items()
        if count > 1
    )


@dataclass(frozen=True)
class DosingHistory:
    """Administrations in time order, indexed by the clinic's local day."""

    administrations: tuple[Administration, ...]
    time_zone: str
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    local_days: tuple[date, ...] = field(init=False, repr=False, compare=False)
    instants: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    # Precomputed so a decision never walks the whole history: the indices of HAT doses, the
    # distinct days with a HAT dose, and (position, missed days before it) for every break.
    hat_indices: tuple[int, ...] = field(init=False, repr=False, compare=False)
    hat_days: tuple[date, ...] = field(init=False, repr=False, compare=False)
    hat_breaks: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    hat_day_doses: tuple[tuple[Administration, ...], ...] = field(
        init=False, repr=False, compare=False
    )  # the HAT doses of each day in hat_days
    hat_day_sums: tuple[DaySums, ...] = field(init=False, repr=False, compare=False)
    # (session id, doses, drug) of every session holding more than one dose (a titration top-up),
    # so that decide() can hold them against the protocol's top-ups without walking the history.
    crowded_sessions: tuple[tuple[str, int, Drug], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        zone = clinic_zone(self.time_zone)
        administrations = tuple(self.administrations)
        for item in administrations:
            if not isinstance(item, Administration):
                raise ContextError("history", f"{item!r} is not an Administration")
        for earlier, later in pairwise(administrations):
            if later.at < earlier.at:
                raise ContextError("history", "administrations must be in time order")
        set_frozen(self, "administrations", administrations)
        set_frozen(self, "zone", zone)
        local_days = tuple(item.at.astimezone(zone).date() for item in administrations)
        set_frozen(self, "local_days", local_days)
        set_frozen(self, "instants", tuple(item.at for item in administrations))
        hat_indices = tuple(
            index for index, item in enumerate(administrations) if item.drug in HAT_DRUGS
        )
        hat_days: list[date] = []
        day_doses: list[list[Administration]] = []
        breaks: list[tuple[int, int]] = []
        for index in hat_indices:
            day = local_days[index]
            if hat_days and hat_days[-1] == day:
                day_doses[-1].append(administrations[index])
                continue
            if hat_days and (day - hat_days[-1]).days > 1:
                breaks.append((len(hat_days), (day - hat_days[-1]).days - 1))
            hat_days.append(day)
            day_doses.append([administrations[index]])
        set_frozen(self, "hat_indices", hat_indices)
        set_frozen(self, "hat_days", tuple(hat_days))
        set_frozen(self, "hat_breaks", tuple(breaks))
        set_frozen(self, "hat_day_doses", tuple(tuple(doses) for doses in day_doses))
        set_frozen(self, "hat_day_sums", tuple(DaySums.of(doses) for doses in day_doses))
        set_frozen(self, "crowded_sessions", _crowded_sessions(administrations, local_days))

    def hat_sums_on(self, day: date) -> DaySums:
        position = bisect_left(self.hat_days, day)
        if position < len(self.hat_days) and self.hat_days[position] == day:
            return self.hat_day_sums[position]
        return NO_DOSES

    def hat_doses_on(self, day: date) -> tuple[Administration, ...]:
        """The HAT doses given on a local day (empty if none)."""
        position = bisect_left(self.hat_days, day)
        if position < len(self.hat_days) and self.hat_days[position] == day:
            return self.hat_day_doses[position]
        return ()

    @classmethod
    def of(cls, administrations: Iterable[Administration], time_zone: str) -> DosingHistory:
        return cls(tuple(sorted(administrations, key=lambda item: item.at)), time_zone)

    def first_index_on_or_after(self, day: date) -> int:
        return bisect_left(self.local_days, day)

    def first_index_after(self, day: date) -> int:
        return bisect_right(self.local_days, day)
