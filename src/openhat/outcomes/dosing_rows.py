"""The dosing record read once for a clinic and period, as plain rows the figures are computed from
(attendance and safety). Reading is the only part that needs the database; the figures are pure."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Min

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.dosing.models import Administration as AdministrationRow
from openhat.dosing.models import AdverseEvent
from openhat.outcomes.cohort import Episode
from openhat.outcomes.period import Period
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import StatusChange
from openhat.prescribing.models import OrderEvent, OrderEventKind, OrderVersion
from openhat.rules.context import INJECTABLE_ROUTES


@dataclass(frozen=True)
class Dose:
    patient_id: int
    day: date
    drug: str
    injected: bool
    dose_mg: Decimal
    phase: str  # the phase of the order version in force when it was given


@dataclass(frozen=True)
class OrderSpan:
    """A signed order version with the clinic days it plans sessions for: [first, end)."""

    patient_id: int
    drug: str
    sessions_per_day: int
    phase: str
    first: date
    end: date | None  # exclusive; None: still in force

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Event:
    patient_id: int
    day: date
    drug: str | None  # the drug given in the event's session, if any
    naloxone_overdose: bool


@dataclass(frozen=True)
class DosingRecord:
    doses: tuple[Dose, ...]
    spans: tuple[OrderSpan, ...]
    events: tuple[Event, ...]
    restarts: dict[int, tuple[date, ...]]  # patient -> (re)start days, the first one included
    # The first day of the clinic's dosing record (its first dose, any patient): days before it
    # have no record to count attendance from. None: no dose recorded yet.
    first_day: date | None = None
    # The last complete clinic day (yesterday): today's later sessions are still to come.
    last_day: date | None = None
    # patient -> [first, end) days the patient's status was "suspended" (end None: still is)
    suspensions: dict[int, tuple[tuple[date, date | None], ...]] = field(default_factory=dict)

    def only(self, patient_ids: Iterable[int]) -> DosingRecord:
        """The part of the record about these patients."""
        keep = set(patient_ids)
        return DosingRecord(
            tuple(d for d in self.doses if d.patient_id in keep),
            tuple(s for s in self.spans if s.patient_id in keep),
            tuple(e for e in self.events if e.patient_id in keep),
            {k: v for k, v in self.restarts.items() if k in keep},
            self.first_day,
            self.last_day,
            {k: v for k, v in self.suspensions.items() if k in keep},
        )

    def suspended_on(self, patient_id: int, day: date) -> bool:
        return any(
            first <= day and (end is None or day < end)
            for first, end in self.suspensions.get(patient_id, ())
        )


def _open_pieces(
    start: datetime, end: datetime | None, events: list[tuple[datetime, str]]
) -> list[tuple[datetime, datetime | None]]:
    """The parts of [start, end) in which the line was neither suspended nor stopped."""
    open_from: datetime | None = start
    for _at, kind in sorted(e for e in events if e[0] < start):
        open_from = None if kind != OrderEventKind.RESUMED else start
        if kind == OrderEventKind.STOPPED:
            return []
    pieces: list[tuple[datetime, datetime | None]] = []
    for at, kind in sorted(e for e in events if e[0] >= start and (end is None or e[0] < end)):
        if kind == OrderEventKind.RESUMED:
            open_from = open_from or at
            continue
        if open_from is not None:
            pieces.append((open_from, at))
            open_from = None
        if kind == OrderEventKind.STOPPED:
            return pieces
    if open_from is not None:
        pieces.append((open_from, end))
    return pieces


def _spans(
    versions: Iterable[OrderVersion],
    line_events: dict[int, list[tuple[datetime, str]]],
    clinic: Clinic,
) -> list[OrderSpan]:
    """Each version in force from its start to the earliest of its end or the next version's
    start, less the time its line was suspended or after it was stopped; in clinic days."""
    by_line: dict[int, list[OrderVersion]] = defaultdict(list)
    for version in versions:
        by_line[version.line_id].append(version)
    spans: list[OrderSpan] = []
    for line_id, line_versions in by_line.items():
        line_versions.sort(key=lambda v: v.number)
        for index, version in enumerate(line_versions):
            ends = [version.ends_at] if version.ends_at is not None else []
            ends += [later.starts_at for later in line_versions[index + 1 :]]
            end = min(ends, default=None)
            for piece_start, piece_end in _open_pieces(
                version.starts_at, end, line_events.get(line_id, [])
            ):
                first = clinic_today(clinic, piece_start)
                last = clinic_today(clinic, piece_end) if piece_end is not None else None
                if last is None or last > first:
                    spans.append(
                        OrderSpan(
                            version.patient_id,
                            version.drug,
                            version.sessions_per_day,
                            version.phase,
                            first,
                            last,
                        )
                    )
    return spans


class _Phases:
    """The phase in force at a moment on each order line: that of the highest-numbered version
    started by then (maintenance before any). Found by bisection: a clinic's years of doses are
    looked up one by one."""

    def __init__(self, by_line: dict[int, list[OrderVersion]]) -> None:
        self._starts: dict[int, list[datetime]] = {}
        self._phases: dict[int, list[str]] = {}
        for line_id, versions in by_line.items():
            starts: list[datetime] = []
            phases: list[str] = []
            best: OrderVersion | None = None
            for version in sorted(versions, key=lambda v: v.starts_at):
                if best is None or version.number > best.number:
                    best = version
                starts.append(version.starts_at)
                phases.append(best.phase)
            self._starts[line_id], self._phases[line_id] = starts, phases

    def at(self, line_id: int | None, moment: datetime) -> str:
        if line_id is None or line_id not in self._starts:
            return "maintenance"
        index = bisect_right(self._starts[line_id], moment) - 1
        return self._phases[line_id][index] if index >= 0 else "maintenance"


def dosing_record(clinic: Clinic, period: Period, patients: Iterable[Episode]) -> DosingRecord:
    ids = [e.patient_id for e in patients]
    versions = list(OrderVersion.objects.filter(clinic=clinic, patient_id__in=ids))
    by_line: dict[int, list[OrderVersion]] = defaultdict(list)
    for version in versions:
        by_line[version.line_id].append(version)
    stops: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for line_id, at, kind in OrderEvent.objects.filter(
        clinic=clinic, line__patient_id__in=ids
    ).values_list("line", "at", "kind"):
        stops[line_id].append((at, kind))
    phases = _Phases(by_line)
    # Plain tuples, not model instances: a clinic's years hold hundreds of thousands of doses.
    doses = tuple(
        Dose(
            patient_id=patient_id,
            day=day,
            drug=drug,
            injected=route in INJECTABLE_ROUTES,
            dose_mg=dose_mg,
            phase=phases.at(line_id, administered_at),
        )
        for patient_id, day, drug, route, dose_mg, line_id, administered_at in (
            AdministrationRow.objects.filter(
                clinic=clinic,
                patient_id__in=ids,
                session__dosing_day__gte=period.first,
                session__dosing_day__lte=period.last,
            ).values_list(
                "patient_id",
                "session__dosing_day",
                "drug",
                "route",
                "dose_mg",
                "order_line_id",
                "administered_at",
            )
        )
    )
    given = dict(
        AdministrationRow.objects.filter(clinic=clinic, patient_id__in=ids).values_list(
            "session", "drug"
        )
    )
    events = tuple(
        Event(
            patient_id=row.patient_id,
            day=clinic_today(clinic, row.onset_at),
            drug=given.get(row.session_id) if row.session_id is not None else None,
            naloxone_overdose=row.kind == "overdose" and row.naloxone_given,
        )
        for row in AdverseEvent.objects.filter(
            clinic=clinic,
            patient_id__in=ids,
            onset_at__gte=_midnight(clinic, period.first),
            onset_at__lt=_midnight(clinic, period.last + timedelta(days=1)),
        )
    )
    restarts: dict[int, list[date]] = {e.patient_id: [e.start] for e in patients}
    suspended_since: dict[int, date] = {}
    suspensions: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for patient_id, to_status, day in (
        StatusChange.objects.filter(patient_id__in=ids)
        .order_by("effective_date", "pk")
        .values_list("patient", "to_status", "effective_date")
    ):
        if to_status == PatientStatus.ENROLLED and day > restarts[patient_id][0]:
            restarts[patient_id].append(day)
        if to_status == PatientStatus.SUSPENDED:
            suspended_since.setdefault(patient_id, day)
        elif patient_id in suspended_since:
            suspensions[patient_id].append((suspended_since.pop(patient_id), day))
    for patient_id, since in suspended_since.items():
        suspensions[patient_id].append((since, None))
    return DosingRecord(
        doses,
        tuple(_spans(versions, stops, clinic)),
        events,
        {k: tuple(sorted(v)) for k, v in restarts.items()},
        AdministrationRow.objects.filter(clinic=clinic).aggregate(first=Min("session__dosing_day"))[
            "first"
        ],
        clinic_today(clinic) - timedelta(days=1),
        {k: tuple(v) for k, v in suspensions.items()},
    )


def _midnight(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic.zone)
