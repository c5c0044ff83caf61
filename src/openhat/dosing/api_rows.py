"""The dosing station's records as the JSON API answers them (plain dicts for the schemas).

Each row is built from its own append-only record only, so a retry with the same idempotency key
gets the same body as the first attempt.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from openhat.dosing.models import (
    Administration,
    AdverseEvent,
    AdverseEventSignOff,
    DosePreparation,
    DosingSession,
    ObservationSignOff,
    SessionAssessment,
    SessionDecision,
    SessionException,
    SessionOverride,
    SessionState,
)
from openhat.dosing.services.overrides import liftable_findings
from openhat.dosing.services.steps import current_preparation
from openhat.dosing.sites import SITES_BY_ROUTE
from openhat.pharmacy.models import EntryKind


def _name(user: User | None) -> str | None:
    return None if user is None else user.get_username()


def session_row(session: DosingSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "patient_id": session.patient_id,
        "client_code": session.patient.client_code,
        "window": session.window,
        "dosing_day": session.dosing_day,
        "state": session.state,
        "checked_in_at": session.checked_in_at,
        "checked_in_by": _name(session.checked_in_by),
        "ended_at": session.ended_at,
        "end_reason": session.end_reason,
        "out_of_window_by": _name(session.out_of_window_by) if session.out_of_window else None,
        "out_of_window_reason": session.out_of_window_reason,
    }


def assessment_row(row: SessionAssessment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "kind": row.kind,
        "sedation_score": row.sedation_score,
        "breath_alcohol_mg_per_l": row.breath_alcohol_mg_per_l,
        "signs": list(row.signs),
        "notes": row.notes,
        "at": row.at,
        "by": _name(row.by),
    }


def decision_row(row: SessionDecision) -> dict[str, Any]:
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "drug": row.drug,
        "route": row.route,
        "requested_mg": row.requested_mg,
        "verdict": row.verdict,
        "max_dose_mg": row.max_dose_mg,
        "cap_mg": row.cap_mg,
        "observation_minutes": row.observation_minutes,
        "findings": row.findings,
        "engine_version": row.engine_version,
        "preset_key": row.preset_key,
        "preset_hash": row.preset_hash,
        "at": row.at,
        "by": _name(row.by),
    }


def preparation_row(row: DosePreparation) -> dict[str, Any]:
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "decision_id": row.decision_id,
        "lot_id": row.lot_id,
        "lot_number": row.lot.lot_number,
        "location_id": row.location_id,
        "dose_mg": row.dose_mg,
        "volume_ml": row.volume_ml,
        "ledger_entry_id": row.issued_entry_id,
        "at": row.at,
        "by": _name(row.by),
    }


def administration_row(row: Administration) -> dict[str, Any]:
    remainder = ""
    if row.remainder_entry is not None:
        remainder = "return" if row.remainder_entry.kind == EntryKind.DOSE_RETURNED else "waste"
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "decision_id": row.decision_id,
        "drug": row.drug,
        "route": row.route,
        "site": row.site,
        "dose_mg": row.dose_mg,
        "preparation_id": row.preparation_id,
        "ledger_entry_id": row.issued_entry_id,
        "override_id": row.override_id,
        "remainder_mg": row.remainder_mg,
        "remainder": remainder,
        "remainder_entry_id": row.remainder_entry_id,
        "remainder_witness": _name(row.remainder_witness),
        "administered_at": row.administered_at,
        "observe_until": row.observe_until,
        "nurse": _name(row.nurse),
    }


def sign_off_row(row: ObservationSignOff) -> dict[str, Any]:
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "sedation_score": row.assessment.sedation_score,
        "notes": row.assessment.notes,
        "at": row.at,
        "by": _name(row.by),
        "physician": _name(row.physician),
    }


def exception_row(row: SessionException) -> dict[str, Any]:
    return {
        "id": row.pk,
        "session_id": row.session_id,
        "kind": row.kind,
        "notes": row.notes,
        "preparation_id": row.preparation_id,
        "waste_entry_id": row.waste_entry_id,
        "witness": _name(row.witness),
        "at": row.at,
        "by": _name(row.by),
    }


def override_row(row: SessionOverride) -> dict[str, Any]:
    return {
        "id": row.pk,
        "decision_id": row.decision_id,
        "rule_ids": list(row.rule_ids),
        "allowed_dose_mg": row.allowed_dose_mg,
        "reason": row.reason,
        "physician": _name(row.physician),
        "via": row.via,
        "second_factor_verified_at": row.second_factor_verified_at,
        "at": row.at,
    }


def adverse_sign_off_row(row: AdverseEventSignOff) -> dict[str, Any]:
    return {
        "id": row.pk,
        "event_id": row.event_id,
        "physician": _name(row.physician),
        "note": row.note,
        "at": row.at,
    }


def adverse_event_row(row: AdverseEvent) -> dict[str, Any]:
    signed = AdverseEventSignOff.objects.filter(event=row).select_related("physician").first()
    return {
        "id": row.pk,
        "patient_id": row.patient_id,
        "client_code": row.patient.client_code,
        "session_id": row.session_id,
        "kind": row.kind,
        "severity": row.severity,
        "onset_at": row.onset_at,
        "description": row.description,
        "naloxone_given": row.naloxone_given,
        "naloxone_dose_mg": row.naloxone_dose_mg,
        "naloxone_route": row.naloxone_route,
        "oxygen_given": row.oxygen_given,
        "ambulance_called": row.ambulance_called,
        "outcome": row.outcome,
        "recorded_at": row.recorded_at,
        "recorded_by": _name(row.recorded_by),
        "sign_off": None if signed is None else adverse_sign_off_row(signed),
    }


def session_detail(session: DosingSession) -> dict[str, Any]:
    """The session with every step so far, and what the next step needs."""
    decisions = list(session.decisions.select_related("by").order_by("at", "pk"))
    latest = decisions[-1] if decisions else None
    administration = (
        Administration.objects.filter(session=session)
        .select_related("nurse", "remainder_witness", "remainder_entry")
        .first()
    )
    signed = (
        ObservationSignOff.objects.filter(session=session)
        .select_related("by", "assessment")
        .first()
    )
    preparation = current_preparation(session)
    awaiting_dose = session.state == SessionState.DECIDED and latest is not None
    return {
        **session_row(session),
        "identity_confirmed": session.identity_confirmed,
        "assessments": [
            assessment_row(row)
            for row in session.assessments.select_related("by").order_by("at", "pk")
        ],
        "decision": None if latest is None else decision_row(latest),
        "decision_ids": [row.pk for row in decisions],
        "preparation": None
        if preparation is None
        else preparation_row(
            DosePreparation.objects.select_related("lot", "by").get(pk=preparation.pk)
        ),
        "administration": None if administration is None else administration_row(administration),
        "sign_off": None if signed is None else sign_off_row(signed),
        "exceptions": [
            exception_row(row)
            for row in session.exceptions.select_related("by", "witness").order_by("at", "pk")
        ],
        "overrides": [
            override_row(row)
            for row in session.overrides.select_related("physician").order_by("at", "pk")
        ],
        "liftable_findings": liftable_findings(latest) if awaiting_dose and latest else [],
        "sites": list(SITES_BY_ROUTE.get(latest.route, ())) if latest else [],
        "adverse_events": [
            adverse_event_row(row)
            for row in session.adverse_events.select_related("patient", "recorded_by").order_by(
                "onset_at", "pk"
            )
        ],
    }
