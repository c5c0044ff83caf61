"""Outcome interviews as FHIR R4 resources (fhir.resources.R4B, validated): a Questionnaire for
each instrument version, and a QuestionnaireResponse for each interview answered.

The Questionnaire's canonical URL names the instrument (`urn:openhat:questionnaire:<key>`) and its
`version` the version, so a response points at exactly the items it answered
(`questionnaire = url|version`). Items are grouped by the instrument's sections; days, counts and
scales are integers with their bounds in the standard minValue/maxValue extensions
(http://hl7.org/fhir/R4/extension-minvalue.html), yes/no are booleans, a choice lists its options
as codings in a system of the item. The recall period is in the description. A missed interview
has no answers and no response; it is in the JSON API with its reason.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from openhat.fhir.common import patient_reference
from openhat.interviews.definition import Definition, Item
from openhat.interviews.loader import definition_of
from openhat.interviews.models import Instrument, Interview

QUESTIONNAIRE_SYSTEM = "urn:openhat:questionnaire"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_TYPES = {"days": "integer", "count": "integer", "scale": "integer", "yes_no": "boolean"}


def canonical(key: str) -> str:
    return f"{QUESTIONNAIRE_SYSTEM}:{key}"


def _option_system(definition: Definition, item: Item) -> str:
    return f"{canonical(definition.key)}:{item.code}"


def _question(definition: Definition, item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": item.code,
        "text": item.prompt(definition.recall_days),
        "type": _TYPES.get(item.type, "choice"),
        "required": item.required,
    }
    if item.type == "choice":
        system = _option_system(definition, item)
        question["answerOption"] = [
            {"valueCoding": {"system": system, "code": value, "display": label}}
            for value, label in item.options
        ]
    elif item.type != "yes_no":
        ceiling = definition.recall_days if item.type == "days" else item.maximum
        question["extension"] = [
            {"url": MIN_VALUE, "valueInteger": item.minimum},
            {"url": MAX_VALUE, "valueInteger": ceiling},
        ]
    return question


def questionnaire(instrument: Instrument) -> Questionnaire:
    definition = definition_of(instrument)
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": f"{instrument.key}-{instrument.version}",
            "url": canonical(instrument.key),
            "version": str(instrument.version),
            "name": instrument.key.replace("-", "_"),
            "title": instrument.title,
            "status": "active",
            "subjectType": ["Patient"],
            "description": (
                f"Recall period: the last {definition.recall_days} days. {definition.recall_source}"
            ),
            "item": [
                {
                    "linkId": section.code,
                    "text": section.title,
                    "type": "group",
                    "item": [
                        _question(definition, item) for item in definition.items_of(section.code)
                    ],
                }
                for section in definition.sections
                if definition.items_of(section.code)
            ],
        }
    )


def _answer(definition: Definition, item: Item, value: Any) -> dict[str, Any]:
    if item.type == "yes_no":
        return {"valueBoolean": bool(value)}
    if item.type == "choice":
        return {
            "valueCoding": {
                "system": _option_system(definition, item),
                "code": str(value),
                "display": item.option_label(str(value)),
            }
        }
    return {"valueInteger": int(value)}


def questionnaire_response(interview: Interview, client_code: str) -> QuestionnaireResponse:
    instrument = interview.instrument
    if instrument is None:
        raise ValueError("a missed interview has no answers to send")
    definition = definition_of(instrument)
    groups = []
    for section in definition.sections:
        answered = [
            {
                "linkId": item.code,
                "answer": [_answer(definition, item, interview.answers[item.code])],
            }
            for item in definition.items_of(section.code)
            if interview.answers.get(item.code) is not None
        ]
        if answered:
            groups.append({"linkId": section.code, "item": answered})
    return QuestionnaireResponse.model_validate(
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"interview-{interview.pk}",
            "identifier": {"system": "urn:openhat:interview", "value": str(interview.pk)},
            "questionnaire": f"{canonical(instrument.key)}|{instrument.version}",
            "status": "completed",
            "subject": patient_reference(client_code),
            "authored": interview.on_date.isoformat(),
            "item": groups,
        }
    )
