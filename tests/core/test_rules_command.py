"""`openhat rules`: explain a preset in the terminal; docs/protocols.md is kept up to date."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openhat.core.management.commands import rules as rules_command
from openhat.rules.explain import eligibility_preset_keys, protocols_markdown
from openhat.rules.protocol import load_protocol


def run(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("rules", *args, stdout=out, **options)
    return out.getvalue()


def test_explain_prints_every_value_with_its_source_and_the_rules() -> None:
    output = run("explain", preset="ch-diaphin")
    protocol = load_protocol("ch-diaphin")
    assert protocol.title in output
    for key, value in protocol.values.items():
        assert key in output
        for source in value.sources:
            assert source in output
    assert "15 mg" in output and "1000 mg" in output and "0.25 mg/L" in output
    assert "Diaphin Swiss product information" in output
    assert "local: no published threshold" in output
    assert "sedation_hold" in output and "nothing_allowed" in output


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(CommandError) as raised:
        run("explain", preset="xx-unknown")
    message = str(raised.value)
    assert "xx-unknown" in message
    assert "ch-diaphin" in message and "ca-ioat" in message


def test_explain_without_a_preset_lists_them() -> None:
    output = run("explain")
    assert "ch-diaphin" in output and "ca-ioat" in output


def test_explain_an_eligibility_preset() -> None:
    if "ch" not in eligibility_preset_keys():
        pytest.skip("the Swiss eligibility preset is not there yet")
    output = run("explain", preset="ch")
    assert "BetmSV" in output
    assert "18 years" in output and "S1" in output


def test_the_committed_protocols_page_is_up_to_date() -> None:
    """Fails whenever a preset changes without `openhat rules docs` being run and committed."""
    output = run("docs", check=True)
    assert "up to date" in output


def test_docs_writes_the_page_and_check_fails_when_it_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "docs" / "protocols.md"
    monkeypatch.setattr(rules_command, "docs_path", lambda: target)
    with pytest.raises(CommandError, match="out of date"):
        run("docs", check=True)
    assert "Wrote" in run("docs")
    assert target.read_text(encoding="utf-8") == protocols_markdown()
    assert "up to date" in run("docs", check=True)
    target.write_text(protocols_markdown().replace("15 mg", "20 mg"), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        run("docs", check=True)
