"""The per-patient FHIR Bundle (GET /api/patients/{code}/fhir/bundle): validated by
fhir.resources.R4B, a resource of each type for a patient with a record of each kind, identifiers
only for roles that see identity, and an access-log row for each kind of record read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from openhat.audit.models import AccessLog
from openhat.patients.models import PatientIdentity
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.fhir.record_world import Record, full_record

pytestmark = pytest.mark.django_db

CLIENT_CODE = "urn:openhat:client-code"
ALL_TYPES = {
    "Patient",
    "MedicationRequest",
    "MedicationAdministration",
    "Observation",
    "CarePlan",
    "Consent",
    "QuestionnaireResponse",
}
# The roles that get 403 on /identity do not get the name, birth date or health number here.
IDENTITY_ROLES = ["physician", "nurse", "counsellor", "manager"]
NO_IDENTITY_ROLES = ["pharmacist", "pharmacy_technician", "auditor"]


@pytest.fixture
def record(personas: Any, station: Any) -> Record:
    return full_record(personas, station)


def _path(record: Record) -> str:
    return f"/api/patients/{record.patient.client_code}/fhir/bundle"


def _bundle(client: Any, record: Record) -> tuple[Bundle, str]:
    response = client.get(_path(record))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return Bundle.model_validate_json(response.content), response.content.decode()


def _resources(bundle: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == kind]


def test_the_bundle_validates_and_holds_a_resource_of_each_type(
    client_for: Any, record: Record
) -> None:
    bundle, _ = _bundle(client_for("physician"), record)

    assert bundle.type == "collection" and bundle.timestamp is not None
    types = Counter(entry.resource.get_resource_type() for entry in bundle.entry or [])
    assert set(types) == ALL_TYPES, types
    assert types["Patient"] == 1
    assert types["Consent"] == 2  # the treatment consent and the release consent
    observations = _resources(bundle, "Observation")
    codes = {coding.code for o in observations for coding in (o.code.coding or [])}
    assert {"3879-4", "sedation-score", "breath-alcohol"} <= codes
    readings = {
        o.code.coding[0].code: o for o in observations if o.category[0].coding[0].code == "exam"
    }
    assert readings["sedation-score"].valueInteger == 2
    assert str(readings["breath-alcohol"].valueQuantity.value) == "0.12"
    opiates = next(o for o in observations if o.code.coding and o.code.coding[0].code == "3879-4")
    assert opiates.valueCodeableConcept.text == "Positive"
    assert opiates.interpretation[0].coding[0].code == "POS"
    scores = [o for o in observations if o.category[0].coding[0].code == "survey"]
    assert scores and all(
        o.derivedFrom[0].reference.startswith("QuestionnaireResponse/") for o in scores
    )
    for resource in (entry.resource for entry in bundle.entry or []):
        subject = getattr(resource, "subject", None) or getattr(resource, "patient", None)
        if subject is not None:
            assert subject.identifier.system == CLIENT_CODE
            assert subject.identifier.value == record.patient.client_code


@pytest.mark.parametrize("role", IDENTITY_ROLES)
def test_identity_roles_get_name_birth_date_and_health_number(
    client_for: Any, record: Record, role: str, personas: Any
) -> None:
    identity = PatientIdentity.objects.get(patient=record.patient)
    bundle, body = _bundle(client_for(role), record)

    (patient,) = _resources(bundle, "Patient")
    assert patient.name[0].text == identity.legal_name
    assert patient.birthDate == identity.date_of_birth
    assert identity.health_number and identity.health_number in body
    logged = set(
        AccessLog.objects.filter(patient=record.patient, actor=personas[role]).values_list(
            "record", flat=True
        )
    )
    assert "identity" in logged


@pytest.mark.parametrize("role", NO_IDENTITY_ROLES)
def test_other_roles_get_the_client_code_only(client_for: Any, record: Record, role: str) -> None:
    identity = PatientIdentity.objects.get(patient=record.patient)
    bundle, body = _bundle(client_for(role), record)

    (patient,) = _resources(bundle, "Patient")
    assert patient.name is None and patient.birthDate is None and patient.gender is None
    assert [(i.system, i.value) for i in patient.identifier] == [
        (CLIENT_CODE, record.patient.client_code)
    ]
    for secret in (identity.legal_name, identity.date_of_birth.isoformat(), identity.health_number):
        assert secret not in body
    assert not AccessLog.objects.filter(patient=record.patient, record="identity").exists()


def test_a_role_without_care_plans_gets_none(client_for: Any, record: Record) -> None:
    bundle, _ = _bundle(client_for("pharmacist"), record)

    assert not _resources(bundle, "CarePlan")
    assert _resources(bundle, "MedicationAdministration")


def test_each_kind_of_record_read_is_logged_once(
    client_for: Any, record: Record, personas: Any
) -> None:
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    _bundle(client_for("physician"), record)

    rows = AccessLog.objects.filter(pk__gt=before)
    assert sorted(rows.values_list("record", flat=True)) == sorted(
        [
            "identity",
            "prescription",
            "dosing_record",
            "urine_screen",
            "interview",
            "care_record",
            "consent",
        ]
    )
    assert {(r.actor_id, r.patient_id) for r in rows} == {
        (personas["physician"].pk, record.patient.pk)
    }
    assert {r.route for r in rows} == {f"GET {_path(record)}"}


def test_researchers_and_other_clinics_get_nothing(client_for: Any, record: Record) -> None:
    before = AccessLog.objects.count()

    assert client_for("researcher").get(_path(record)).status_code == 403
    assert client_for("outsider").get(_path(record)).status_code == 404
    assert AccessLog.objects.count() == before


def test_an_adverse_event_is_sent_structured_without_its_description(
    client_for: Any, record: Record, personas: Any
) -> None:
    from openhat.dosing.services.adverse import record_adverse_event

    record_adverse_event(
        actor=personas["nurse"],
        patient=record.patient,
        session_id=record.dose.session_id,
        kind="overdose",
        severity="moderate",
        outcome="recovered",
        description="Slumped in the chair by the window",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
        oxygen_given=True,
    )

    bundle, text = _bundle(client_for("physician"), record)

    (event,) = _resources(bundle, "AdverseEvent")
    assert event.actuality == "actual"
    assert event.event.coding[0].code == "overdose"
    assert (
        event.event.text
        == "Overdose / respiratory depression; naloxone 0.4 mg intramuscular; oxygen"
    )
    assert (event.severity.coding[0].code, event.outcome.coding[0].code) == (
        "moderate",
        "recovered",
    )
    assert event.subject.identifier.value == record.patient.client_code
    assert "Slumped" not in text
