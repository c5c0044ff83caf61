"""Every file of every export, scanned for the fixture patients' identifiers and free text: names,
dates of birth (in every format a document could print one), health numbers, licence numbers,
client codes, and the notes and descriptions written about them. Nothing may be found."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from openhat.patients.models import Patient
from openhat.research.models import ExportKind
from openhat.research.services import make_export
from tests.access.identifiers import identifiers_now
from tests.research.world import STUDY, ResearchWorld, build_research, use_secrets_dir, with_secret

pytestmark = pytest.mark.django_db

FREE_TEXT = (
    "Quintavalle street",  # the interview's note
    "sample note",  # the urine screen's note
    "redness at the injection site",  # the adverse event's description
    "no longer wishes",  # the revocation's reason
    "left_arm",  # the injection site
)


def _texts(name: str, content: bytes) -> str:
    """A file as text: Parquet decoded (its columns may be compressed), the rest as UTF-8."""
    if name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(content))
        return json.dumps({"schema": str(table.schema), "rows": table.to_pylist()}, default=str)
    return content.decode()


def _files_of(archive: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: _texts(name, opened.read(name)) for name in opened.namelist()}


@pytest.fixture
def world(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ResearchWorld:
    use_secrets_dir(monkeypatch, tmp_path)
    built = build_research(personas)
    with_secret(built)
    return built


def test_no_exported_file_holds_an_identifier_or_a_note(world: ResearchWorld) -> None:
    researcher, clinic = world.personas["researcher"], world.personas.clinic
    files: dict[str, str] = {}
    for kind in ExportKind.values:
        record = make_export(actor=researcher, clinic=clinic, study_key=STUDY, kind=kind).record
        files |= {f"{kind}/{n}": text for n, text in _files_of(bytes(record.archive)).items()}
    assert {
        "tables/hat-cohort-" in name or "fhir_ndjson/hat-cohort-" in name for name in files
    } == {True}
    kinds = {name.rsplit(".", 1)[-1] for name in files}
    assert kinds == {"csv", "parquet", "md", "json", "ndjson"}, kinds
    needles = {identifier.text for identifier in identifiers_now() if identifier.text}
    needles |= set(Patient.objects.values_list("client_code", flat=True))
    needles |= set(FREE_TEXT)
    assert len(needles) > 40

    found = sorted(
        (name, needle) for name, text in files.items() for needle in needles if needle in text
    )

    assert not found
    # The scan can find: the consented patients' rows are in the files, under pseudonyms.
    assert any('"dose_mg"' in text or "dose_mg" in text for text in files.values())
