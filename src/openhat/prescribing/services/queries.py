"""Reading orders: what is in force at a moment, what expires soon, the history, and the engine's
view of the orders. The version in force on a line at a moment is its highest-numbered version
that has started by then; it lasts until its own end or the start of a later version."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderEvent, OrderLine, OrderState, OrderVersion
from openhat.rules.context import Order
from openhat.rules.protocol import Protocol, load_protocol

LIVE_STATES = (OrderState.ACTIVE, OrderState.SUSPENDED)


@lru_cache(maxsize=32)
def clinic_protocol(preset_key: str) -> Protocol:
    """The dosing preset a clinic's orders are checked against (loaded once per process)."""
    return load_protocol(preset_key)


class VersionSpan(NamedTuple):
    """A version with the time it is (or was) in force: [starts_at, ends_at)."""

    line: OrderLine
    version: OrderVersion
    ends_at: datetime | None

    def covers(self, moment: datetime) -> bool:
        return self.version.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)

    def engine_order(self) -> Order:
        """The rules engine's order; its id is the line's, shared by all its versions."""
        version = self.version
        return Order(
            order_id=str(self.line.pk),
            drug=version.drug,  # type: ignore[arg-type]  # the enum's values, by constraint
            routes=frozenset(version.routes),  # type: ignore[arg-type]
            dose_min_mg=version.dose_min_mg,
            dose_max_mg=version.dose_max_mg,
            sessions_per_day=version.sessions_per_day,
            daily_max_mg=version.daily_max_mg,
            starts_at=version.starts_at,
            ends_at=self.ends_at,
            phase=version.phase,  # type: ignore[arg-type]
            windows=frozenset(version.windows),  # type: ignore[arg-type]
            suspended=self.line.state == OrderState.SUSPENDED,
        )


def _spans(lines: Iterable[OrderLine]) -> list[VersionSpan]:
    """Every version of the lines with the span it is in force (empty spans left out)."""
    by_line = {line.pk: line for line in lines}
    versions: dict[int, list[OrderVersion]] = defaultdict(list)
    for version in OrderVersion.objects.filter(line_id__in=by_line).order_by("line_id", "number"):
        versions[version.line_id].append(version)
    spans = []
    for line_id, line_versions in versions.items():
        for index, version in enumerate(line_versions):
            ends = [version.ends_at] if version.ends_at is not None else []
            ends += [later.starts_at for later in line_versions[index + 1 :]]
            end = min(ends, default=None)
            if end is None or end > version.starts_at:
                spans.append(VersionSpan(by_line[line_id], version, end))
    return spans


def _lines(patient: Patient, states: Iterable[str]) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(patient=patient, state__in=list(states))


def spans_in_force(
    patient: Patient, at: datetime, states: Iterable[str] = (OrderState.ACTIVE,)
) -> list[VersionSpan]:
    return [span for span in _spans(_lines(patient, states)) if span.covers(at)]


def active_orders(patient: Patient, at: datetime | None = None) -> list[OrderVersion]:
    """The versions in force at `at` (default now) on the patient's active (not suspended or
    stopped) order lines, oldest line first."""
    moment = at or timezone.now()
    return [span.version for span in spans_in_force(patient, moment)]


def engine_orders(patient: Patient, at: datetime | None = None) -> tuple[Order, ...]:
    """The orders in force at `at` as the rules engine's Orders, for the dosing station and for
    previews. Suspended lines are included with suspended=True, so the engine can say why there
    is no valid order."""
    moment = at or timezone.now()
    return tuple(span.engine_order() for span in spans_in_force(patient, moment, LIVE_STATES))


def orders_for_checks(patient: Patient, excluding_line: OrderLine | None = None) -> list[Order]:
    """Every version of the patient's live (active or suspended) lines, each with its span: what
    a new or changed order must not clash with, now or later (a suspension can be lifted)."""
    lines = _lines(patient, LIVE_STATES)
    if excluding_line is not None:
        lines = lines.exclude(pk=excluding_line.pk)
    return [span.engine_order() for span in _spans(lines)]


def expiring_orders(
    clinic: Clinic, within_days: int | None = None, now: datetime | None = None
) -> list[OrderVersion]:
    """Current versions of the clinic's active orders that end within `within_days` (default
    settings.OPENHAT_ORDER_EXPIRY_WARNING_DAYS) from now, soonest first. The caller checks that
    the user may see the clinic's orders."""
    days = settings.OPENHAT_ORDER_EXPIRY_WARNING_DAYS if within_days is None else within_days
    moment = now or timezone.now()
    return list(
        OrderVersion.objects.filter(
            clinic=clinic,
            line__state=OrderState.ACTIVE,
            line__current_version=F("pk"),
            ends_at__gt=moment,
            ends_at__lte=moment + timedelta(days=days),
        )
        .select_related("line", "patient")
        .order_by("ends_at", "pk")
    )


def order_history(patient: Patient) -> list[OrderVersion]:
    """Every version of every order of the patient, in the order they were signed."""
    return list(
        OrderVersion.objects.filter(patient=patient)
        .select_related("line", "signed_by", "supersedes")
        .order_by("signed_at", "pk")
    )


def order_events(patient: Patient) -> list[OrderEvent]:
    """Suspensions, resumptions and stops of the patient's orders, oldest first."""
    return list(
        OrderEvent.objects.filter(line__patient=patient)
        .select_related("line", "actor")
        .order_by("at", "pk")
    )
