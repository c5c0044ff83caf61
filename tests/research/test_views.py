"""The researchers' page: make an export, download it as a zip; nobody else may (issue 15)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.research.files import sha256
from openhat.research.models import ResearchExport
from tests.conftest import sign_in
from tests.database import as_superuser
from tests.research.world import STUDY, ResearchWorld, build_research, use_secrets_dir, with_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ResearchWorld:
    use_secrets_dir(monkeypatch, tmp_path)
    built = build_research(personas)
    with_secret(built)
    return built


def test_a_researcher_makes_and_downloads_an_export_others_get_403(world: ResearchWorld) -> None:
    researcher = sign_in(Client(), world.personas["researcher"])

    made = researcher.post("/research/exports/", {"study": STUDY, "kind": "tables"}, follow=True)

    assert made.status_code == 200
    record = ResearchExport.objects.get()
    assert f"Export {record.pk} of study {STUDY} is ready: 3 patients included" in made.text
    answer = researcher.get(f"/research/exports/{record.pk}/download/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert sha256(answer.content) == record.archive_sha256
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert any(name.endswith("/redcap_data_dictionary.csv") for name in archive.namelist())
    assert AuditEvent.objects.filter(code=AuditCode.RESEARCH_EXPORT_DOWNLOADED).count() == 1
    for role in ("manager", "physician", "auditor", "nurse", "pharmacist", "counsellor"):
        client = sign_in(Client(), world.personas[role])
        assert client.get(f"/research/exports/{record.pk}/download/").status_code == 403
        assert client.get("/research/exports/").status_code == 403
    outsider = sign_in(Client(), world.personas.outsider)
    assert outsider.get(f"/research/exports/{record.pk}/download/").status_code == 403
    assert AuditEvent.objects.filter(code=AuditCode.RESEARCH_EXPORT_DOWNLOADED).count() == 1


def test_a_missing_secret_is_said_on_the_page_and_nothing_is_made(
    world: ResearchWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path / "empty")
    researcher = sign_in(Client(), world.personas["researcher"])

    answer = researcher.post("/research/exports/", {"study": STUDY, "kind": "tables"})

    assert answer.status_code == 400
    assert "study_secret_missing" in answer.text
    assert not ResearchExport.objects.exists()


def test_an_altered_archive_is_not_served(world: ResearchWorld) -> None:
    researcher = sign_in(Client(), world.personas["researcher"])
    researcher.post("/research/exports/", {"study": STUDY, "kind": "fhir_ndjson"})
    record = ResearchExport.objects.get()
    with as_superuser():  # past the append-only guards, as someone with the database's keys
        ResearchExport.objects.filter(pk=record.pk).update(archive=b"PK not the export")

    answer = researcher.get(f"/research/exports/{record.pk}/download/")

    assert answer.status_code == 409
    assert "no longer matches its recorded hash" in answer.text
    assert not AuditEvent.objects.filter(code=AuditCode.RESEARCH_EXPORT_DOWNLOADED).exists()
