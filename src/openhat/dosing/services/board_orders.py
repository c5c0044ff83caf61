"""The orders the board and the chart read: in force for a whole clinic at one moment (one query),
and one patient's order periods over recent days (for missed sessions and days).

A version is in force on its line from its start until its own end or the start of a later
version (prescribing.services.queries); the line must be active then, not suspended or stopped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from openhat.clinics.models import Clinic
from openhat.patients.lifecycle import PatientStatus
from openhat.prescribing.forms import ROUTE_LABELS
from openhat.prescribing.models import OrderEvent, OrderEventKind, OrderState, OrderVersion
from openhat.rules.context import HAT_DRUGS

LIVE_STATES = (OrderState.ACTIVE, OrderState.SUSPENDED)
SHORT_DRUG = {"dam": "DAM", "hdm": "HDM", "srom": "SROM", "naltrexone_xr": "naltrexone XR"}


def drug_short(drug: str) -> str:
    return SHORT_DRUG.get(drug, drug)


def mg_text(value: Decimal) -> str:
    """150.000 -> "150", 67.500 -> "67.5" (the board and sheet print mg without trailing zeros)."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class OrderSummary:
    line_id: int
    drug: str
    routes: tuple[str, ...]
    dose_min_mg: Decimal
    dose_max_mg: Decimal
    sessions_per_day: int
    daily_max_mg: Decimal
    windows: frozenset[str]  # empty: every window
    suspended: bool
    started_at: datetime  # the start of the line's first version: when the order began
    loosenings: tuple[dict[str, object], ...] = ()

    @property
    def is_hat(self) -> bool:
        return self.drug in HAT_DRUGS

    @property
    def dose_text(self) -> str:
        low, high = mg_text(self.dose_min_mg), mg_text(self.dose_max_mg)
        return f"{low} mg" if low == high else f"{low}-{high} mg"

    @property
    def text(self) -> str:
        routes = "/".join(ROUTE_LABELS.get(route, route).split()[0] for route in self.routes)
        text = f"{drug_short(self.drug)} {routes} {self.dose_text} · {self.sessions_per_day}/day"
        if self.windows:
            text += " · " + ", ".join(
                w for w in ("morning", "midday", "evening") if w in self.windows
            )
        return text

    def covers_window(self, window: str) -> bool:
        return not self.windows or window in self.windows


def _summary(version: OrderVersion, suspended: bool, started_at: datetime) -> OrderSummary:
    return OrderSummary(
        line_id=version.line_id,
        drug=version.drug,
        routes=tuple(version.routes),
        dose_min_mg=version.dose_min_mg,
        dose_max_mg=version.dose_max_mg,
        sessions_per_day=version.sessions_per_day,
        daily_max_mg=version.daily_max_mg,
        windows=frozenset(version.windows),
        suspended=suspended,
        started_at=started_at,
        loosenings=tuple(version.preset_loosenings or ()),
    )


@dataclass
class PatientOrders:
    client_code: str
    orders: list[OrderSummary]


_FORCE_FIELDS = (
    "line_id",
    "patient_id",
    "patient__client_code",
    "drug",
    "routes",
    "dose_min_mg",
    "dose_max_mg",
    "sessions_per_day",
    "daily_max_mg",
    "windows",
    "ends_at",
    "preset_loosenings",
    "line__state",
    "line_started_at",
)


