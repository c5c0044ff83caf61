"""Results and readings as FHIR R4 Observation resources (fhir.resources.R4B, validated).

- Urine drug screens (docs/domain.md §12.2): one Observation per substance tested, category
  laboratory, coded with LOINC's qualitative "[Presence] in Urine" code where one exists [UDS5]
  and text only where none does (6-MAM's are deprecated; none for acetylcodeine, papaverine,
  noscapine, buprenorphine or EtG). The value is Positive/Negative as text, the interpretation
  coded POS/NEG (v3 ObservationInterpretation). A corrected screen is sent as its correction.
- Readings at the dosing station (docs/domain.md §5): the sedation score (Pasero scale, 1-4) and
  breath alcohol (mg/L, UCUM), category exam, with local codes: no LOINC code for either has been
  checked against its source here.
- Interview scores: the answers on a scale (self-rated health and quality of life, 0-20), category
  survey, coded by the instrument's item and derived from the QuestionnaireResponse.

The subject is the pseudonymous client code only. Free-text notes are not sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fhir.resources.R4B.observation import Observation

from openhat.dosing.models import SessionAssessment
from openhat.fhir.common import LOINC, UCUM, patient_reference
from openhat.fhir.questionnaire import canonical
from openhat.interviews.loader import definition_of
from openhat.interviews.models import Interview
from openhat.screens.models import UrineDrugScreen
from openhat.screens.panel import Result, Substance

OBSERVATION_SYSTEM = "urn:openhat:observation"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
# Qualitative urine codes, "[Presence] in Urine" (docs/domain.md, source UDS5).
URINE_LOINC: dict[str, tuple[str, str]] = {
    Substance.MORPHINE_OPIATES: ("3879-4", "Opiates [Presence] in Urine"),
    Substance.METHADONE_EDDP: ("3773-9", "Methadone [Presence] in Urine"),
    Substance.FENTANYL: ("11235-9", "Fentanyl [Presence] in Urine"),
    Substance.COCAINE: ("3397-7", "Cocaine [Presence] in Urine"),
    Substance.AMPHETAMINES: ("3349-8", "Amphetamines [Presence] in Urine"),
    Substance.BENZODIAZEPINES: ("3390-2", "Benzodiazepines [Presence] in Urine"),
    Substance.CANNABIS: ("3427-2", "Cannabinoids [Presence] in Urine"),
}
_INTERPRETATION: dict[str, tuple[str, str]] = {
    Result.POSITIVE: ("POS", "Positive"),
    Result.NEGATIVE: ("NEG", "Negative"),
}
SEDATION = ("sedation-score", "Sedation score (Pasero Opioid-Induced Sedation Scale, 1-4)")
BREATH_ALCOHOL = ("breath-alcohol", "Breath alcohol concentration")


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


def _substance_code(substance: str) -> dict[str, Any]:
    label = Substance(substance).label
    code: dict[str, Any] = {"text": f"{label} in urine"}
    if substance in URINE_LOINC:
        loinc, display = URINE_LOINC[substance]
        code["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
    return code


def urine_screen_observations(screen: UrineDrugScreen, client_code: str) -> list[Observation]:
    """One Observation per substance the screen tested, in panel order."""
    resources = []
    for substance, _, result in screen.tested():
        interpretation, text = _INTERPRETATION[result]
        resources.append(
            Observation.model_validate(
                {
                    "resourceType": "Observation",
                    "id": f"screen-{screen.pk}-{substance.replace('_', '-')}",
                    "identifier": [
                        {"system": f"{OBSERVATION_SYSTEM}:screen", "value": f"{screen.pk}"}
                    ],
                    "status": "corrected" if screen.corrects_id else "final",
                    "category": _category("laboratory", "Laboratory"),
                    "code": _substance_code(substance),
                    "subject": patient_reference(client_code),
                    "effectiveDateTime": screen.sampled_at.isoformat(),
                    "issued": screen.recorded_at.isoformat(),
                    "valueCodeableConcept": {"text": text},
                    "interpretation": [
                        {"coding": [{"system": INTERPRETATION, "code": interpretation}]}
                    ],
                    "method": {"text": screen.get_setting_display()},
                }
            )
        )
    return resources


def _reading(
    assessment: SessionAssessment, client_code: str, kind: tuple[str, str], value: dict[str, Any]
) -> Observation:
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": f"assessment-{assessment.pk}-{kind[0]}",
            "status": "final",
            "category": _category("exam", "Exam"),
            "code": {
                "coding": [{"system": OBSERVATION_SYSTEM, "code": kind[0], "display": kind[1]}],
                "text": kind[1],
            },
            "subject": patient_reference(client_code),
            "effectiveDateTime": assessment.at.isoformat(),
            "performer": [{"display": assessment.by.get_username()}],
            **value,
        }
    )


def assessment_observations(assessment: SessionAssessment, client_code: str) -> list[Observation]:
    """The sedation score and breath alcohol of one pre- or post-dose assessment, where taken."""
    readings = []
    if assessment.sedation_score is not None:
        readings.append(
            _reading(assessment, client_code, SEDATION, {"valueInteger": assessment.sedation_score})
        )
    if assessment.breath_alcohol_mg_per_l is not None:
        amount: Decimal = assessment.breath_alcohol_mg_per_l
        quantity = {"value": amount, "unit": "mg/L", "system": UCUM, "code": "mg/L"}
        readings.append(
            _reading(assessment, client_code, BREATH_ALCOHOL, {"valueQuantity": quantity})
        )
    return readings


def interview_score_observations(interview: Interview, client_code: str) -> list[Observation]:
    """The interview's answers on a scale, each an Observation derived from its response."""
    if interview.instrument is None:
        return []
    definition = definition_of(interview.instrument)
    resources = []
    for item in definition.items:
        value = interview.answers.get(item.code)
        if item.type != "scale" or value is None:
            continue
        resources.append(
            Observation.model_validate(
                {
                    "resourceType": "Observation",
                    "id": f"interview-{interview.pk}-{item.code.replace('_', '-')}",
                    "status": "final",
                    "category": _category("survey", "Survey"),
                    "code": {
                        "coding": [{"system": canonical(definition.key), "code": item.code}],
                        "text": item.text,
                    },
                    "subject": patient_reference(client_code),
                    "effectiveDateTime": interview.on_date.isoformat(),
                    "valueInteger": int(value),
                    "derivedFrom": [
                        {"reference": f"QuestionnaireResponse/interview-{interview.pk}"}
                    ],
                    "note": [
                        {
                            "text": f"Scale {item.minimum} to {item.maximum}, at the interview "
                            f"of time point {interview.time_point}."
                        }
                    ],
                }
            )
        )
    return resources
