"""The patient as a FHIR R4 Patient (fhir.resources.R4B, validated).

Always: the pseudonymous client code as id and identifier, and `active` (false once the patient
exited). Only for a caller who may see identity (Capability.VIEW_IDENTITY), or a release
whose consent covers identity: the legal name (as text: the clinic records one unsplit name), the
date of birth, the administrative gender and the health number. The caller logs the read of the
identity (audit.record_access, AccessedRecord.IDENTITY) in the same request.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.patient import Patient as FhirPatient

from openhat.fhir.common import CLIENT_CODE_SYSTEM
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient, PatientIdentity, Sex

HEALTH_NUMBER_SYSTEM = "urn:openhat:health-number"
# Sex -> FHIR administrative-gender (http://hl7.org/fhir/R4/valueset-administrative-gender.html:
# male, female, other, unknown).
_GENDER: dict[str, str] = {
    Sex.FEMALE: "female",
    Sex.MALE: "male",
    Sex.OTHER: "other",
    Sex.UNKNOWN: "unknown",
}


def patient_resource(patient: Patient, identity: PatientIdentity | None = None) -> FhirPatient:
    """The Patient; with `identity` its name, birth date, gender and health number as well."""
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient.client_code,
        "identifier": [{"system": CLIENT_CODE_SYSTEM, "value": patient.client_code}],
        "active": patient.status != PatientStatus.EXITED,
    }
    if identity is not None:
        if identity.health_number:
            data["identifier"].append(
                {"system": HEALTH_NUMBER_SYSTEM, "value": identity.health_number}
            )
        data["name"] = [{"use": "official", "text": identity.legal_name}]
        data["birthDate"] = identity.date_of_birth.isoformat()
        data["gender"] = _GENDER[identity.sex]
    return FhirPatient.model_validate(data)
