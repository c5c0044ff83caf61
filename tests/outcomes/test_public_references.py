"""The public page's 'What the trials found' shows the public only figures the research notes
confirmed: none of the figures that outcomes/published/trials.toml marks unconfirmed appears in
it, and every entry names a source key of docs/domain.md."""

from __future__ import annotations

import re
from pathlib import Path

from openhat.outcomes.public_references import TRIALS
from openhat.outcomes.published import published_figures

DOMAIN = Path(__file__).resolve().parents[2] / "docs" / "domain.md"


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_no_unconfirmed_figure_is_shown_to_the_public() -> None:
    shown = set().union(*(_numbers(entry["finding"]) for entry in TRIALS))
    unconfirmed = [f for f in published_figures() if f.status == "unconfirmed"]
    assert unconfirmed  # the file still has some: the test guards something
    for figure in unconfirmed:
        written = {f"{figure.value:g}", f"{100 * figure.value:g}", f"{figure.value:.2f}"}
        assert not written & shown, (figure.key, written & shown)


def test_every_entry_is_confirmed_and_cites_a_listed_source() -> None:
    sources = set(re.findall(r"^- (S\d+) ", DOMAIN.read_text(encoding="utf-8"), re.MULTILINE))
    for entry in TRIALS:
        assert entry["status"] == "confirmed"
        keys = re.findall(r"\[(S\d+)\]", entry["source"])
        assert keys and set(keys) <= sources, entry["source"]
