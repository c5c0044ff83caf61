"""A study's FHIR resources, made from its already pseudonymised tables (research.tables).

Building from the tables rather than from the clinic's records means the NDJSON can hold nothing
the tables do not: no identifier, no name, no staff, no free text, and the same shifted dates.
Every id is keyed: `<pseudonym>` for a Patient and `<pseudonym>-<kind><n>` for the rest, numbered
in the tables' order. References are relative (`Patient/<pseudonym>`). FHIR dates must be dates,
so a study that chose relative days gets the tables only (study_dates_relative).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any, cast

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from openhat.fhir.common import ATC, SNOMED, mg
from openhat.fhir.medication_request import MEDICATIONS, ROUTES
from openhat.fhir.questionnaire import canonical
from openhat.interviews.loader import definition_of
from openhat.interviews.models import Instrument
from openhat.research.tables import Table
from openhat.research.tables.records import ITEM_PREFIX, UDS_PREFIX

SYSTEM = "urn:openhat:research"
GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def _rows(table: Table) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], table.rows)


def _subject(row: dict[str, Any]) -> dict[str, str]:
    return {"reference": f"Patient/{row['pseudonym']}"}


def _day(value: Any) -> str:
    return value.isoformat()


def _medication(drug: str) -> dict[str, Any]:
    code, display, text = MEDICATIONS[drug]
    return {"coding": [{"system": ATC, "code": code, "display": display}], "text": text}


def _route(route: str) -> dict[str, Any]:
    code, display, text = ROUTES[route]
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": text}


def _code(kind: str, value: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{SYSTEM}:{kind}", "code": value}]}


class _Ids:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def next(self, row: dict[str, Any], kind: str) -> str:
        key = (row["pseudonym"], kind)
        self.counts[key] += 1
        return f"{row['pseudonym']}-{kind}{self.counts[key]}"


def _patients(table: Table) -> list[Resource]:
    return [
        Patient.model_validate(
            {"resourceType": "Patient", "id": row["pseudonym"], "gender": GENDERS[row["sex"]]}
        )
        for row in _rows(table)
    ]


def _doses(table: Table, ids: _Ids) -> list[Resource]:
    return [
        MedicationAdministration.model_validate(
            {
                "resourceType": "MedicationAdministration",
                "id": ids.next(row, "d"),
                "status": "completed",
                "medicationCodeableConcept": _medication(row["dose_drug"]),
                "subject": _subject(row),
                "effectiveDateTime": _day(row["dose_day"]),
                "dosage": {"route": _route(row["dose_route"]), "dose": mg(row["dose_mg"])},
            }
        )
        for row in _rows(table)
    ]


def _orders(table: Table, ids: _Ids) -> list[Resource]:
    resources: list[Resource] = []
    for row in _rows(table):
        period: dict[str, str] = {"start": _day(row["order_start_day"])}
        if row["order_end_day"] is not None:
            period["end"] = _day(row["order_end_day"])
        resources.append(
            MedicationRequest.model_validate(
                {
                    "resourceType": "MedicationRequest",
                    "id": ids.next(row, "o"),
                    "status": "active" if row["order_end_day"] is None else "completed",
                    "intent": "order",
                    "medicationCodeableConcept": _medication(row["order_drug"]),
                    "subject": _subject(row),
                    "authoredOn": _day(row["order_start_day"]),
                    "dosageInstruction": [
                        {
                            "route": {"text": row["order_routes"].replace("|", " or ")},
                            "doseAndRate": [
                                {
                                    "doseRange": {
                                        "low": mg(row["order_dose_min_mg"]),
                                        "high": mg(row["order_dose_max_mg"]),
                                    }
                                }
                            ],
                            "maxDosePerAdministration": mg(row["order_dose_max_mg"]),
                        }
                    ],
                    "dispenseRequest": {"validityPeriod": period},
                }
            )
        )
    return resources


def _screens(table: Table, ids: _Ids) -> list[Resource]:
    resources: list[Resource] = []
    for row in _rows(table):
        components = [
            {
                "code": _code("substance", name.removeprefix(UDS_PREFIX)),
                "valueCodeableConcept": _code("screen-result", value),
            }
            for name, value in row.items()
            if name.startswith(UDS_PREFIX)
            and name not in ("uds_day", "uds_supervised", "uds_setting", "uds_street_heroin")
            and value != "not_tested"
        ]
        resources.append(
            Observation.model_validate(
                {
                    "resourceType": "Observation",
                    "id": ids.next(row, "u"),
                    "status": "final",
                    "code": {
                        **_code("observation", "urine-drug-screen"),
                        "text": "Urine drug screen",
                    },
                    "subject": _subject(row),
                    "effectiveDateTime": _day(row["uds_day"]),
                    "valueCodeableConcept": _code("street-heroin", row["uds_street_heroin"]),
                    "component": components or None,
                }
            )
        )
    return resources


def _adverse_events(table: Table, ids: _Ids) -> list[Resource]:
    return [
        AdverseEvent.model_validate(
            {
                "resourceType": "AdverseEvent",
                "id": ids.next(row, "ae"),
                "actuality": "actual",
                "event": _code("adverse-event-kind", row["ae_kind"]),
                "subject": _subject(row),
                "date": _day(row["ae_day"]),
                "severity": _code("adverse-event-severity", row["ae_severity"]),
                "outcome": _code("adverse-event-outcome", row["ae_outcome"]),
            }
        )
        for row in _rows(table)
    ]


def _answer(value: Any, item_type: str) -> dict[str, Any]:
    """The answer as the Questionnaire types it (openhat.fhir.questionnaire): yes/no items are
    booleans (the tables hold them as 1/0), choices codings, the rest integers."""
    if item_type == "yes_no":
        return {"valueBoolean": bool(value)}
    if isinstance(value, str):
        return {"valueCoding": {"system": f"{SYSTEM}:answer", "code": value}}
    return {"valueInteger": int(value)}


@cache
def _item_types(key: str, version: int) -> dict[str, str]:
    instrument = Instrument.objects.get(key=key, version=version)
    return {item.code: item.type for item in definition_of(instrument).items}


def _interviews(table: Table, ids: _Ids) -> list[Resource]:
    resources: list[Resource] = []
    for row in _rows(table):
        if row["interview_status"] != "completed" or not row["interview_instrument"]:
            continue
        key, version = str(row["interview_instrument"]).split(":")
        types = _item_types(key, int(version))
        items = [
            {"linkId": code, "answer": [_answer(value, types.get(code, ""))]}
            for name, value in row.items()
            if name.startswith(ITEM_PREFIX) and value is not None
            for code in [name.removeprefix(ITEM_PREFIX)]
            if code in types
        ]
        resources.append(
            QuestionnaireResponse.model_validate(
                {
                    "resourceType": "QuestionnaireResponse",
                    "id": ids.next(row, "q"),
                    "questionnaire": f"{canonical(key)}|{version}",
                    "status": "completed",
                    "subject": _subject(row),
                    "authored": _day(row["interview_day"]),
                    "item": items or None,
                }
            )
        )
    return resources


def research_resources(tables: list[Table]) -> dict[str, list[Resource]]:
    by_name = {table.name: table for table in tables}
    ids = _Ids()
    return {
        "Patient": _patients(by_name["patients"]),
        "MedicationRequest": _orders(by_name["orders"], ids),
        "MedicationAdministration": _doses(by_name["doses"], ids),
        "AdverseEvent": _adverse_events(by_name["adverse_events"], ids),
        "Observation": _screens(by_name["urine_screens"], ids),
        "QuestionnaireResponse": _interviews(by_name["interviews"], ids),
    }
