"""Order versions as FHIR R4 MedicationRequest resources (fhir.resources.R4B, validated).

One resource per signed version: id "<line>-<version>", groupIdentifier the order line, and
priorPrescription the version it superseded. Status, from the line's state and the version's
validity at `now`: stopped (the line was stopped, or a later version replaced this one), on-hold
(the line is suspended), completed (its validity ended), otherwise active.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.medicationrequest import MedicationRequest

from openhat.fhir.common import ATC, SNOMED, UCUM, mg, patient_reference
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderState, OrderVersion
from openhat.prescribing.services import order_history

ORDER_LINE_SYSTEM = "urn:openhat:order-line"
ORDER_VERSION_SYSTEM = "urn:openhat:order-version"

# drug: (WHO ATC code, its ATC name as the coding's display, the clinic's name as the text).
# Codes and names from the WHO Collaborating Centre's ATC/DDD index
# (http://www.whocc.no/atc_ddd_index/?code=N07BC02), as openFDA's substance records cite them
# (code system WHO-ATC). N07BC is "drugs used in opioid dependence"; hydromorphone and
# morphine are classed as analgesics (N02AA), naltrexone under alcohol dependence (N07BB).
MEDICATIONS: dict[str, tuple[str, str, str]] = {
    "dam": ("N07BC06", "diamorphine", "Diacetylmorphine (diamorphine)"),
    "hdm": ("N02AA03", "hydromorphone", "Hydromorphone"),
    "methadone": ("N07BC02", "methadone", "Methadone"),
    "srom": ("N02AA01", "morphine", "Slow-release oral morphine"),
    "buprenorphine": ("N07BC01", "buprenorphine", "Buprenorphine"),
    "naltrexone_xr": ("N07BB04", "naltrexone", "Extended-release naltrexone"),
}
# route: (SNOMED CT code, its display, the text shown). Descendants of 284009009 "Route of
# administration value", as listed in FHIR's SNOMED CT Route Codes value set
# (http://hl7.org/fhir/R4/valueset-route-codes.html). SNOMED CT has no "inhalation route" in the
# international edition: inhaled doses take 447694001 "Respiratory tract route", as FHIR
# implementation guides do for inhalers (e.g. the Belgian federal route value set).
ROUTES: dict[str, tuple[str, str, str]] = {
    "iv": ("47625008", "Intravenous route", "Intravenous"),
    "im": ("78421000", "Intramuscular route", "Intramuscular"),
    "sc": ("34206005", "Subcutaneous route", "Subcutaneous"),
    "oral": ("26643006", "Oral route", "Oral"),
    "inhaled": ("447694001", "Respiratory tract route", "Inhaled"),
}
# FHIR EventTiming codes (http://hl7.org/fhir/R4/codesystem-event-timing.html) for the clinic's
# session windows: MORN "Morning", NOON "Noon", EVE "Evening".
WINDOWS = {"morning": "MORN", "midday": "NOON", "evening": "EVE"}


def resource_id(version: OrderVersion) -> str:
    return f"{version.line_id}-{version.number}"


def _status(version: OrderVersion, replaced_from: datetime | None, now: datetime) -> str:
    if version.line.state == OrderState.STOPPED:
        return "stopped"
    if replaced_from is not None and replaced_from <= now:
        return "stopped"
    if version.ends_at is not None and version.ends_at <= now:
        return "completed"
    if version.line.state == OrderState.SUSPENDED:
        return "on-hold"
    return "active"


def _route(routes: list[str]) -> dict[str, Any]:
    """One route is coded; a choice of routes (the nurse picks at the session) is text only,
    since one CodeableConcept's codings must all mean the same thing."""
    if len(routes) == 1:
        code, display, text = ROUTES[routes[0]]
        return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": text}
    return {"text": " or ".join(ROUTES[route][2] for route in routes)}


def _dose(version: OrderVersion) -> dict[str, Any]:
    if version.is_fixed_dose:
        return {"doseQuantity": mg(version.dose_min_mg)}
    return {"doseRange": {"low": mg(version.dose_min_mg), "high": mg(version.dose_max_mg)}}


def _dose_text(version: OrderVersion) -> str:
    dose = (
        f"{version.dose_min_mg.normalize():f} mg"
        if version.is_fixed_dose
        else f"{version.dose_min_mg.normalize():f}-{version.dose_max_mg.normalize():f} mg"
    )
    return (
        f"{dose} per session, {version.sessions_per_day} session(s) a day, at most "
        f"{version.daily_max_mg.normalize():f} mg a day ({version.phase})"
    )


def _period(start: datetime, end: datetime | None) -> dict[str, Any]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def medication_request(
    version: OrderVersion, *, client_code: str, replaced_from: datetime | None, now: datetime
) -> MedicationRequest:
    """The version as a validated MedicationRequest; `replaced_from` is when the next version of
    its line took over (None if none has)."""
    code, atc_name, name = MEDICATIONS[version.drug]
    ends = [moment for moment in (version.ends_at, replaced_from) if moment is not None]
    timing_repeat: dict[str, Any] = {
        "frequency": version.sessions_per_day,
        "period": 1,
        "periodUnit": "d",
    }
    if version.windows:
        timing_repeat["when"] = [WINDOWS[window] for window in version.windows]
    data: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": resource_id(version),
        "identifier": [{"system": ORDER_VERSION_SYSTEM, "value": resource_id(version)}],
        "groupIdentifier": {"system": ORDER_LINE_SYSTEM, "value": str(version.line_id)},
        "status": _status(version, replaced_from, now),
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": ATC, "code": code, "display": atc_name}],
            "text": name,
        },
        "subject": patient_reference(client_code),
        "authoredOn": version.signed_at.isoformat(),
        "requester": {"display": version.signed_by.get_username()},
        "dosageInstruction": [
            {
                "text": _dose_text(version),
                "route": _route(list(version.routes)),
                "timing": {"repeat": timing_repeat},
                "doseAndRate": [_dose(version)],
                "maxDosePerPeriod": {
                    "numerator": mg(version.daily_max_mg),
                    "denominator": {
                        "value": 1,
                        "unit": "d",
                        "system": UCUM,
                        "code": "d",
                    },
                },
            }
        ],
        "dispenseRequest": {"validityPeriod": _period(version.starts_at, min(ends, default=None))},
    }
    if version.supersedes_id is not None:
        data["priorPrescription"] = {
            "reference": f"MedicationRequest/{version.line_id}-{version.number - 1}"
        }
    if version.note:
        data["note"] = [{"text": version.note}]
    return MedicationRequest.model_validate(data)


def medication_requests(patient: Patient, now: datetime | None = None) -> list[MedicationRequest]:
    """Every order version of the patient, in signing order, as MedicationRequest resources.

    For the clinic's own staff. Sending these outside the clinic is a release of information:
    such an export must first call openhat.enrolment.checks.release_consent for the
    "prescriptions" category and the recipient and purpose.
    """
    moment = now or timezone.now()
    versions = order_history(patient)
    successor_start = {
        (version.line_id, version.number - 1): version.starts_at
        for version in versions
        if version.number > 1
    }
    return [
        medication_request(
            version,
            client_code=patient.client_code,
            replaced_from=successor_start.get((version.line_id, version.number)),
            now=moment,
        )
        for version in versions
    ]
