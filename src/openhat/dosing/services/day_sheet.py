"""The day sheet: every session of one dosing day, for the clinic's files (docs/domain.md §3.5, §6).

Per window and patient: check-in, pre-dose assessment, the decision and any override, the dose
with its lot and ledger entry, a partial dose's remainder and witness, observation and sign-off,
exceptions and adverse events; totals per drug. Reading it is a view of each listed patient's
dosing record and is logged in the access log (docs/domain.md §7 invariant 7).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch

from openhat.audit.checkpoints import Checkpoint, latest_checkpoint
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.dosing.models import (
    Administration,
    AdverseEvent,
    AssessmentKind,
    DosePreparation,
    DosingSession,
    SessionAssessment,
    SessionDecision,
    SessionException,
    SessionOverride,
)
from openhat.dosing.windows import ORDER, window_label
from openhat.pharmacy.models import EntryKind

ZERO = Decimal(0)


@dataclass(frozen=True)
class SheetSession:
    session: DosingSession
    pre_dose: SessionAssessment | None  # the latest pre-dose assessment
    decision: SessionDecision | None  # the latest decision (the one a dose was given under)
    overrides: tuple[SessionOverride, ...]
    preparation: DosePreparation | None
    administration: Administration | None
    exceptions: tuple[SessionException, ...]
    adverse_events: tuple[AdverseEvent, ...]

    @property
    def remainder_kind(self) -> str:
        """ "returned" or "wasted" for a partial dose's remainder."""
        given = self.administration
        if given is None or given.remainder_entry is None:
            return ""
        return "returned" if given.remainder_entry.kind == EntryKind.DOSE_RETURNED else "wasted"

    @property
    def lot_number(self) -> str:
        if self.preparation is not None:
            return self.preparation.lot.lot_number
        given = self.administration
        if given is not None and given.issued_entry is not None:
            return given.issued_entry.lot.lot_number
        return ""


@dataclass(frozen=True)
class SheetWindow:
    window: str
    label: str
    sessions: tuple[SheetSession, ...]


@dataclass(frozen=True)
class DrugTotal:
    drug: str
    route: str
    doses: int
    given_mg: Decimal
    returned_mg: Decimal
    wasted_mg: Decimal


@dataclass(frozen=True)
class DaySheet:
    clinic: Clinic
    day: date
    windows: tuple[SheetWindow, ...]
    totals: tuple[DrugTotal, ...]
    sessions: int
    doses: int
    without_dose: int
    adverse_events: int
    # The first signed checkpoint made after the day ended (the latest one while it has not).
    checkpoint: Checkpoint | None


def day_sheet(*, actor: User, clinic: Clinic, day: date) -> DaySheet:
    """Every session of `day` in `clinic`; each patient's view is logged (VIEW_DOSING)."""
    require(actor, clinic, Capability.VIEW_DOSING)
    sessions = list(
        DosingSession.objects.filter(clinic=clinic, dosing_day=day)
        .select_related(
            "patient",
            "patient__merged_into",  # a merged record's row names the survivor (patients.records)
            "checked_in_by",
            "sign_off__by",
            "sign_off__assessment",
            "administration__nurse",
            "administration__remainder_witness",
            "administration__remainder_entry",
            "administration__issued_entry__lot",
            "administration__override__physician",
        )
        .prefetch_related(
            Prefetch(
                "assessments",
                SessionAssessment.objects.filter(kind=AssessmentKind.PRE_DOSE).select_related("by"),
            ),
            Prefetch("decisions", SessionDecision.objects.select_related("by")),
            Prefetch("overrides", SessionOverride.objects.select_related("physician")),
            Prefetch("preparations", DosePreparation.objects.select_related("lot", "by")),
            Prefetch(
                "exceptions",
                SessionException.objects.select_related("by", "witness", "waste_entry"),
            ),
            Prefetch(
                "adverse_events",
                AdverseEvent.objects.select_related("recorded_by", "sign_off__physician"),
            ),
        )
        .order_by("checked_in_at", "pk")
    )
    rows = [_sheet_session(session) for session in sessions]
    with transaction.atomic():
        for patient in {row.session.patient_id: row.session.patient for row in rows}.values():
            record_access(actor=actor, patient=patient, record=AccessedRecord.DOSING_RECORD)
    windows = tuple(
        SheetWindow(
            str(window),
            window_label(clinic, window),
            tuple(row for row in rows if row.session.window == window),
        )
        for window in ORDER
    )
    given = [row.administration for row in rows if row.administration is not None]
    return DaySheet(
        clinic=clinic,
        day=day,
        windows=windows,
        totals=_totals(rows),
        sessions=len(rows),
        doses=len(given),
        without_dose=len(rows) - len(given),
        adverse_events=sum(len(row.adverse_events) for row in rows),
        checkpoint=latest_checkpoint(
            made_after=datetime.combine(day + timedelta(days=1), time(0), tzinfo=clinic.zone)
        ),
    )


def _sheet_session(session: DosingSession) -> SheetSession:
    assessments = list(session.assessments.all())
    decisions = list(session.decisions.all())
    preparations = list(session.preparations.all())
    administration = getattr(session, "administration", None)
    if administration is not None:
        # The preparation and decision the dose was given under, from the prefetched rows.
        preparation = next((p for p in preparations if p.pk == administration.preparation_id), None)
        decision = next((d for d in decisions if d.pk == administration.decision_id), None)
    else:
        preparation = preparations[-1] if preparations else None
        decision = decisions[-1] if decisions else None
    return SheetSession(
        session=session,
        pre_dose=assessments[-1] if assessments else None,
        decision=decision,
        overrides=tuple(session.overrides.all()),
        preparation=preparation,
        administration=administration,
        exceptions=tuple(session.exceptions.all()),
        adverse_events=tuple(session.adverse_events.all()),
    )


def _totals(rows: list[SheetSession]) -> tuple[DrugTotal, ...]:
    """Per drug and route: doses and mg given, a partial dose's remainder returned or wasted, and
    drawn doses wasted without being given (spilled, refused, held)."""
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for row in rows:
        given = row.administration
        if given is not None:
            total = sums[(given.drug, given.route)]
            total[0] += 1
            total[1] += given.dose_mg
            if row.remainder_kind == "returned":
                total[2] += given.remainder_mg
            elif row.remainder_kind == "wasted":
                total[3] += given.remainder_mg
        wasted = [abs(e.waste_entry.quantity_mg) for e in row.exceptions if e.waste_entry]
        if wasted and row.decision is not None:
            sums[(row.decision.drug, row.decision.route)][3] += sum(wasted, ZERO)
    return tuple(
        DrugTotal(drug, route, int(values[0]), values[1], values[2], values[3])
        for (drug, route), values in sorted(sums.items())
    )
