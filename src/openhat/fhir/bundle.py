"""A patient's record as one validated FHIR R4 Bundle (type collection), built from the mappers.

What goes in is a `Contents`: which parts of the record, and whether the Patient carries the
identity (name, date of birth, gender, health number) or the client code only. The clinic's own
staff get what their role may read (`contents_for_role`); a release of information gets what the
patient's consent covers (openhat.release). `collect` reads the records and says which kinds of
record it read, so that the caller writes one access-log row per kind (audit.record_access) in
the same transaction. Counselling notes are never read here (docs/domain.md §12.4).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.care.reading import care_plan_of
from openhat.clinics.access import require
from openhat.clinics.roles import Capability, role_can
from openhat.core.clock import clinic_today
from openhat.dosing.models import SessionAssessment
from openhat.fhir.adverse_event import adverse_events
from openhat.fhir.care_plan import care_plan_resource
from openhat.fhir.consent import consents
from openhat.fhir.medication_administration import all_medication_administrations
from openhat.fhir.medication_request import medication_requests
from openhat.fhir.observation import (
    assessment_observations,
    interview_score_observations,
    urine_screen_observations,
)
from openhat.fhir.patient import patient_resource
from openhat.fhir.questionnaire import questionnaire_response
from openhat.interviews.models import Interview
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.records import person_record_ids
from openhat.screens.reading import current_screens

BUNDLE_SYSTEM = "urn:openhat:bundle"


@dataclass(frozen=True)
class Contents:
    identity: bool = False
    prescriptions: bool = False
    # Doses given, the sedation and breath-alcohol readings, and adverse events at the station.
    dosing: bool = False
    screens: bool = False
    interviews: bool = False
    care_plan: bool = False
    # All the patient's consents; or, for a release, only these consent ids (its basis).
    consents: bool = False
    consent_ids: frozenset[int] = field(default_factory=frozenset)


def contents_for_role(role: str) -> Contents:
    """What a member of the patient's clinic in `role` may read of the record."""
    clinical = role_can(role, Capability.VIEW_CLINICAL)
    return Contents(
        identity=role_can(role, Capability.VIEW_IDENTITY),
        prescriptions=clinical,
        dosing=clinical,
        screens=clinical,
        interviews=clinical,
        care_plan=role_can(role, Capability.VIEW_CARE),
        consents=clinical,
    )


@dataclass
class Collected:
    resources: list[Resource]
    read: list[AccessedRecord]  # each kind of record read, once, in reading order


def _dosing(patient: Patient, found: Collected) -> None:
    doses = all_medication_administrations(patient)
    assessments = (
        SessionAssessment.objects.filter(
            session__patient_id__in=person_record_ids(patient, clinic_id=patient.clinic_id)
        )
        .select_related("by")
        .order_by("at", "pk")
    )
    readings = [
        item
        for assessment in assessments
        for item in assessment_observations(assessment, patient.client_code)
    ]
    events = adverse_events(patient)
    if doses or readings or events:
        found.resources += [*doses, *readings, *events]
        found.read.append(AccessedRecord.DOSING_RECORD)


def _interviews(patient: Patient, found: Collected) -> None:
    answered = list(
        Interview.objects.filter(patient=patient, instrument__isnull=False)
        .select_related("instrument")
        .order_by("target_date", "pk")
    )
    for interview in answered:
        found.resources.append(questionnaire_response(interview, patient.client_code))
        found.resources += interview_score_observations(interview, patient.client_code)
    if answered:
        found.read.append(AccessedRecord.INTERVIEW)


def collect(patient: Patient, contents: Contents, *, today: date | None = None) -> Collected:
    """The resources `contents` asks for, the Patient first."""
    day = today or clinic_today(patient.clinic)
    identity = (
        PatientIdentity.objects.filter(patient=patient).first() if contents.identity else None
    )
    found = Collected([patient_resource(patient, identity)], [])
    if identity is not None:
        found.read.append(AccessedRecord.IDENTITY)
    if contents.prescriptions:
        requests = medication_requests(patient)
        if requests:
            found.resources += requests
            found.read.append(AccessedRecord.PRESCRIPTION)
    if contents.dosing:
        _dosing(patient, found)
    if contents.screens:
        screens = list(current_screens(patient).order_by("sampled_at", "pk"))
        for screen in screens:
            found.resources += urine_screen_observations(screen, patient.client_code)
        if screens:
            found.read.append(AccessedRecord.URINE_SCREEN)
    if contents.interviews:
        _interviews(patient, found)
    if contents.care_plan:
        plan = care_plan_of(patient)
        if plan is not None:
            found.resources += care_plan_resource(plan)
            found.read.append(AccessedRecord.CARE_RECORD)
    if contents.consents or contents.consent_ids:
        chosen = consents(patient, day, None if contents.consents else contents.consent_ids)
        if chosen:
            found.resources += chosen
            found.read.append(AccessedRecord.CONSENT)
    return found


def collection(resources: list[Resource], *, at: datetime | None = None) -> Bundle:
    """A collection Bundle of already validated resources, validated again as a whole."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "identifier": {"system": BUNDLE_SYSTEM, "value": str(uuid.uuid4())},
            "type": "collection",
            "timestamp": (at or timezone.now()).isoformat(),
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                    "resource": resource.model_dump(mode="json", exclude_none=True),
                }
                for resource in resources
            ],
        }
    )


def read_patient_bundle(*, actor: User, patient: Patient) -> Bundle:
    """The patient's record as the actor's role may read it, every kind of record read written
    to the access log in the same transaction (docs/domain.md §7 invariant 7)."""
    membership = require(actor, patient.clinic_id, Capability.VIEW_CLINICAL)
    with transaction.atomic():
        found = collect(patient, contents_for_role(membership.role))
        bundle = collection(found.resources)
        for record in found.read:
            record_access(actor=actor, patient=patient, record=record)
        return bundle
