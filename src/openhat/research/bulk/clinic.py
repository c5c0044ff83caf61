"""The clinic's own full FHIR export: every patient's resources as the per-patient FHIR routes map
them (openhat.fhir), with the client code as each patient's identifier and, in Patient, the legal
name, date of birth and health number.

For the clinic itself only (a backup, a move to another system): it is a manager's job
(Capability.EXPORT_CLINIC_DATA). Its files are identifiable, so every patient in it is logged as
a view of identifying data and of each kind of record read (docs/domain.md §7 invariant 7).
Counselling notes are never in it, as in the patient bundle. Sending it to anyone outside the clinic
is a release of information (enrolment.checks.release_consent), which this export is not.
"""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.resource import Resource

from openhat.audit.models import AccessedRecord
from openhat.care.models import Referral
from openhat.fhir.bundle import Contents, collect
from openhat.fhir.service_request import service_request_resource
from openhat.patients.models import Patient

# Everything the patient bundle can hold, with the identity: the clinic's own full record.
EVERYTHING = Contents(
    identity=True,
    prescriptions=True,
    dosing=True,
    screens=True,
    interviews=True,
    care_plan=True,
    consents=True,
)


def clinic_resources(
    patients: list[Patient], today: date
) -> tuple[dict[str, list[Resource]], dict[int, list[AccessedRecord]]]:
    """Every resource of the clinic's patients, by type, as the patient bundle maps them
    (openhat.fhir.bundle.collect: prescriptions, doses and readings, urine screens, interviews
    and their scores, the care plan, consents), with the referrals as ServiceRequests; and, per
    patient, each kind of record that was read (for the access log)."""
    by_type: dict[str, list[Resource]] = {}
    read: dict[int, list[AccessedRecord]] = {}
    for patient in patients:
        found = collect(patient, EVERYTHING, today=today)
        for resource in found.resources:
            by_type.setdefault(resource.get_resource_type(), []).append(resource)
        referrals = list(Referral.objects.filter(patient=patient).order_by("pk"))
        by_type.setdefault("ServiceRequest", []).extend(
            service_request_resource(referral) for referral in referrals
        )
        read[patient.pk] = found.read + ([AccessedRecord.CARE_RECORD] if referrals else [])
    return by_type, read
