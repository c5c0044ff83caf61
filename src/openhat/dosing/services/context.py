"""Building the rules engine's SessionContext from the database, for one patient, now.

Only the look-back window the engine reads is loaded (the bench showed building a context from a
year of history costs ~20x a decision): the last few days the vigilance and missed-day rules look
at, plus the patient's last dose before them, wherever it lies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Subquery

from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration as AdministrationRow
from openhat.dosing.models import (
    AdverseEvent,
    AssessmentKind,
    SessionAssessment,
    SessionDecision,
    SessionState,
)
from openhat.patients.models import Patient
from openhat.patients.records import person_record_ids
from openhat.prescribing.models import OrderState
from openhat.prescribing.services.queries import (
    LIVE_STATES,
    VersionSpan,
    active_orders,
    clinic_protocol,
    spans_in_force,
)
from openhat.rules.context import (
    Administration,
    AdverseEventNote,
    Assessment,
    DoseRequest,
    DosingHistory,
    EarlierReading,
    Override,
    SessionContext,
)
from openhat.rules.day import day_bounds, dosing_day
from openhat.rules.errors import AdjustmentError, PresetError
from openhat.rules.protocol import Protocol, loosen
from openhat.rules.readings import HOLD_RULES


def protocol_for(clinic: Clinic) -> Protocol:
    return clinic_protocol(clinic.dosing_preset)


def protocol_for_patient(
    clinic: Clinic, patient: Patient, now: datetime, spans: list[VersionSpan] | None = None
) -> Protocol:
    """The clinic's preset with the loosenings signed on the patient's orders in force now.

    A physician who signed an order beyond the preset gave a reason; the station applies the same
    loosened values, and every finding that uses one says so. `spans`: the order versions in force
    now on live lines, when the caller has them already (only active lines loosen).
    """
    protocol = protocol_for(clinic)
    versions = (
        active_orders(patient, now)
        if spans is None
        else [span.version for span in spans if span.line.state == OrderState.ACTIVE]
    )
    for version in versions:
        for item in version.preset_loosenings or ():
            try:
                protocol = loosen(
                    protocol,
                    str(item["key"]),
                    str(item["value"]),
                    reason=str(item.get("reason", "")),
                    approved_by=str(item.get("approved_by", "")),
                )
            except (AdjustmentError, PresetError, KeyError):
                # Already as loose (another order loosened it further) or no longer in the preset.
                continue
    return protocol


def look_back_days(protocol: Protocol) -> int:
    numbers = protocol.numbers
    return int(numbers["vigilance.first_days"]) + int(numbers["missed.retitrate_after_days"]) + 4


def history_for(
    patient: Patient, clinic: Clinic, protocol: Protocol, now: datetime
) -> DosingHistory:
    zone = clinic.zone
    since, _ = day_bounds(dosing_day(now, zone) - timedelta(days=look_back_days(protocol)), zone)
    # Plain tuples, not model instances: a context is built at every dose-writing step.
    fields = (
        "administered_at",
        "drug",
        "route",
        "dose_mg",
        "session_id",
        "session__state",
        "session__sign_off__assessment__sedation_score",
    )
    # One query: the look-back's doses and the newest one before it.
    # Every record of the person: a duplicate merged into this one counts as the same patient.
    records = person_record_ids(patient)
    newest_before = (
        AdministrationRow.objects.filter(patient_id__in=records, administered_at__lt=since)
        .order_by("-administered_at")
        .values("pk")[:1]
    )
    rows = list(
        AdministrationRow.objects.filter(patient_id__in=records)
        .filter(Q(administered_at__gte=since) | Q(pk=Subquery(newest_before)))
        .order_by("administered_at")
        .values_list(*fields)
    )
    return DosingHistory(
        administrations=tuple(
            Administration(
                at=at,
                drug=drug,
                route=route,
                dose_mg=dose_mg,
                session_id=str(session_id),
                # Signed off, or closed because the patient left before it ended.
                observation_signed_off=state != SessionState.OBSERVING,
                # The post-dose assessment that signed the observation off, if there was one.
                post_dose_sedation_score=post_dose,
            )
            for at, drug, route, dose_mg, session_id, state, post_dose in rows
        ),
        time_zone=clinic.time_zone,
    )


def adverse_events_for(
    patient: Patient, protocol: Protocol, now: datetime
) -> tuple[AdverseEventNote, ...]:
    """Adverse events in the preset's watch window, with whether a physician signed them off."""
    since = now - timedelta(hours=int(protocol.numbers["adverse_events.watch_hours"]))
    rows = AdverseEvent.objects.filter(
        patient_id__in=person_record_ids(patient), onset_at__gte=since, onset_at__lte=now
    ).select_related("sign_off")
    return tuple(
        AdverseEventNote(
            at=row.onset_at,
            kind=row.kind,  # type: ignore[arg-type]
            severity=row.severity,  # type: ignore[arg-type]
            naloxone_given=row.naloxone_given,
            physician_signed_off=hasattr(row, "sign_off"),
        )
        for row in sorted(rows, key=lambda row: row.onset_at)
    )


