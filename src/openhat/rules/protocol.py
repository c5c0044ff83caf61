"""Dosing protocols: presets loaded from TOML, every number with its source, and clinic adjustments.

A value in a preset file is a small table:

    first_dose_max_mg = { value = 15, unit = "mg", source = "S15" }
    hold_at_mg_per_l  = { value = "0.25", unit = "mg/L", source = "local", reason = "..." }

Loading checks every key against SCHEMA (unit, range, whole number or not), every source against
sources.SOURCES, and refuses unknown keys; a broken file raises PresetError(file, key, problem).
A clinic may tighten any value freely; loosening is a separate call that needs a reason and an
approver, and every decision that uses a loosened value says so.
The keys, their units, ranges and safer directions, and the checks against them are in
schema.py (SCHEMA, Spec, Tighter and HAT_DRUG_SECTIONS are re-exported here).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openhat.rules.errors import AdjustmentError, PresetError
from openhat.rules.schema import (
    _COMMON,
    _PER_DRUG,
    HAT_DRUG_SECTIONS,
    SCHEMA,
    _check_coherence,
    _check_range,
    _decimal,
)
from openhat.rules.schema import Spec as Spec  # re-exported with SCHEMA: it lived here before
from openhat.rules.schema import Tighter as Tighter
from openhat.rules.sources import parse_citation

PRESET_DIR = Path(__file__).parent / "presets"
MICROSECONDS_PER_MINUTE = Decimal(60_000_000)


@dataclass(frozen=True)
class Loosening:
    previous: Decimal
    reason: str
    approved_by: str


@dataclass(frozen=True)
class PresetValue:
    key: str
    value: Decimal
    unit: str
    sources: tuple[str, ...]
    local_reason: str | None = None
    loosening: Loosening | None = None
    tightened_from: Decimal | None = None

    @property
    def source_text(self) -> str:
        text = ", ".join(self.sources)
        if self.local_reason:
            text += f" ({self.local_reason})"
        return text


@dataclass(frozen=True)
class Protocol:
    key: str
    title: str
    version: str
    summary: str
    values: Mapping[str, PresetValue]
    drugs: frozenset[str]
    file: str = ""
    numbers: Mapping[str, Decimal] = field(init=False, repr=False, compare=False)
    # Derived once, because decide() needs them on every call: whole numbers as int, and every
    # value in minutes as a timedelta.
    whole: Mapping[str, int] = field(init=False, repr=False, compare=False)
    durations: Mapping[str, timedelta] = field(init=False, repr=False, compare=False)
    loosened_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    hash: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", {key: item.value for key, item in self.values.items()})
        object.__setattr__(
            self,
            "loosened_keys",
            frozenset(key for key, item in self.values.items() if item.loosening is not None),
        )
        object.__setattr__(
            self,
            "whole",
            {
                key: int(item.value)
                for key, item in self.values.items()
                if item.value == item.value.to_integral_value()
            },
        )
        object.__setattr__(
            self,
            "durations",
            {
                key: timedelta(microseconds=int(item.value * MICROSECONDS_PER_MINUTE))
                for key, item in self.values.items()
                if item.unit == "min"
            },
        )
        object.__setattr__(self, "hash", _protocol_hash(self))

    def number(self, key: str) -> Decimal:
        return self.numbers[key]

    def has(self, key: str) -> bool:
        return key in self.numbers

    def as_data(self) -> dict[str, Any]:
        """Everything needed to rebuild this protocol exactly (used by decision snapshots)."""
        return {
            "key": self.key,
            "title": self.title,
            "version": self.version,
            "summary": self.summary,
            "drugs": sorted(self.drugs),
            "values": {
                key: {
                    "value": str(item.value),
                    "unit": item.unit,
                    "sources": list(item.sources),
                    "local_reason": item.local_reason,
                    "loosening": None
                    if item.loosening is None
                    else {
                        "previous": str(item.loosening.previous),
                        "reason": item.loosening.reason,
                        "approved_by": item.loosening.approved_by,
                    },
                    "tightened_from": None
                    if item.tightened_from is None
                    else str(item.tightened_from),
                }
                for key, item in sorted(self.values.items())
            },
        }


def _protocol_hash(protocol: Protocol) -> str:
    data = protocol.as_data()
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def protocol_from_data(data: Mapping[str, Any]) -> Protocol:
    values = {}
    for key, item in data["values"].items():
        loosening = item.get("loosening")
        values[key] = PresetValue(
            key=key,
            value=Decimal(item["value"]),
            unit=item["unit"],
            sources=tuple(item["sources"]),
            local_reason=item.get("local_reason"),
            loosening=None
            if loosening is None
            else Loosening(
                Decimal(loosening["previous"]), loosening["reason"], loosening["approved_by"]
            ),
            tightened_from=None
            if item.get("tightened_from") is None
            else Decimal(item["tightened_from"]),
        )
    return Protocol(
        key=data["key"],
        title=data["title"],
        version=data["version"],
        summary=data["summary"],
        values=values,
        drugs=frozenset(data["drugs"]),
    )


# --- loading -----------------------------------------------------------------------------------


def parse_sourced_value(
    file: str, key: str, raw: object, unit: str
) -> tuple[Decimal, tuple[str, ...], str | None]:
    """Validate one {value, unit, source[, reason]} table; shared with the eligibility presets."""
    if not isinstance(raw, dict):
        raise PresetError(
            file, key, 'must be a table like { value = 15, unit = "mg", source = "S15" }'
        )
    unknown = set(raw) - {"value", "unit", "source", "reason"}
    if unknown:
        raise PresetError(file, key, f"unknown field(s) {', '.join(sorted(unknown))}")
    if "value" not in raw:
        raise PresetError(file, key, "has no value")
    value = _decimal(file, key, raw["value"])
    given_unit = raw.get("unit")
    if given_unit is None:
        raise PresetError(file, key, f"has no unit (expected {unit!r})")
    if given_unit != unit:
        raise PresetError(file, key, f"unit {given_unit!r} where {unit!r} is meant")
    sources, reason = parse_citation(file, key, raw.get("source"), raw.get("reason"))
    return value, sources, reason


def _flatten(file: str, table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, item in table.items():
        key = f"{prefix}{name}"
        if isinstance(item, dict) and "value" not in item and "source" not in item:
            flat.update(_flatten(file, item, key + "."))
        else:
            flat[key] = item
    return flat


def load_protocol_file(path: Path) -> Protocol:
    file = path.name
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(file, "-", f"cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise PresetError(file, "-", f"is not valid TOML: {error}") from None
    header = document.pop("preset", None)
    if not isinstance(header, dict):
        raise PresetError(file, "preset", "the [preset] table is missing")
    for name in ("key", "kind", "title", "version", "summary"):
        if not isinstance(header.get(name), str) or not header[name].strip():
            raise PresetError(file, f"preset.{name}", "is missing or empty")
    unknown_header = set(header) - {"key", "kind", "title", "version", "summary"}
    if unknown_header:
        raise PresetError(file, "preset", f"unknown field(s) {', '.join(sorted(unknown_header))}")
    if header["kind"] != "dosing":
        raise PresetError(file, "preset.kind", f"{header['kind']!r} is not a dosing preset")
    if header["key"] != path.stem:
        raise PresetError(
            file, "preset.key", f"{header['key']!r} does not match the file name {path.stem!r}"
        )

    raw_values = _flatten(file, document)
    drugs = frozenset(
        drug for drug in HAT_DRUG_SECTIONS if any(k.startswith(drug + ".") for k in raw_values)
    )
    if not drugs:
        raise PresetError(file, "dam", "the preset has no drug section ([dam] or [hdm])")
    values: dict[str, PresetValue] = {}
    for key, raw in raw_values.items():
        spec = SCHEMA.get(key)
        if spec is None:
            raise PresetError(file, key, "unknown key")
        value, sources, reason = parse_sourced_value(file, key, raw, spec.unit)
        _check_range(file, key, value, spec)
        values[key] = PresetValue(key, value, spec.unit, sources, reason)
    required = set(_COMMON) | {f"{drug}.{name}" for drug in drugs for name in _PER_DRUG}
    missing = sorted(required - set(values))
    if missing:
        raise PresetError(file, missing[0], "is required but missing")
    _check_coherence(file, {key: item.value for key, item in values.items()}, drugs)
    return Protocol(
        key=header["key"],
        title=header["title"].strip(),
        version=header["version"].strip(),
        summary=header["summary"].strip(),
        values=values,
        drugs=drugs,
        file=file,
    )


def dosing_preset_keys() -> list[str]:
    keys = []
    for path in sorted(PRESET_DIR.glob("*.toml")):
        if 'kind = "dosing"' in path.read_text(encoding="utf-8"):
            keys.append(path.stem)
    return keys


def load_protocol(key: str) -> Protocol:
    path = PRESET_DIR / f"{key}.toml"
    if not key or "/" in key or "\\" in key or not path.is_file():
        raise PresetError(
            f"{key}.toml",
            "-",
            f"no dosing preset {key!r}; known: {', '.join(dosing_preset_keys())}",
        )
    return load_protocol_file(path)


# --- clinic adjustments ----------------------------------------------------------------------


def _direction(protocol: Protocol, key: str, value: object) -> tuple[PresetValue, Decimal, int]:
    """The current value, the new value, and -1 (tighter), 0 (same) or +1 (looser)."""
    if key not in protocol.values:
        raise AdjustmentError(key, f"{protocol.key} has no value {key!r}")
    current = protocol.values[key]
    new = _decimal(protocol.file or protocol.key, key, value)
    spec = SCHEMA[key]
    _check_range(protocol.file or protocol.key, key, new, spec)
    if new == current.value:
        return current, new, 0
    if spec.tighter == "fixed":
        return current, new, 1
    looser = new > current.value if spec.tighter == "lower" else new < current.value
    return current, new, 1 if looser else -1


def tighten(protocol: Protocol, key: str, value: object) -> Protocol:
    """A clinic's stricter value. Refused if it would loosen the preset."""
    current, new, direction = _direction(protocol, key, value)
    if direction > 0:
        raise AdjustmentError(
            key,
            f"{new} would loosen {key} (now {current.value}); loosening needs loosen() with a reason",
        )
    if direction == 0:
        return protocol
    origin = current.tightened_from if current.tightened_from is not None else current.value
    updated = replace(current, value=new, tightened_from=origin)
    return _with_value(protocol, key, updated)


def loosen(
    protocol: Protocol, key: str, value: object, *, reason: str, approved_by: str
) -> Protocol:
    """An explicit, reasoned loosening; every decision that uses the value reports it."""
    if not reason or not reason.strip():
        raise AdjustmentError(key, "a loosening needs a written reason")
    if not approved_by or not approved_by.strip():
        raise AdjustmentError(key, "a loosening needs the approving physician")
    current, new, direction = _direction(protocol, key, value)
    if direction <= 0:
        raise AdjustmentError(
            key, f"{new} does not loosen {key} (now {current.value}); use tighten()"
        )
    updated = replace(
        current, value=new, loosening=Loosening(current.value, reason.strip(), approved_by.strip())
    )
    return _with_value(protocol, key, updated)


def _with_value(protocol: Protocol, key: str, updated: PresetValue) -> Protocol:
    values = dict(protocol.values)
    values[key] = updated
    adjusted = Protocol(
        key=protocol.key,
        title=protocol.title,
        version=protocol.version,
        summary=protocol.summary,
        values=values,
        drugs=protocol.drugs,
        file=protocol.file,
    )
    _check_coherence(protocol.file or protocol.key, adjusted.numbers, adjusted.drugs)
    return adjusted