def orders_in_force(clinic: Clinic, moment: datetime) -> dict[int, PatientOrders]:
    """Every enrolled patient of the clinic with a live order line in force at `moment`.

    One query, read as plain values: the latest version of each live line that has started by
    then (DISTINCT ON the line), with the start of the line's first version; a version that has
    ended is left out.
    """
    first_start = (
        OrderVersion.objects.filter(line=OuterRef("line")).order_by("number").values("starts_at")
    )
    versions = (
        OrderVersion.objects.filter(
            clinic=clinic,
            line__state__in=LIVE_STATES,
            patient__status=PatientStatus.ENROLLED,
            starts_at__lte=moment,
        )
        .annotate(line_started_at=Subquery(first_start[:1]))
        .order_by("line_id", "-number")
        .distinct("line_id")
        .values_list(*_FORCE_FIELDS)
    )
    found: dict[int, PatientOrders] = {}
    for (
        line_id,
        patient_id,
        client_code,
        drug,
        routes,
        dose_min_mg,
        dose_max_mg,
        sessions_per_day,
        daily_max_mg,
        windows,
        ends_at,
        loosenings,
        line_state,
        started_at,
    ) in versions:
        if ends_at is not None and ends_at <= moment:
            continue
        entry = found.setdefault(patient_id, PatientOrders(client_code, []))
        entry.orders.append(
            OrderSummary(
                line_id=line_id,
                drug=drug,
                routes=tuple(routes),
                dose_min_mg=dose_min_mg,
                dose_max_mg=dose_max_mg,
                sessions_per_day=sessions_per_day,
                daily_max_mg=daily_max_mg,
                windows=frozenset(windows),
                suspended=line_state == OrderState.SUSPENDED,
                started_at=started_at,
                loosenings=tuple(loosenings or ()),
            )
        )
    return found


@dataclass(frozen=True)
class OrderPeriod:
    """A version while it is in force and its line is active: [starts_at, ends_at)."""

    order: OrderSummary
    starts_at: datetime
    ends_at: datetime | None

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


def order_periods(
    clinic: Clinic, patient_ids: list[int] | None = None
) -> dict[int, list[OrderPeriod]]:
    """Per patient, every span in which one of their orders was in force and neither suspended
    nor stopped (two queries: the versions, and the suspensions, resumptions and stops)."""
    version_rows = OrderVersion.objects.filter(clinic=clinic)
    event_rows = OrderEvent.objects.filter(clinic=clinic)
    if patient_ids is not None:
        version_rows = version_rows.filter(patient_id__in=patient_ids)
        event_rows = event_rows.filter(line__patient_id__in=patient_ids)
    versions: dict[int, list[OrderVersion]] = defaultdict(list)
    for version in version_rows.order_by("line_id", "number"):
        versions[version.line_id].append(version)
    pauses: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for event in event_rows.order_by("line_id", "at", "pk"):
        paused = pauses[event.line_id]
        if event.kind in (OrderEventKind.SUSPENDED, OrderEventKind.STOPPED):
            if not paused or paused[-1][1] is not None:
                paused.append((event.at, None))
        elif event.kind == OrderEventKind.RESUMED and paused and paused[-1][1] is None:
            paused[-1] = (paused[-1][0], event.at)
    periods: dict[int, list[OrderPeriod]] = defaultdict(list)
    for line_id, line_versions in versions.items():
        started = line_versions[0].starts_at
        for index, version in enumerate(line_versions):
            ends = [version.ends_at] if version.ends_at is not None else []
            ends += [later.starts_at for later in line_versions[index + 1 :]]
            end = min(ends, default=None)
            if end is not None and end <= version.starts_at:
                continue
            summary = _summary(version, False, started)
            periods[version.patient_id] += _minus_pauses(
                summary, version.starts_at, end, pauses[line_id]
            )
    return dict(periods)


def _minus_pauses(
    order: OrderSummary,
    start: datetime,
    end: datetime | None,
    pauses: list[tuple[datetime, datetime | None]],
) -> list[OrderPeriod]:
    pieces: list[OrderPeriod] = []
    cursor: datetime | None = start
    for paused_at, resumed_at in pauses:
        if cursor is None:
            break
        if end is not None and paused_at >= end:
            break
        if resumed_at is not None and resumed_at <= cursor:
            continue
        if paused_at > cursor:
            pieces.append(OrderPeriod(order, cursor, paused_at))
        cursor = resumed_at
    if cursor is not None and (end is None or cursor < end):
        pieces.append(OrderPeriod(order, cursor, end))
    return pieces
