"""Doses given as FHIR MedicationAdministration (issue 6 §6): built by fhir.resources.R4B, parsed
back by it from the API's JSON, with the codes written out here (not imported) so a typo in
src/openhat/fhir fails a test; a patient's doses in a period as a searchset Bundle."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.core import clock
from openhat.dosing.models import Administration
from openhat.dosing.services.administer import administer
from openhat.dosing.services.exceptions import record_vomited
from openhat.dosing.services.overrides import override_session
from openhat.dosing.services.sessions import sign_off
from openhat.patients.services import clinic_today
from openhat.prescribing.models import OrderVersion
from openhat.prescribing.services import supersede_order
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.dosing.factories import decided, drawn, oral_methadone, titrated
from tests.dosing.test_api import next_morning
from tests.prescribing.conftest import dam, totp_code

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CLIENT_CODE = "urn:openhat:client-code"


def _one_path(clinic: str, pk: object) -> str:
    return f"/api/clinics/{clinic}/fhir/MedicationAdministration/{pk}"


def _bundle_path(clinic: str, patient: object, query: str = "") -> str:
    return f"/api/clinics/{clinic}/fhir/Patient/{patient}/MedicationAdministration{query}"


def _get_one(client: Any, pk: object) -> MedicationAdministration:
    response = client.get(_one_path("ZRH", pk))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return MedicationAdministration.model_validate_json(response.content)


def _get_bundle(client: Any, path: str) -> list[MedicationAdministration]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "searchset" and bundle.total == len(bundle.entry or [])
    resources = [entry.resource for entry in bundle.entry or []]
    assert all(isinstance(item, MedicationAdministration) for item in resources)
    return resources  # type: ignore[return-value]


def _give(personas: Any, station: Any, dose: str = "15", **changes: Any) -> Administration:
    session, decision = decided(personas, station.patient)
    kwargs: dict[str, Any] = dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    kwargs.update(changes)
    return administer(**kwargs)


def test_an_iv_dose_as_a_medication_administration(
    personas: Any, station: Any, client_for: Any
) -> None:
    given = _give(personas, station)
    version = OrderVersion.objects.get(patient=station.patient)

    resource = _get_one(client_for("pharmacist"), given.pk)

    assert resource.id == str(given.pk) and resource.status == "completed"
    medication = resource.medicationCodeableConcept
    assert [(c.system, c.code, c.display) for c in medication.coding] == [
        (ATC, "N07BC06", "diamorphine")
    ]
    subject = resource.subject.identifier
    assert (subject.system, subject.value) == (CLIENT_CODE, station.patient.client_code)
    assert resource.subject.reference is None and resource.subject.display is None
    assert resource.effectiveDateTime == given.administered_at
    assert [p.actor.display for p in resource.performer] == [personas["nurse"].username]
    assert resource.request.reference == f"MedicationRequest/{version.line_id}-1"
    dosage = resource.dosage
    dose = dosage.dose
    assert (Decimal(str(dose.value)), dose.unit, dose.system, dose.code) == (
        Decimal("15"),
        "mg",
        UCUM,
        "mg",
    )
    assert [(c.system, c.code, c.display) for c in dosage.route.coding] == [
        (SNOMED, "47625008", "Intravenous route")
    ]
    assert dosage.site.text == "left arm" and not dosage.site.coding
    assert resource.note is None and resource.reasonReference is None
    assert resource.context is None


def test_a_partial_dose_under_an_override_says_so_in_notes(
    personas: Any, station: Any, client_for: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    physician = personas["physician"]
    reason = "Alert and talking; known to score high when tired. Reviewed at the station."
    after = override_session(
        actor=physician,
        session_id=session.pk,
        decision_id=decision.pk,
        rule_ids=["sedation_hold"],
        reason=reason,
        totp_code=totp_code(physician),
        allowed_dose_mg="15",
        via="station",
    )
    drawn(personas, station, session, after, after.max_dose_mg)
    given = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=after.pk,
        dose_mg="5",
        site="right_hand",
        remainder="waste",
        witness=personas["pharmacist"],
    )

    notes = [note.text for note in _get_one(client_for("physician"), given.pk).note or []]

    drawn_mg = f"{after.max_dose_mg.normalize():f}"
    left_mg = f"{(after.max_dose_mg - 5).normalize():f}"
    assert notes[0] == (
        f"Partial dose: 5 mg of {drawn_mg} mg drawn was given; the remaining {left_mg} mg was "
        f"wasted, witnessed by {personas['pharmacist'].username}."
    )
    assert notes[1] == (
        f"Given under a physician's override of sedation_hold by {physician.username}: {reason}"
    )


def test_an_oral_dose_has_no_site_and_notes_vomiting(
    personas: Any, station: Any, client_for: Any
) -> None:
    lot = oral_methadone(personas, station, daily="60")
    session, decision = decided(personas, station.patient, drug="methadone", route="oral")
    given = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="60",
        lot_id=lot.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    record_vomited(actor=personas["nurse"], session_id=session.pk, notes="at 10 min")
    methadone_line = OrderVersion.objects.get(patient=station.patient, drug="methadone").line_id

    resource = _get_one(client_for("nurse"), given.pk)

    assert [(c.code, c.display) for c in resource.medicationCodeableConcept.coding] == [
        ("N07BC02", "methadone")
    ]
    assert [(c.code, c.display) for c in resource.dosage.route.coding] == [
        ("26643006", "Oral route")
    ]
    assert resource.dosage.site is None and resource.dosage.text == "60 mg oral"
    assert resource.request.reference == f"MedicationRequest/{methadone_line}-1"
    assert resource.note[0].text.startswith("Vomited after the dose")
    assert resource.note[0].text.endswith(": at 10 min")


def test_a_patients_doses_in_a_period(personas: Any, station: Any, client_for: Any) -> None:
    later = titrated(personas, station)  # 2 doses two days ago, 2 yesterday
    patient = later.patient
    today = clinic_today(personas.clinic)
    yesterday = (today - timedelta(days=1)).isoformat()
    client = client_for("counsellor")

    every = _get_bundle(client, _bundle_path("ZRH", patient.client_code))
    assert [Decimal(str(r.dosage.dose.value)) for r in every] == [
        Decimal("15"),
        Decimal("30"),
        Decimal("45"),
        Decimal("45"),
    ]
    assert [r.effectiveDateTime for r in every] == sorted(r.effectiveDateTime for r in every)
    line = OrderVersion.objects.get(patient=patient).line_id
    assert {r.request.reference for r in every} == {f"MedicationRequest/{line}-1"}
    assert {r.subject.identifier.value for r in every} == {patient.client_code}

    one_day = _get_bundle(
        client, _bundle_path("ZRH", patient.pk, f"?from={yesterday}&to={yesterday}")
    )
    assert [Decimal(str(r.dosage.dose.value)) for r in one_day] == [Decimal("45")] * 2
    assert _get_bundle(client, _bundle_path("ZRH", patient.client_code, f"?from={today}")) == []
    assert (
        AccessLog.objects.filter(
            patient=patient, actor=personas["counsellor"], record=AccessedRecord.DOSING_RECORD
        ).count()
        == 3
    )


def test_viewing_a_dose_is_logged(personas: Any, station: Any, client_for: Any) -> None:
    given = _give(personas, station)
    _get_one(client_for("auditor"), given.pk)
    assert AccessLog.objects.filter(
        patient=station.patient, actor=personas["auditor"], record=AccessedRecord.DOSING_RECORD
    ).exists()


def test_names_never_leave(personas: Any, station: Any, client_for: Any) -> None:
    given = _give(personas, station)
    client = client_for("nurse")
    for path in (_one_path("ZRH", given.pk), _bundle_path("ZRH", station.patient.client_code)):
        body = client.get(path).content.decode()
        assert station.patient.client_code in body
        assert "Test Person" not in body and "756.1234.5678.97" not in body


def test_roles_and_other_clinics(
    personas: Any, station: Any, client_for: Any, other_patient: Any
) -> None:
    given = _give(personas, station)
    code = station.patient.client_code
    for path in (_one_path("ZRH", given.pk), _bundle_path("ZRH", code)):
        refused = client_for("researcher").get(path)
        assert refused.status_code == 403 and refused.json()["code"] == "role_not_allowed"
        outsider = client_for("outsider").get(path)
        assert outsider.status_code == 404 and code not in outsider.content.decode()
    # The outsider's own clinic does not find another clinic's dose or patient.
    outsider = client_for("outsider")
    assert outsider.get(_one_path("OUT", given.pk)).status_code == 404
    assert outsider.get(_bundle_path("OUT", code)).status_code == 404
    assert outsider.get(_bundle_path("OUT", station.patient.pk)).status_code == 404
    nurse = client_for("nurse")
    for missing in (given.pk + 1000, "abc", "9" * 30):
        answer = nurse.get(_one_path("ZRH", missing))
        assert answer.status_code == 404, answer.content
        assert answer.json()["code"] == "administration_not_found"
    for patient in (other_patient.client_code, other_patient.pk, "nobody"):
        answer = nurse.get(_bundle_path("ZRH", patient))
        assert answer.status_code == 404 and answer.json()["code"] == "patient_not_found"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?from=yesterday", "date_invalid"),
        ("?to=2026-13-01", "date_invalid"),
        ("?from=2026-02-01&to=2026-01-01", "period_invalid"),
        ("?from=2024-01-01&to=2026-01-01", "period_too_long"),
    ],
)
def test_a_bad_period_is_a_clear_400(
    personas: Any, station: Any, client_for: Any, query: str, code: str
) -> None:
    answer = client_for("nurse").get(_bundle_path("ZRH", station.patient.client_code, query))
    assert answer.status_code == 400 and answer.json()["code"] == code
    assert not AccessLog.objects.filter(record=AccessedRecord.DOSING_RECORD).exists()


def test_a_period_of_a_year_is_served(personas: Any, station: Any, client_for: Any) -> None:
    _give(personas, station)
    today = timezone.localdate(timezone.now(), personas.clinic.zone)
    start = (today - timedelta(days=365)).isoformat()
    resources = _get_bundle(
        client_for("nurse"), _bundle_path("ZRH", station.patient.client_code, f"?from={start}")
    )
    assert len(resources) == 1


def test_each_dose_points_at_the_order_version_in_force(
    personas: Any, station: Any, client_for: Any
) -> None:
    # Its sessions must fall on one dosing day: it starts at the next 08:00, not at whatever
    # time it runs (started after 23:15 in Zurich, they crossed midnight).
    with clock.backdated(next_morning(personas)):
        _each_dose_points_at_the_order_version_in_force(personas, station, client_for)


def _each_dose_points_at_the_order_version_in_force(
    personas: Any, station: Any, client_for: Any
) -> None:
    first = _give(personas, station)
    physician = personas["physician"]
    version = OrderVersion.objects.get(patient=station.patient)
    second_version = supersede_order(
        actor=physician,
        line=version.line,
        expected_version=1,
        order=dam(dose_min=Decimal(100), dose_max=Decimal(200)),
        totp_code=totp_code(physician),
        effective_at=first.administered_at + timedelta(minutes=30),  # after the first dose
    )
    with clock.backdated(first.observe_until + timedelta(seconds=1)):
        sign_off(actor=personas["nurse"], session_id=first.session_id, sedation_score=1)
    with clock.backdated(first.administered_at + timedelta(minutes=45)):
        second = _give(personas, station, "30")
    assert second_version.starts_at <= second.administered_at

    by_id = {
        resource.id: resource.request.reference
        for resource in _get_bundle(
            client_for("nurse"), _bundle_path("ZRH", station.patient.client_code)
        )
    }
    assert by_id == {
        str(first.pk): f"MedicationRequest/{version.line_id}-1",
        str(second.pk): f"MedicationRequest/{version.line_id}-2",
    }
