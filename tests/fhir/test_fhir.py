"""The FHIR exports: built by fhir.resources.R4B, and parsed back by it from the API's JSON."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.medicationrequest import MedicationRequest

from openhat.enrolment import services as enrolment
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from openhat.prescribing.services import sign_order, stop_order, supersede_order, suspend_order
from tests.enrolment.helpers import treatment_consent
from tests.prescribing.conftest import dam, enrol, methadone, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def physician(personas: Any) -> User:
    return personas["physician"]


def _bundle(client: Any, path: str) -> Bundle:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "searchset" and bundle.total == len(bundle.entry or [])
    return bundle


def _requests(client: Any, patient: Patient) -> dict[str, MedicationRequest]:
    bundle = _bundle(client, f"/api/patients/{patient.client_code}/fhir/medication-requests")
    resources = [entry.resource for entry in bundle.entry or []]
    assert all(isinstance(r, MedicationRequest) for r in resources)
    return {str(r.id): r for r in resources}  # type: ignore[misc]


def test_medication_requests_carry_the_order(
    client_for: Any, patient: Patient, physician: User
) -> None:
    enrolled = enrol(patient)
    version = sign_order(
        actor=physician,
        patient=enrolled,
        order=dam(windows=["morning", "evening"]),
        totp_code=totp_code(physician),
    )

    requests = _requests(client_for("pharmacist"), enrolled)

    request = requests[f"{version.line_id}-1"]
    assert (request.status, request.intent) == ("active", "order")
    medication = request.medicationCodeableConcept
    assert medication.text.startswith("Diacetylmorphine")
    assert medication.coding[0].code == "N07BC06"
    assert request.subject.identifier.system == "urn:openhat:client-code"
    assert request.subject.identifier.value == enrolled.client_code
    assert request.requester.display == "physician_zrh"
    assert request.authoredOn is not None
    dosage = request.dosageInstruction[0]
    assert dosage.route.coding[0].code == "47625008"
    assert dosage.timing.repeat.frequency == 2 and dosage.timing.repeat.periodUnit == "d"
    assert dosage.timing.repeat.when == ["MORN", "EVE"] or set(dosage.timing.repeat.when) == {
        "MORN",
        "EVE",
    }
    dose_range = dosage.doseAndRate[0].doseRange
    assert (dose_range.low.value, dose_range.high.value) == (Decimal(150), Decimal(200))
    assert dose_range.low.system == "http://unitsofmeasure.org" and dose_range.low.code == "mg"
    assert dosage.maxDosePerPeriod.numerator.value == Decimal(400)
    assert dosage.maxDosePerPeriod.denominator.code == "d"
    validity = request.dispenseRequest.validityPeriod
    assert validity.start is not None and validity.end is not None
    assert request.priorPrescription is None


def test_names_never_leave_in_fhir(client_for: Any, patient: Patient, physician: User) -> None:
    enrolled = enrol(patient)
    sign_order(actor=physician, patient=enrolled, order=dam(), totp_code=totp_code(physician))
    treatment_consent(enrolled, physician)
    for rest in ("medication-requests", "consents"):
        body = client_for("nurse").get(f"/api/patients/{enrolled.client_code}/fhir/{rest}")
        assert "Test Person" not in body.content.decode()
        assert "1975-05-17" not in body.content.decode()


def test_superseded_suspended_stopped_and_fixed_doses(
    client_for: Any, patient: Patient, physician: User
) -> None:
    enrolled = enrol(patient)
    first = sign_order(
        actor=physician, patient=enrolled, order=dam(), totp_code=totp_code(physician)
    )
    second = supersede_order(
        actor=physician,
        line=first.line,
        expected_version=1,
        order=dam(dose_min=Decimal(180), dose_max=Decimal(220), daily_max=Decimal(440)),
        totp_code=totp_code(physician),
    )
    night = sign_order(
        actor=physician, patient=enrolled, order=methadone("60"), totp_code=totp_code(physician)
    )
    suspend_order(actor=physician, line=night.line, reason="sleeping elsewhere")

    requests = _requests(client_for("physician"), enrolled)
    old = requests[f"{first.line_id}-1"]
    new = requests[f"{second.line_id}-2"]
    cover = requests[f"{night.line_id}-1"]
    assert old.status == "stopped" and new.status == "active"
    assert new.priorPrescription.reference == f"MedicationRequest/{first.line_id}-1"
    assert old.dispenseRequest.validityPeriod.end is not None
    assert cover.status == "on-hold"
    assert cover.dosageInstruction[0].doseAndRate[0].doseQuantity.value == Decimal(60)
    assert cover.medicationCodeableConcept.coding[0].code == "N07BC02"

    stop_order(actor=physician, line=night.line, reason="no longer needed")
    assert _requests(client_for("physician"), enrolled)[f"{night.line_id}-1"].status == "stopped"


def test_consents_as_fhir(client_for: Any, patient: Patient, physician: User) -> None:
    today = clinic_today(patient.clinic)
    treatment = treatment_consent(patient, physician)
    release = enrolment.record_consent(
        actor=physician,
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=90),
        recipient="Family doctor",
        purpose="Continuity of care",
        covers=["prescriptions"],
    )
    research = enrolment.record_consent(
        actor=physician, patient=patient, kind="research", given_on=today, purpose="Pilot A"
    )
    enrolment.revoke_consent(actor=physician, consent=research, reason="withdrew")

    bundle = _bundle(client_for("auditor"), f"/api/patients/{patient.client_code}/fhir/consents")
    resources = {r.id: r for r in (e.resource for e in bundle.entry or [])}
    assert all(isinstance(r, FhirConsent) for r in resources.values())

    given = resources[f"consent-{treatment.pk}"]
    assert given.status == "active"
    assert given.scope.coding[0].code == "treatment"
    assert given.patient.identifier.value == patient.client_code
    assert given.provision.type == "permit"
    assert str(given.dateTime) == today.isoformat()

    shared = resources[f"consent-{release.pk}"]
    assert shared.scope.coding[0].code == "patient-privacy"
    assert shared.policyRule.text == "42 CFR Part 2"
    assert shared.provision.actor[0].reference.display == "Family doctor"
    assert shared.provision.actor[0].role.coding[0].code == "IRCP"
    assert shared.provision.purpose[0].display == "Continuity of care"
    assert [c.code for c in shared.provision.class_fhir] == ["prescriptions"]
    assert str(shared.provision.period.end) == (today + timedelta(days=90)).isoformat()

    withdrawn = resources[f"consent-{research.pk}"]
    assert withdrawn.scope.coding[0].code == "research" and withdrawn.status == "inactive"


def test_fhir_roles_and_scoping(client_for: Any, patient: Patient, other_patient: Patient) -> None:
    for rest in ("medication-requests", "consents"):
        path = f"/api/patients/{patient.client_code}/fhir/{rest}"
        assert client_for("researcher").get(path).status_code == 403
        outsider = client_for("outsider").get(path)
        assert outsider.status_code == 404
        assert patient.client_code not in outsider.content.decode()
        empty = _bundle(client_for("pharmacy_technician"), path)
        assert empty.total == 0
