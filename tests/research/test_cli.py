"""`openhat research ...`: register a study, make its secret, export with a progress bar; a
refusal writes nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openhat.research.files import sha256
from openhat.research.models import ResearchExport, ResearchStudy
from tests.research.world import STUDY_NAME, build_research, use_secrets_dir

pytestmark = pytest.mark.django_db


def test_register_make_the_secret_and_export_from_the_command_line(
    personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path / "secrets")
    build_research(personas)  # registers hat-cohort; this test registers another by name
    manager, researcher = personas["manager"].username, personas["researcher"].username
    out = StringIO()
    call_command(
        "research",
        "register-study",
        "--as", manager,
        "--key", "cli-study",
        "--name", STUDY_NAME.upper() + " (CLI)",
        "--dates", "relative",
        stdout=out,
    )  # fmt: skip
    assert ResearchStudy.objects.filter(key="cli-study", date_mode="relative").exists()

    with pytest.raises(CommandError, match="study_secret_missing"):
        call_command(
            "research", "export", "--as", researcher, "--study", "cli-study",
            "--out", str(tmp_path / "refused"),
        )  # fmt: skip
    assert not (tmp_path / "refused").exists()
    with pytest.raises(CommandError, match="study_unknown"):
        call_command("research", "export", "--as", researcher, "--out", str(tmp_path / "refused"))
    assert not ResearchExport.objects.exists()

    call_command("research", "secret", "--clinic", "ZRH", "--study", "cli-study", stdout=out)
    assert (tmp_path / "secrets" / "ZRH-cli-study.key").stat().st_mode & 0o777 == 0o600
    call_command(
        "research", "export", "--as", researcher, "--study", "cli-study",
        "--out", str(tmp_path / "out"), stdout=out,
    )  # fmt: skip

    record = ResearchExport.objects.get()
    written = {p.name: sha256(p.read_bytes()) for p in (tmp_path / "out").iterdir()}
    assert written == record.file_hashes
    assert record.included == 0  # nobody consented to a study of that name
    assert "0 patients included, 6 left out: 1 no consent, 5 other study" in out.getvalue()
    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "research", "export", "--as", researcher, "--study", "cli-study",
            "--out", str(tmp_path / "out"),
        )  # fmt: skip
    assert ResearchExport.objects.count() == 1


def test_a_rotated_secret_gives_other_pseudonyms(
    personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path)
    build_research(personas)
    researcher = personas["researcher"].username
    call_command("research", "secret", "--clinic", "ZRH", "--study", "hat-cohort")
    call_command("research", "export", "--as", researcher, "--study", "hat-cohort",
                 "--out", str(tmp_path / "one"))  # fmt: skip
    call_command("research", "secret", "--clinic", "ZRH", "--study", "hat-cohort", "--rotate")
    call_command("research", "export", "--as", researcher, "--study", "hat-cohort",
                 "--out", str(tmp_path / "two"))  # fmt: skip

    first, second = ResearchExport.objects.order_by("pk")
    assert first.secret_id != second.secret_id
    one = (tmp_path / "one" / "patients.csv").read_text().splitlines()[1:]
    two = (tmp_path / "two" / "patients.csv").read_text().splitlines()[1:]
    assert {line.split(",")[0] for line in one}.isdisjoint(line.split(",")[0] for line in two)
    assert len(list(tmp_path.glob("ZRH-hat-cohort.key.retired-*"))) == 1
