"""A researcher makes a study's export and downloads its zip in a real browser at 1024x768, and a
manager is turned away. Screenshots: research-*."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from openhat.research.files import sha256
from openhat.research.models import ResearchExport
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD, Personas
from tests.research.world import build_research, use_secrets_dir, with_secret

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_researcher_downloads_an_export(
    open_page: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path)
    world = build_research(personas)
    with_secret(world)
    page = open_page()
    sign_in(page, personas["researcher"].get_username(), PASSWORD)

    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_test_id("export-list")).to_contain_text("No exports yet")
    screenshot(page, "research-1-empty")
    page.get_by_label("Files").select_option("tables")
    page.get_by_role("button", name="Make export").click()
    expect(page.locator(".messages")).to_contain_text("3 patients included, 3 left out")
    record = ResearchExport.objects.get()
    row = page.get_by_test_id(f"export-{record.pk}")
    expect(row).to_contain_text("hat-cohort")
    expect(row).to_contain_text("3 left out: 1 no consent, 1 other study, 1 revoked")
    screenshot(page, "research-2-made")
    row.locator("summary").click()
    expect(row).to_contain_text("redcap_data_dictionary.csv")
    expect(page.get_by_test_id(f"download-{record.pk}")).to_be_in_viewport()
    assert _fits(page)
    screenshot(page, "research-3-files")

    with page.expect_download() as waiting:
        page.get_by_test_id(f"download-{record.pk}").click()
    download = waiting.value
    content = Path(download.path()).read_bytes()
    assert download.suggested_filename == f"hat-cohort-tables-{record.pk}.zip"
    assert sha256(content) == record.archive_sha256
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert any(name.endswith("/patients.parquet") for name in archive.namelist())
    assert page.console_errors == []

    manager = open_page()
    sign_in(manager, personas["manager"].get_username(), PASSWORD)
    answer = manager.goto(f"/research/exports/{record.pk}/download/")
    assert answer is not None and answer.status == 403
    expect(manager.get_by_role("link", name="Exports")).to_have_count(0)
    screenshot(manager, "research-4-manager-refused")
