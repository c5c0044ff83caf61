"""Doses, sessions and adverse events: what was given, what the station decided, what happened."""

from __future__ import annotations

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.dosing.models import Administration, AdverseEvent, DosingSession, SessionDecision
from openhat.dosing.models.adverse import (
    AdverseEventKind,
    AdverseEventOutcome,
    AdverseEventSeverity,
    NaloxoneRoute,
)
from openhat.dosing.models.sessions import SessionState
from openhat.research.tables.base import (
    Column,
    Subjects,
    Table,
    day_column,
    sort_rows,
    yes_no,
)
from openhat.rules.doses import Drug, Route, SessionWindow
from openhat.rules.outcome import Verdict

DRUGS = tuple((d.value, d.value) for d in Drug)
ROUTES = tuple((r.value, r.value) for r in Route)
WINDOWS = tuple((w.value, w.value) for w in SessionWindow)
VERDICTS = tuple((v.value, v.value.replace("_", " ")) for v in Verdict)


def doses_table(subjects: Subjects) -> Table:
    table = Table(
        "doses",
        "Doses",
        "One row per dose given at the dosing station (an administration).",
        [
            Column("pseudonym", "text", "Pseudonym"),
            day_column("dose_day", "Dosing day", subjects),
            Column("dose_window", "choice", "Session window", choices=WINDOWS),
            Column("dose_drug", "choice", "Drug", choices=DRUGS),
            Column("dose_route", "choice", "Route", choices=ROUTES),
            Column("dose_mg", "decimal", "Dose given", unit="mg"),
            Column("dose_partial", "yesno", "Partial dose (part of the drawn dose not given)"),
            Column("dose_override", "yesno", "Given under a physician's override"),
        ],
    )
    rows = Administration.objects.filter(patient_id__in=list(subjects.survivor_of)).values_list(
        "patient_id",
        "session__dosing_day",
        "session__window",
        "drug",
        "route",
        "dose_mg",
        "remainder_mg",
        "override_id",
    )
    for patient_id, day, window, drug, route, dose_mg, remainder_mg, override_id in rows:
        table.add(
            {
                "pseudonym": subjects.of(patient_id).pseudonym,
                "dose_day": subjects.day(patient_id, day),
                "dose_window": window,
                "dose_drug": drug,
                "dose_route": route,
                "dose_mg": dose_mg,
                "dose_partial": yes_no(remainder_mg > 0),
                "dose_override": yes_no(override_id is not None),
            }
        )
    return sort_rows(table, "pseudonym", "dose_day", "dose_window")


def sessions_table(subjects: Subjects) -> Table:
    table = Table(
        "sessions",
        "Sessions",
        "One row per dosing session (attendance): how it ended and the engine's last verdict.",
        [
            Column("pseudonym", "text", "Pseudonym"),
            day_column("session_day", "Dosing day", subjects),
            Column("session_window", "choice", "Session window", choices=WINDOWS),
            Column(
                "session_state",
                "choice",
                "How the session stands",
                choices=tuple((s.value, s.label) for s in SessionState),
            ),
            Column("session_verdict", "choice", "The last decision's verdict", choices=VERDICTS),
        ],
    )
    sessions = list(
        DosingSession.objects.filter(patient_id__in=list(subjects.survivor_of)).values_list(
            "pk", "patient_id", "dosing_day", "window", "state"
        )
    )
    verdicts: dict[int, str] = {}
    for session_id, verdict in (
        SessionDecision.objects.filter(session_id__in=[s[0] for s in sessions])
        .order_by("at", "pk")
        .values_list("session_id", "verdict")
    ):
        verdicts[session_id] = verdict
    for pk, patient_id, day, window, state in sessions:
        table.add(
            {
                "pseudonym": subjects.of(patient_id).pseudonym,
                "session_day": subjects.day(patient_id, day),
                "session_window": window,
                "session_state": state,
                "session_verdict": verdicts.get(pk),
            }
        )
    return sort_rows(table, "pseudonym", "session_day", "session_window")


def adverse_events_table(subjects: Subjects, clinic: Clinic) -> Table:
    table = Table(
        "adverse_events",
        "Adverse events",
        "One row per adverse event; the description and the physician's note stay in the clinic.",
        [
            Column("pseudonym", "text", "Pseudonym"),
            day_column("ae_day", "Day of onset", subjects),
            Column(
                "ae_kind",
                "choice",
                "Kind",
                choices=tuple((k.value, k.label) for k in AdverseEventKind),
            ),
            Column(
                "ae_severity",
                "choice",
                "Severity",
                choices=tuple((k.value, k.label) for k in AdverseEventSeverity),
            ),
            Column("ae_session_drug", "choice", "Drug given in the session, if any", choices=DRUGS),
            Column("ae_naloxone", "yesno", "Naloxone given"),
            Column("ae_naloxone_mg", "decimal", "Naloxone dose", unit="mg"),
            Column(
                "ae_naloxone_route",
                "choice",
                "Naloxone route",
                choices=tuple((k.value, k.label) for k in NaloxoneRoute),
            ),
            Column("ae_oxygen", "yesno", "Oxygen given"),
            Column("ae_ambulance", "yesno", "Ambulance called"),
            Column(
                "ae_outcome",
                "choice",
                "Outcome",
                choices=tuple((k.value, k.label) for k in AdverseEventOutcome),
            ),
        ],
    )
    events = list(AdverseEvent.objects.filter(patient_id__in=list(subjects.survivor_of)))
    drugs = dict(
        Administration.objects.filter(
            session_id__in=[e.session_id for e in events if e.session_id]
        ).values_list("session_id", "drug")
    )
    for event in events:
        table.add(
            {
                "pseudonym": subjects.of(event.patient_id).pseudonym,
                "ae_day": subjects.day(event.patient_id, clinic_today(clinic, event.onset_at)),
                "ae_kind": event.kind,
                "ae_severity": event.severity,
                "ae_session_drug": drugs.get(event.session_id) if event.session_id else None,
                "ae_naloxone": yes_no(event.naloxone_given),
                "ae_naloxone_mg": event.naloxone_dose_mg,
                "ae_naloxone_route": event.naloxone_route or None,
                "ae_oxygen": yes_no(event.oxygen_given),
                "ae_ambulance": yes_no(event.ambulance_called),
                "ae_outcome": event.outcome,
            }
        )
    return sort_rows(table, "pseudonym", "ae_day")
