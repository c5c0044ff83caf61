"""The clinicians' explanation: every preset value with its source, every rule decide() can emit."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from openhat.rules.explain import (
    RULES,
    eligibility_preset_keys,
    eligibility_summary,
    format_value,
    preset_rows,
    protocols_markdown,
    rule_catalogue,
)
from openhat.rules.outcome import Severity
from openhat.rules.protocol import SCHEMA, dosing_preset_keys, load_protocol, loosen, tighten
from openhat.rules.sources import LOCAL, SOURCES

# The modules whose rules record findings (openhat.rules.decide the module: the package exports
# the function under the same name).
RULE_MODULES = ("decide", "deciding", "titration", "assessment")


def _source(module: str) -> str:
    path = importlib.import_module(f"openhat.rules.{module}").__file__
    assert path is not None
    return Path(path).read_text(encoding="utf-8")


RULE_ID = re.compile(r"^[a-z][a-z0-9_]+$")
# Calls that record a finding: self.add(rule_id, ...) and helpers such as self._reduction(rule_id, ...).
FINDING_CALL = re.compile(r"add|reduction|finding", re.IGNORECASE)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _finding_calls() -> list[tuple[str, ast.Call]]:
    """(rule id, call) for every call in the rule modules that records a finding under a literal id."""
    found = []
    for node in (item for module in RULE_MODULES for item in ast.walk(ast.parse(_source(module)))):
        if not isinstance(node, ast.Call) or not FINDING_CALL.search(_call_name(node)):
            continue
        candidates = [node.args[0]] if node.args else []
        candidates += [item.value for item in node.keywords if item.arg == "rule_id"]
        for arg in candidates:
            text = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(text, str) and RULE_ID.match(text):
                found.append((text, node))
    return found


def emitted_rule_ids() -> set[str]:
    return {rule_id for rule_id, _call in _finding_calls()}


def test_the_parser_finds_the_rules_of_decide() -> None:
    ids = emitted_rule_ids()
    assert len(ids) >= 30
    assert {"no_valid_order", "daily_max", "sedation_reduce", "nothing_allowed"} <= ids


def test_every_rule_decide_emits_is_in_the_catalogue() -> None:
    missing = emitted_rule_ids() - set(RULES)
    assert not missing, f"add these rules to openhat.rules.catalogue: {sorted(missing)}"


def test_the_catalogue_has_no_rule_decide_no_longer_emits() -> None:
    stale = set(RULES) - emitted_rule_ids()
    assert not stale, f"the rule modules no longer emit {sorted(stale)}"


def test_the_catalogue_matches_the_severity_and_override_in_decide() -> None:
    for rule_id, call in _finding_calls():
        if _call_name(call) != "add":
            continue
        rule = RULES[rule_id]
        if len(call.args) > 1 and isinstance(call.args[1], ast.Attribute):
            severity = Severity[call.args[1].attr]
            assert severity in rule.severities, (rule_id, severity)
        overridable = next(
            (item.value for item in call.keywords if item.arg == "overridable"), None
        )
        lifts = (
            True
            if overridable is None
            else overridable.value
            if isinstance(overridable, ast.Constant)
            else None
        )
        if lifts is not None:
            assert rule.overridable is lifts, rule_id


def test_every_rule_names_real_preset_keys_and_a_description() -> None:
    ids = [rule.rule_id for rule in rule_catalogue()]
    assert len(ids) == len(set(ids))
    for rule in rule_catalogue():
        assert rule.description.strip() and "\n" not in rule.description
        assert rule.severities
        for key in rule.keys_for():
            assert key in SCHEMA, (rule.rule_id, key)


def test_rule_keys_are_expanded_for_the_protocols_drugs() -> None:
    ch = load_protocol("ch-diaphin")
    conversion = ("conversion.hdm_to_dam_low", "conversion.hdm_to_dam_high")
    assert RULES["daily_max"].keys_for(ch) == ("dam.daily_max_mg", *conversion)
    assert RULES["daily_max"].keys_for(load_protocol("ca-ioat")) == (
        "dam.daily_max_mg",
        "hdm.daily_max_mg",
        *conversion,
    )
    assert RULES["no_valid_order"].keys_for(ch) == ()


@pytest.mark.parametrize("key", dosing_preset_keys())
def test_every_preset_value_has_a_row_with_its_sources(key: str) -> None:
    protocol = load_protocol(key)
    rows = {row.key: row for row in preset_rows(protocol)}
    assert set(rows) == set(protocol.values)
    schema_order = [item for item in SCHEMA if item in protocol.values]
    assert [row.key for row in preset_rows(protocol)] == schema_order
    for name, value in protocol.values.items():
        row = rows[name]
        assert row.value == value.value and row.unit == value.unit
        assert row.sources == value.sources
        assert row.meaning == SCHEMA[name].meaning
        assert row.safer
        assert row.adjustment == ""
        for citation in row.citations:
            if citation.key == LOCAL:
                assert citation.text == value.local_reason
                assert f"local: {value.local_reason}" in row.source_text
            else:
                assert citation.text == SOURCES[citation.key]
                assert f"{citation.key} ({SOURCES[citation.key]})" in row.source_text


def test_a_clinic_adjustment_shows_on_its_row() -> None:
    protocol = tighten(load_protocol("ch-diaphin"), "dam.daily_max_mg", 800)
    protocol = loosen(
        protocol,
        "observation.minutes",
        15,
        reason="two nurses watch the room",
        approved_by="Dr. Muster",
    )
    rows = {row.key: row for row in preset_rows(protocol)}
    assert rows["dam.daily_max_mg"].adjustment == "tightened by the clinic from 1000 mg"
    assert rows["observation.minutes"].adjustment == (
        "loosened by the clinic from 20 min: two nurses watch the room (approved by Dr. Muster)"
    )


def test_values_are_written_as_in_the_preset() -> None:
    protocol = load_protocol("ch-diaphin")
    assert format_value(protocol.number("alcohol.reduce_from_mg_per_l"), "mg/L") == "0.10 mg/L"
    assert format_value(protocol.number("dam.next_day_increase_fraction"), "fraction") == (
        "0.5 (50%)"
    )
    assert format_value(protocol.number("sessions.max_per_day"), "count") == "3"


def test_the_markdown_has_every_preset_value_rule_and_source() -> None:
    text = protocols_markdown()
    assert text == protocols_markdown()  # deterministic
    assert "medical director" in text
    for key in dosing_preset_keys():
        protocol = load_protocol(key)
        section = next(part for part in text.split("\n### ") if f"(`{key}`)" in part.split("\n")[0])
        assert protocol.hash[:12] in section
        for row in preset_rows(protocol):
            line = next(
                (
                    item
                    for item in section.splitlines()
                    if f"`{row.key}`" in item and row.value_text in item and row.meaning in item
                ),
                None,
            )
            assert line is not None, (key, row.key)
            for source in row.sources:
                assert source in line
    for rule in rule_catalogue():
        assert f"| `{rule.rule_id}` |" in text
    for key, citation in SOURCES.items():
        assert f"| {key} | {citation} |" in text


def test_the_markdown_includes_the_eligibility_presets() -> None:
    keys = eligibility_preset_keys()
    if not keys:
        pytest.skip("openhat.rules.eligibility has no presets yet")
    text = protocols_markdown()
    assert "## Eligibility presets" in text
    for key in keys:
        summary = eligibility_summary(key)
        if not summary.rows:
            continue
        assert f"(`{key}`)" in text
        for row in summary.rows:
            assert row.label.replace("|", "\\|") in text
            for source in row.sources:
                assert source == LOCAL or source in SOURCES


def test_the_eligibility_summary_says_whether_a_patient_licence_is_required() -> None:
    assert eligibility_summary("ch").licence == "a patient licence is required (S1)"
    assert eligibility_summary("nl").licence == "no patient licence required"
    text = protocols_markdown()
    assert "justified exceptions allowed (S1); a patient licence is required (S1)." in text
    assert "no exceptions provided for; no patient licence required." in text


def test_a_rules_preset_keys_are_only_those_the_protocol_has() -> None:
    """ca-ioat has no tablet rule, so the tablet titration rule names no key for it."""
    from openhat.rules.explain import RULES

    rule = RULES["titration_oral_first_dose"]
    assert rule.keys_for(load_protocol("ch-diaphin")) == ("dam.oral_first_dose_max_mg",)
    assert rule.keys_for(load_protocol("ca-ioat")) == ()
    assert set(rule.keys_for()) == {"dam.oral_first_dose_max_mg", "hdm.oral_first_dose_max_mg"}


def test_a_preset_without_local_values_says_nothing_about_confirming_them() -> None:
    from openhat.rules.explain import _dosing_section
    from openhat.rules.protocol import protocol_from_data

    data = load_protocol("ch-diaphin").as_data()
    for item in data["values"].values():
        if item["local_reason"]:
            item["sources"], item["local_reason"] = ["S15"], None
    fully_sourced = protocol_from_data(data)
    text = "\n".join(_dosing_section(fully_sourced))
    assert "local defaults" not in text
    assert "local defaults for the medical director" in "\n".join(
        _dosing_section(load_protocol("ch-diaphin"))
    )
