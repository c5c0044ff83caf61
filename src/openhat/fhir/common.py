"""What the FHIR mappers share: code systems, the patient reference, and the searchset Bundle."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

CLIENT_CODE_SYSTEM = "urn:openhat:client-code"
# The canonical system URIs of HL7 Terminology (THO, https://terminology.hl7.org/): e.g. WHO ATC
# is CodeSystem v3-WC, official URL http://www.whocc.no/atc; the v3 and consent code systems
# live under http://terminology.hl7.org/CodeSystem/.
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"


def patient_reference(client_code: str) -> dict[str, Any]:
    """The subject by its pseudonymous client code: never a name or another identifier."""
    return {"identifier": {"system": CLIENT_CODE_SYSTEM, "value": client_code}}


def mg(amount: Any) -> dict[str, Any]:
    return {"value": amount, "unit": "mg", "system": UCUM, "code": "mg"}


def searchset(resources: list[Resource]) -> Bundle:
    """A searchset Bundle of already validated resources, validated again as a whole."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [
                {
                    "resource": resource.model_dump(mode="json", exclude_none=True),
                    "search": {"mode": "match"},
                }
                for resource in resources
            ],
        }
    )


def as_json(resource: Resource) -> str:
    return str(resource.model_dump_json(exclude_none=True))
