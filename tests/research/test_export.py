"""The research export: consent filtering, the record, and bad input (issue 15, item 3)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.core.errors import DomainError, PermissionDenied
from openhat.research import services
from openhat.research.files import sha256
from openhat.research.models import ResearchExport
from openhat.research.services import make_export
from tests.research.world import (
    STUDY,
    ResearchWorld,
    build_research,
    use_secrets_dir,
    with_secret,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ResearchWorld:
    use_secrets_dir(monkeypatch, tmp_path / "secrets")
    built = build_research(personas)
    with_secret(built)
    return built


def later(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """Export `days` after today: the expiring consent has expired by then."""
    moment = clock.now() + timedelta(days=days)
    monkeypatch.setattr(services, "now", lambda: moment)


def export(world: ResearchWorld, **kw: Any) -> services.ExportResult:
    return make_export(
        actor=world.personas["researcher"], clinic=world.personas.clinic, study_key=STUDY, **kw
    )


def rows(result: services.ExportResult, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.files.contents[f"{name}.csv"].decode())))


def test_only_patients_consented_for_the_study_on_the_day_are_included(
    world: ResearchWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    later(monkeypatch, 3)

    result = export(world)

    record = result.record
    assert record.included == 2
    assert record.excluded == {
        "no_consent": 1,
        "other_study": 1,
        "expired": 1,
        "revoked": 1,
        "not_yet_given": 0,
    }
    assert sorted(record.consent_ids) == sorted(
        [world.consents["dosed"].pk, world.consents["interviewed"].pk]
    )
    manifest = json.loads(result.files.contents["manifest.json"])
    assert manifest["patients_included"] == 2
    assert manifest["left_out_by_reason"]["revoked"]["count"] == 1
    assert len(rows(result, "patients")) == 2


def test_on_the_day_before_expiry_the_expiring_consent_still_holds(world: ResearchWorld) -> None:
    result = export(world)

    assert result.record.included == 3
    assert result.record.excluded["expired"] == 0


def test_the_files_hold_the_patients_rows(world: ResearchWorld) -> None:
    result = export(world)

    doses = rows(result, "doses")
    assert len(doses) == 1 and doses[0]["dose_drug"] == "dam"
    assert len(rows(result, "adverse_events")) == 1
    screens = rows(result, "urine_screens")
    assert [s["uds_acetylcodeine"] for s in screens] == ["positive"]
    assert screens[0]["uds_street_heroin"] == "detected"
    interviews = rows(result, "interviews")
    assert [(i["interview_time_point"], i["iv_street_heroin_days"]) for i in interviews] == [
        ("intake", "20")
    ]
    assert "note" not in "".join(interviews[0])
    parquet = pq.read_table(io.BytesIO(result.files.contents["doses.parquet"]))
    assert parquet.num_rows == 1
    assert str(parquet.schema.field("dose_mg").type) == "decimal128(12, 3)"


def test_the_record_and_its_audit_event_hold_the_files_hashes(world: ResearchWorld) -> None:
    result = export(world)

    record = ResearchExport.objects.get(pk=result.record.pk)
    with zipfile.ZipFile(io.BytesIO(bytes(record.archive))) as archive:
        inside = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    assert set(inside) == set(record.file_hashes)
    assert {name: sha256(content) for name, content in inside.items()} == record.file_hashes
    assert record.archive_sha256 == sha256(bytes(record.archive))
    assert record.made_by == world.personas["researcher"]
    event = AuditEvent.objects.get(code=AuditCode.RESEARCH_EXPORT_MADE)
    assert event.data["file_hashes"] == record.file_hashes
    assert event.data["consent_ids"] == record.consent_ids
    manifest = json.loads(inside["manifest.json"])
    listed = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    assert listed == {n: h for n, h in record.file_hashes.items() if n != "manifest.json"}
    assert record.row_counts["patients.csv"] == 3


def test_no_study_or_an_unknown_study_exports_nothing(world: ResearchWorld) -> None:
    for key in (None, "", "no-such-study"):
        with pytest.raises(DomainError) as error:
            make_export(
                actor=world.personas["researcher"], clinic=world.personas.clinic, study_key=key
            )
        assert error.value.code == "study_unknown"
    assert not ResearchExport.objects.exists()
    assert not AuditEvent.objects.filter(code=AuditCode.RESEARCH_EXPORT_MADE).exists()


def test_a_missing_secret_exports_nothing(
    world: ResearchWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path / "elsewhere")

    with pytest.raises(DomainError) as error:
        export(world)

    assert error.value.code == "study_secret_missing"
    assert not ResearchExport.objects.exists()


def test_a_short_or_garbled_secret_is_missing_too(
    world: ResearchWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path / "bad")
    (tmp_path / "bad").mkdir()
    for text in ("abcd\n", "not hex at all\n", ""):
        (tmp_path / "bad" / f"ZRH-{STUDY}.key").write_text(text)
        with pytest.raises(DomainError) as error:
            export(world)
        assert error.value.code == "study_secret_missing"
    assert not ResearchExport.objects.exists()


@pytest.mark.parametrize("role", ["manager", "physician", "auditor", "nurse", "counsellor"])
def test_only_researchers_make_exports(world: ResearchWorld, role: str) -> None:
    with pytest.raises(PermissionDenied):
        make_export(actor=world.personas[role], clinic=world.personas.clinic, study_key=STUDY)
    assert not ResearchExport.objects.exists()
