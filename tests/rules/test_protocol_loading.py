"""Broken dosing presets: every PresetError names the file, the key and the problem.

Each case starts from the real ch-diaphin preset, changes one thing, writes it to tmp_path and loads
it; clinic adjustments (tighten/loosen) are checked for the refusals the loader shares.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openhat.rules import AdjustmentError, PresetError, load_protocol, loosen, tighten
from openhat.rules.protocol import (
    PRESET_DIR,
    dosing_preset_keys,
    load_protocol_file,
    protocol_from_data,
)

Document = dict[str, Any]


def original() -> Document:
    return tomllib.loads((PRESET_DIR / "ch-diaphin.toml").read_text(encoding="utf-8"))


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def write(tmp_path: Path, document: Document, name: str = "ch-diaphin") -> Path:
    lines: list[str] = []
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    for key, value in document.items():
        if key not in tables:
            lines.append(f"{key} = {toml_value(value)}")
    for table, content in tables.items():
        lines.append(f"[{table}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in content.items())
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def set_value(section: str, key: str, **fields: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document[section][key] = fields

    return change


def update(section: str, key: str, **fields: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document[section][key].update(fields)
        for name, value in fields.items():
            if value is None:
                del document[section][key][name]

    return change


def delete(section: str, key: str | None = None) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        if key is None:
            del document[section]
        else:
            del document[section][key]

    return change


def assign(section: str, key: str, value: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document[section][key] = value

    return change


LOCAL_REASON = "a conservative default"
CASES: list[tuple[str, Callable[[Document], None], str, str]] = [
    ("missing [preset]", delete("preset"), "preset", "the [preset] table is missing"),
    ("empty title", assign("preset", "title", "  "), "preset.title", "is missing or empty"),
    ("missing version", delete("preset", "version"), "preset.version", "is missing or empty"),
    (
        "unknown header field",
        assign("preset", "colour", "red"),
        "preset",
        "unknown field(s) colour",
    ),
    (
        "wrong kind",
        assign("preset", "kind", "eligibility"),
        "preset.kind",
        "is not a dosing preset",
    ),
    (
        "key and file name differ",
        assign("preset", "key", "ch-other"),
        "preset.key",
        "does not match",
    ),
    ("no drug section", delete("dam"), "dam", "no drug section"),
    (
        "unknown key",
        set_value("dam", "colour_mg", value=1, unit="mg", source="S15"),
        "dam.colour_mg",
        "unknown key",
    ),
    (
        "missing required key",
        delete("sessions", "min_interval_minutes"),
        "sessions.min_interval_minutes",
        "is required but missing",
    ),
    (
        "missing per-drug key",
        delete("dam", "top_up_max_mg"),
        "dam.top_up_max_mg",
        "is required but missing",
    ),
    (
        "value not a table",
        assign("dam", "daily_max_mg", 1000),
        "dam.daily_max_mg",
        "must be a table",
    ),
    (
        "unknown field in a value",
        update("dam", "daily_max_mg", note="x"),
        "dam.daily_max_mg",
        "unknown field(s) note",
    ),
    ("no value", update("dam", "daily_max_mg", value=None), "dam.daily_max_mg", "has no value"),
    (
        "no unit",
        update("dam", "daily_max_mg", unit=None),
        "dam.daily_max_mg",
        "has no unit (expected 'mg')",
    ),
    (
        "wrong unit",
        update("dam", "daily_max_mg", unit="g"),
        "dam.daily_max_mg",
        "unit 'g' where 'mg' is meant",
    ),
    (
        "boolean value",
        update("dam", "daily_max_mg", value=True),
        "dam.daily_max_mg",
        "is not a number",
    ),
    ("list value", update("dam", "daily_max_mg", value=[1]), "dam.daily_max_mg", "is not a number"),
    (
        "text value",
        update("dam", "daily_max_mg", value="lots"),
        "dam.daily_max_mg",
        "is not a number",
    ),
    (
        "infinite value",
        update("dam", "daily_max_mg", value="inf"),
        "dam.daily_max_mg",
        "is not a finite number",
    ),
    (
        "out of range",
        update("sessions", "max_per_day", value=7),
        "sessions.max_per_day",
        "outside 1-6",
    ),
    (
        "negative",
        update("observation", "minutes", value=-5),
        "observation.minutes",
        "outside 5-240",
    ),
    (
        "non-integer count",
        update("sessions", "max_per_day", value="2.5"),
        "sessions.max_per_day",
        "must be a whole number",
    ),
    (
        "non-integer float count",
        update("vigilance", "first_days", value=30.5),
        "vigilance.first_days",
        "must be a whole number",
    ),
    (
        "missing source",
        update("dam", "daily_max_mg", source=None),
        "dam.daily_max_mg",
        "has no source",
    ),
    ("empty source", update("dam", "daily_max_mg", source=""), "dam.daily_max_mg", "has no source"),
    (
        "empty source list",
        update("dam", "daily_max_mg", source=[]),
        "dam.daily_max_mg",
        "has no source",
    ),
    (
        "source not text",
        update("dam", "daily_max_mg", source=15),
        "dam.daily_max_mg",
        "source must be a key",
    ),
    (
        "source list not text",
        update("dam", "daily_max_mg", source=["S13", 16]),
        "dam.daily_max_mg",
        "source must be a key",
    ),
    (
        "unknown source",
        update("dam", "daily_max_mg", source="S99"),
        "dam.daily_max_mg",
        "unknown source 'S99'",
    ),
    (
        "unknown source in a list",
        update("dam", "daily_max_mg", source=["S13", "S0"]),
        "dam.daily_max_mg",
        "unknown source 'S0'",
    ),
    (
        "local without reason",
        update("dam", "daily_max_mg", source="local"),
        "dam.daily_max_mg",
        "a local value needs a one-line reason",
    ),
    (
        "local with blank reason",
        update("dam", "daily_max_mg", source="local", reason=" "),
        "dam.daily_max_mg",
        "one-line reason",
    ),
    (
        "local with two-line reason",
        update("dam", "daily_max_mg", source="local", reason="a\nb"),
        "dam.daily_max_mg",
        "one-line reason",
    ),
    (
        "local with non-text reason",
        update("dam", "daily_max_mg", source="local", reason=3),
        "dam.daily_max_mg",
        "one-line reason",
    ),
    (
        "reason on a sourced value",
        update("dam", "daily_max_mg", reason=LOCAL_REASON),
        "dam.daily_max_mg",
        "a reason is only given for local values",
    ),
    (
        "alcohol reduce above hold",
        update("alcohol", "reduce_from_mg_per_l", value="0.30"),
        "alcohol.reduce_from_mg_per_l",
        "must not be above alcohol.hold_at_mg_per_l",
    ),
    (
        "sedation reduce above hold",
        update("sedation", "hold_at_score", value=2),
        "sedation.reduce_at_score",
        "must not be above sedation.hold_at_score",
    ),
    (
        "alcohol shares crossed",
        update("alcohol", "reduce_by_fraction_min", value="0.6"),
        "alcohol.reduce_by_fraction_min",
        "must not be above alcohol.reduce_by_fraction_max",
    ),
    (
        "sedation shares crossed",
        update("sedation", "reduce_by_fraction_min", value="0.6"),
        "sedation.reduce_by_fraction_min",
        "must not be above sedation.reduce_by_fraction_max",
    ),
    (
        "missed days crossed",
        update("missed", "reduce_after_days", value=6),
        "missed.reduce_after_days",
        "must not be above missed.retitrate_after_days",
    ),
    (
        "potency range crossed",
        update("conversion", "hdm_to_dam_low", value="2.5"),
        "conversion.hdm_to_dam_low",
        "must not be above conversion.hdm_to_dam_high",
    ),
    (
        "first dose above daily maximum",
        update("dam", "daily_max_mg", value=10),
        "dam.first_dose_max_mg",
        "must not be above dam.daily_max_mg",
    ),
]


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [pytest.param(change, key, problem, id=name) for name, change, key, problem in CASES],
)
def test_broken_preset(
    tmp_path: Path, change: Callable[[Document], None], key: str, problem: str
) -> None:
    document = original()
    change(document)
    with pytest.raises(PresetError) as caught:
        load_protocol_file(write(tmp_path, document))
    error = caught.value
    assert (error.file, error.key) == ("ch-diaphin.toml", key), str(error)
    assert problem in error.problem, str(error)
    assert str(error).startswith(f"ch-diaphin.toml: {key}: ")


def test_the_writer_round_trips_the_real_preset(tmp_path: Path) -> None:
    """The helper above writes a file the loader reads as the original."""
    loaded = load_protocol_file(write(tmp_path, original()))
    assert loaded.numbers == load_protocol("ch-diaphin").numbers
    assert loaded.hash == load_protocol("ch-diaphin").hash


def test_float_values_are_taken_as_written(tmp_path: Path) -> None:
    document = original()
    document["alcohol"]["hold_at_mg_per_l"]["value"] = 0.3
    loaded = load_protocol_file(write(tmp_path, document))
    assert loaded.number("alcohol.hold_at_mg_per_l") == Decimal("0.3")


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "ch-diaphin.toml"
    path.write_text("[preset\nkey = = 1\n", encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        load_protocol_file(path)
    assert (caught.value.file, caught.value.key) == ("ch-diaphin.toml", "-")
    assert "is not valid TOML" in caught.value.problem


@pytest.mark.parametrize("kind", ["directory", "not utf-8"])
def test_unreadable(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "ch-diaphin.toml"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b'[preset]\nkey = "\xff\xfe"\n')
    with pytest.raises(PresetError) as caught:
        load_protocol_file(path)
    assert (caught.value.file, caught.value.key) == ("ch-diaphin.toml", "-")
    assert "cannot be read" in caught.value.problem


@pytest.mark.parametrize("key", ["nope", "", "../ch-diaphin", "presets\\ch-diaphin"])
def test_unknown_preset_names_the_known_ones(key: str) -> None:
    with pytest.raises(PresetError) as caught:
        load_protocol(key)
    assert caught.value.file == f"{key}.toml"
    assert caught.value.key == "-"
    assert "known: ca-ioat, ch-diaphin" in caught.value.problem


def test_dosing_preset_keys_leave_out_eligibility_presets() -> None:
    keys = dosing_preset_keys()
    assert {"ch-diaphin", "ca-ioat"} <= set(keys)
    assert "ch" not in keys
    assert keys == sorted(keys)


def test_source_text() -> None:
    protocol = load_protocol("ch-diaphin")
    assert protocol.values["sessions.max_per_day"].source_text == "S12, S13, S22"
    text = protocol.values["missed.reduce_after_days"].source_text
    assert text.startswith("local (") and text.endswith(")")


def test_protocol_from_data_rebuilds_adjusted_protocols() -> None:
    protocol = tighten(load_protocol("ca-ioat"), "dam.daily_max_mg", "800")
    protocol = loosen(
        protocol,
        "observation.minutes",
        "15",
        reason="two nurses watch the room",
        approved_by="dr_a",
    )
    rebuilt = protocol_from_data(protocol.as_data())
    assert rebuilt.hash == protocol.hash
    assert rebuilt.values["dam.daily_max_mg"].tightened_from == Decimal(1000)
    loosening = rebuilt.values["observation.minutes"].loosening
    assert loosening is not None
    assert (loosening.previous, loosening.approved_by) == (Decimal(20), "dr_a")


# --- tighten and loosen ----------------------------------------------------------------------------


def test_tighten_and_loosen_refusals() -> None:
    protocol = load_protocol("ch-diaphin")
    with pytest.raises(AdjustmentError, match=r"has no value 'hdm\.daily_max_mg'"):
        tighten(protocol, "hdm.daily_max_mg", "100")
    with pytest.raises(AdjustmentError, match="would loosen"):
        tighten(protocol, "dam.daily_max_mg", "1200")
    with pytest.raises(AdjustmentError, match="would loosen"):
        tighten(protocol, "conversion.hdm_to_dam_low", "1.9")  # fixed: any change loosens
    with pytest.raises(AdjustmentError, match="does not loosen"):
        loosen(protocol, "dam.daily_max_mg", "900", reason="r", approved_by="dr_a")
    with pytest.raises(AdjustmentError, match="does not loosen"):
        loosen(protocol, "dam.daily_max_mg", "1000", reason="r", approved_by="dr_a")
    with pytest.raises(AdjustmentError, match="written reason"):
        loosen(protocol, "dam.daily_max_mg", "1200", reason=" ", approved_by="dr_a")
    with pytest.raises(AdjustmentError, match="approving physician"):
        loosen(protocol, "dam.daily_max_mg", "1200", reason="r", approved_by="")
    with pytest.raises(PresetError, match="outside"):
        tighten(protocol, "sessions.max_per_day", "0")
    with pytest.raises(PresetError, match="is not a number"):
        tighten(protocol, "sessions.max_per_day", "two")
    with pytest.raises(PresetError, match=r"must not be above alcohol\.hold_at_mg_per_l"):
        tighten(protocol, "alcohol.hold_at_mg_per_l", "0.05")  # below the reduction threshold
    error = AdjustmentError("dam.daily_max_mg", "refused")
    assert (error.key, error.problem, str(error)) == (
        "dam.daily_max_mg",
        "refused",
        "dam.daily_max_mg: refused",
    )


def test_tighten_keeps_the_first_origin_and_ignores_no_change() -> None:
    protocol = load_protocol("ch-diaphin")
    assert tighten(protocol, "dam.daily_max_mg", "1000") is protocol
    once = tighten(protocol, "dam.daily_max_mg", "900")
    twice = tighten(once, "dam.daily_max_mg", "800")
    assert twice.values["dam.daily_max_mg"].tightened_from == Decimal(1000)
    assert tighten(protocol, "observation.minutes", "30").number("observation.minutes") == 30
    fixed = loosen(protocol, "conversion.hdm_to_dam_high", "2.3", reason="r", approved_by="dr_a")
    assert fixed.number("conversion.hdm_to_dam_high") == Decimal("2.3")