def assessment_of(row: SessionAssessment | None) -> Assessment:
    if row is None:
        return Assessment()
    return Assessment(
        sedation_score=row.sedation_score,
        breath_alcohol_mg_per_l=row.breath_alcohol_mg_per_l,
        signs=tuple(row.signs),
        at=row.at,
    )


def earlier_readings_for(
    patient: Patient, clinic: Clinic, current: SessionAssessment | None, now: datetime
) -> tuple[EarlierReading, ...]:
    """The patient's pre-dose readings earlier today (every session's, this one's too), each
    with the holds a decision found on it, so that a hold carries over (docs/domain.md §5)."""
    zone = clinic.zone
    since, _ = day_bounds(dosing_day(now, zone), zone)
    until = now if current is None else current.at
    readings = SessionAssessment.objects.filter(
        # A hold recorded today on a record merged into this one stands too (patients.records).
        session__patient_id__in=person_record_ids(patient),
        kind=AssessmentKind.PRE_DOSE,
        at__gte=since,
        at__lte=until,
    )
    if current is not None:
        readings = readings.exclude(pk=current.pk)
    rows = list(
        readings.order_by("at", "pk").values_list(
            "pk", "session_id", "at", "sedation_score", "breath_alcohol_mg_per_l"
        )
    )
    if not rows:
        return ()
    held: dict[int, set[str]] = {pk: set() for pk, *_ in rows}
    hold_rules = set(HOLD_RULES.values())
    decisions = SessionDecision.objects.filter(
        session_id__in={session for _, session, *_ in rows}, at__gte=since, at__lte=now
    ).values_list("session_id", "at", "findings")
    for session_id, decided_at, findings in decisions:
        # The reading a decision was made on: its session's latest one before it.
        reading = None
        for pk, session, at, *_ in rows:
            if session == session_id and at <= decided_at:
                reading = pk
        if reading is None:
            continue
        held[reading] |= {
            str(item["rule_id"])
            for item in findings
            if item.get("rule_id") in hold_rules and not item.get("overridden")
        }
    return tuple(
        EarlierReading(
            at=at,
            sedation_score=score,
            breath_alcohol_mg_per_l=alcohol,
            held=frozenset(held[pk]),
        )
        for pk, _, at, score, alcohol in rows
    )


def session_context(
    *,
    patient: Patient,
    clinic: Clinic,
    request: DoseRequest,
    assessment: SessionAssessment | None,
    now: datetime,
    overrides: tuple[Override, ...] = (),
) -> SessionContext:
    spans = spans_in_force(patient, now, LIVE_STATES)
    protocol = protocol_for_patient(clinic, patient, now, spans)
    return SessionContext(
        protocol=protocol,
        orders=tuple(span.engine_order() for span in spans),
        history=history_for(patient, clinic, protocol, now),
        assessment=assessment_of(assessment),
        request=request,
        now=now,
        overrides=overrides,
        adverse_events=adverse_events_for(patient, protocol, now),
        earlier_readings=earlier_readings_for(patient, clinic, assessment, now),
    )


def mg(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
