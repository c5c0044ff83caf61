"""Adverse events at the station as FHIR R4 AdverseEvent resources (fhir.resources.R4B, validated).

One resource per recorded event of the person (a merged duplicate's events come with its
survivor, as on the chart): its kind, severity and outcome in OpenHAT's own code systems (their
values are the station's choices, docs/domain.md §3.5), when it began and was recorded, and in the
event's text what was given (naloxone with its dose and route, oxygen, an ambulance). The free-text
description stays in the clinic: structured fields only, as in the study export.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent as FhirAdverseEvent

from openhat.dosing.models import AdverseEvent
from openhat.fhir.common import patient_reference
from openhat.patients.models import Patient
from openhat.patients.records import person_record_ids

SYSTEM = "urn:openhat:adverse-event"


def _coded(kind: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{SYSTEM}-{kind}", "code": code, "display": display}]}


def _given(event: AdverseEvent) -> str:
    given = []
    if event.naloxone_given:
        dose = f" {event.naloxone_dose_mg.normalize():f} mg" if event.naloxone_dose_mg else ""
        route = f" {event.get_naloxone_route_display().lower()}" if event.naloxone_route else ""
        given.append(f"naloxone{dose}{route}")
    if event.oxygen_given:
        given.append("oxygen")
    if event.ambulance_called:
        given.append("ambulance called")
    return "; ".join(given)


def adverse_event_resource(event: AdverseEvent, client_code: str) -> FhirAdverseEvent:
    given = _given(event)
    kind = event.get_kind_display()
    return FhirAdverseEvent.model_validate(
        {
            "resourceType": "AdverseEvent",
            "id": f"adverse-event-{event.pk}",
            "identifier": {"system": SYSTEM, "value": str(event.pk)},
            "actuality": "actual",
            "event": {
                **_coded("kind", event.kind, kind),
                "text": f"{kind}; {given}" if given else kind,
            },
            "subject": patient_reference(client_code),
            "date": event.onset_at.isoformat(),
            "recordedDate": event.recorded_at.isoformat(),
            "severity": _coded("severity", event.severity, event.get_severity_display()),
            "outcome": _coded("outcome", event.outcome, event.get_outcome_display()),
        }
    )


def adverse_events(patient: Patient) -> list[FhirAdverseEvent]:
    records = AdverseEvent.objects.filter(
        patient_id__in=person_record_ids(patient, clinic_id=patient.clinic_id)
    ).order_by("onset_at", "pk")
    return [adverse_event_resource(event, patient.client_code) for event in records]
