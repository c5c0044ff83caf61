"""The clinic's own full FHIR export: every patient's resources as the per-patient FHIR routes map
them (openhat.fhir), with the client code as each patient's identifier and, in Patient, the legal
name, date of birth and health number.

For the clinic itself only (a backup, a move to another system): it is a manager's job
(Capability.EXPORT_CLINIC_DATA). Its files are identifiable, so every patient in it is logged as
a view of identifying data (docs/domain.md §7 invariant 7). Sending it to anyone outside the clinic
is a release of information (enrolment.checks.release_consent), which this export is not.
"""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.resource import Resource

from openhat.care.models import CarePlan, Referral
from openhat.fhir.care_plan import care_plan_resource
from openhat.fhir.common import CLIENT_CODE_SYSTEM
from openhat.fhir.consent import consents
from openhat.fhir.medication_administration import medication_administrations
from openhat.fhir.medication_request import medication_requests
from openhat.fhir.questionnaire import questionnaire_response
from openhat.fhir.service_request import service_request_resource
from openhat.interviews.models import Interview, InterviewStatus
from openhat.patients.models import Patient, PatientIdentity

HEALTH_NUMBER_SYSTEM = "urn:openhat:health-number"


def patient_resource(patient: Patient, identity: PatientIdentity | None) -> FhirPatient:
    identifiers = [{"system": CLIENT_CODE_SYSTEM, "value": patient.client_code}]
    data: dict[str, object] = {"resourceType": "Patient", "id": patient.client_code}
    if identity is not None:
        if identity.health_number:
            identifiers.append({"system": HEALTH_NUMBER_SYSTEM, "value": identity.health_number})
        data["name"] = [{"text": identity.legal_name}]
        data["birthDate"] = identity.date_of_birth.isoformat()
        data["gender"] = identity.sex
    data["identifier"] = identifiers
    data["active"] = patient.status != "exited"
    return FhirPatient.model_validate(data)


def clinic_resources(patients: list[Patient], today: date) -> dict[str, list[Resource]]:
    """Every resource type of the clinic's patients (survivor records; a merged duplicate's rows
    come with its survivor, as on the chart)."""
    by_type: dict[str, list[Resource]] = {
        "Patient": [],
        "MedicationRequest": [],
        "MedicationAdministration": [],
        "Consent": [],
        "CarePlan": [],
        "ServiceRequest": [],
        "QuestionnaireResponse": [],
    }
    identities = {i.patient_id: i for i in PatientIdentity.objects.filter(patient__in=patients)}
    for patient in patients:
        by_type["Patient"].append(patient_resource(patient, identities.get(patient.pk)))
        by_type["MedicationRequest"] += medication_requests(patient)
        by_type["MedicationAdministration"] += medication_administrations(
            patient, date(1900, 1, 1), today
        )
        by_type["Consent"] += consents(patient, today)
        plan = CarePlan.objects.filter(patient=patient).first()
        if plan is not None:
            by_type["CarePlan"] += care_plan_resource(plan)
        by_type["ServiceRequest"] += [
            service_request_resource(referral)
            for referral in Referral.objects.filter(patient=patient).order_by("pk")
        ]
        by_type["QuestionnaireResponse"] += [
            questionnaire_response(interview, patient.client_code)
            for interview in Interview.objects.filter(
                patient=patient, status=InterviewStatus.COMPLETED
            ).select_related("instrument")
        ]
    return by_type
