"""FHIR Bulk Data-style NDJSON: a study's pseudonymised export and the clinic's own full export
(issue 15, item 4): one file per resource type, the manifest laid out as a Bulk Data complete
status, every line a valid R4B resource."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.core.errors import DomainError, PermissionDenied
from openhat.research.clinic_export import clinic_fhir_export
from openhat.research.models import DateMode, ExportKind
from openhat.research.pseudonyms import pseudonym
from openhat.research.secrets import study_secret
from openhat.research.services import make_export
from tests.conftest import sign_in
from tests.research.world import STUDY, ResearchWorld, build_research, use_secrets_dir, with_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ResearchWorld:
    use_secrets_dir(monkeypatch, tmp_path)
    built = build_research(personas)
    with_secret(built)
    return built


def _resources(content: bytes) -> list[Any]:
    resources = []
    for line in content.decode().splitlines():
        data = json.loads(line)
        resources.append(get_fhir_model_class(data["resourceType"]).model_validate(data))
    return resources


def _check_manifest(contents: dict[str, bytes]) -> dict[str, Any]:
    manifest = json.loads(contents["manifest.json"])
    assert set(manifest) >= {"transactionTime", "request", "requiresAccessToken", "output", "error"}
    assert manifest["error"] == [] and manifest["requiresAccessToken"] is True
    for entry in manifest["output"]:
        assert entry["url"] == f"{entry['type']}.ndjson"
        resources = _resources(contents[entry["url"]])
        assert len(resources) == entry["count"] > 0
        assert {r.get_resource_type() for r in resources} == {entry["type"]}
    return manifest


def test_a_studys_ndjson_holds_the_consented_patients_under_keyed_ids(world: ResearchWorld) -> None:
    result = make_export(
        actor=world.personas["researcher"],
        clinic=world.personas.clinic,
        study_key=STUDY,
        kind=ExportKind.FHIR_NDJSON,
    )

    contents = result.files.contents
    manifest = _check_manifest(contents)
    types = {entry["type"]: entry["count"] for entry in manifest["output"]}
    assert types["Patient"] == 3
    assert types["MedicationAdministration"] == 1
    assert types["AdverseEvent"] == 1
    assert types["Observation"] == 1
    assert types["QuestionnaireResponse"] == 1
    secret = study_secret(world.personas.clinic.code, STUDY).value
    patients = _resources(contents["Patient.ndjson"])
    assert pseudonym(secret, world.dosed.pk) in {p.id for p in patients}
    assert all(p.identifier is None and p.name is None and p.birthDate is None for p in patients)
    dose = _resources(contents["MedicationAdministration.ndjson"])[0]
    assert dose.subject.reference == f"Patient/{pseudonym(secret, world.dosed.pk)}"
    assert dose.id.startswith(pseudonym(secret, world.dosed.pk))
    assert manifest["extension"]["patients_left_out"] == 3
    answers = {
        item.linkId: item.answer[0]
        for item in _resources(contents["QuestionnaireResponse.ndjson"])[0].item
    }
    assert answers["street_heroin_days"].valueInteger == 20
    assert answers["shared_needles"].valueBoolean is False
    assert result.record.kind == ExportKind.FHIR_NDJSON


def test_a_relative_dates_study_gets_no_fhir(
    personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path)
    world = build_research(personas, DateMode.RELATIVE)
    with_secret(world)

    with pytest.raises(DomainError) as error:
        make_export(
            actor=personas["researcher"],
            clinic=personas.clinic,
            study_key=STUDY,
            kind=ExportKind.FHIR_NDJSON,
        )

    assert error.value.code == "study_dates_relative"


def test_the_clinics_full_export_is_a_managers_and_logs_every_patient(
    world: ResearchWorld,
) -> None:
    manager = world.personas["manager"]
    for role in ("researcher", "physician", "auditor", "nurse"):
        with pytest.raises(PermissionDenied):
            clinic_fhir_export(actor=world.personas[role], clinic=world.personas.clinic)

    files = clinic_fhir_export(actor=manager, clinic=world.personas.clinic)

    manifest = _check_manifest(files.contents)
    types = {entry["type"] for entry in manifest["output"]}
    assert {"Patient", "MedicationAdministration", "MedicationRequest", "Consent"} <= types
    patients = _resources(files.contents["Patient.ndjson"])
    codes = {p.id for p in patients}
    assert world.dosed.client_code in codes and world.outsider.client_code not in codes
    assert world.dosed.identity.legal_name in files.contents["Patient.ndjson"].decode()
    logged = set(
        AccessLog.objects.filter(actor=manager, record=AccessedRecord.IDENTITY).values_list(
            "patient_id", flat=True
        )
    )
    assert world.dosed.pk in logged and len(logged) == len(patients)
    assert AuditEvent.objects.filter(code=AuditCode.CLINIC_FHIR_EXPORTED).count() == 1
    # The urine screen and the interview's scores are there as Observations, as in the patient
    # bundle, and their reads are logged by kind.
    assert {"Observation", "QuestionnaireResponse"} <= types
    observations = _resources(files.contents["Observation.ndjson"])
    screened = [
        o
        for o in observations
        if o.subject.identifier.value == world.interviewed.client_code
        and o.category[0].coding[0].code == "laboratory"
    ]
    assert len(screened) == 2  # acetylcodeine and cocaine
    kinds = set(
        AccessLog.objects.filter(actor=manager, patient=world.interviewed).values_list(
            "record", flat=True
        )
    )
    assert {AccessedRecord.IDENTITY, AccessedRecord.URINE_SCREEN, AccessedRecord.INTERVIEW} <= kinds


def test_the_api_answers_the_manager_with_a_zip(world: ResearchWorld) -> None:
    manager = sign_in(Client(), world.personas["manager"])

    answer = manager.get("/api/clinics/ZRH/fhir/export")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"manifest.json", "Patient.ndjson"} <= names
    researcher = sign_in(Client(), world.personas["researcher"])
    assert researcher.get("/api/clinics/ZRH/fhir/export").status_code == 403
