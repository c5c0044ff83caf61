"""Eligibility preset files: criteria with sourced values, loaded from TOML and checked.

Every number is a sourced value table checked by protocol.parse_sourced_value; every criterion
without a number (a recorded fact) cites its source directly.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from openhat.rules.eligibility.vocabulary import (
    FACTS,
    CriterionKind,
    TreatmentKind,
    TreatmentOutcome,
)
from openhat.rules.errors import PresetError
from openhat.rules.protocol import parse_sourced_value
from openhat.rules.sources import parse_citation


@dataclass(frozen=True)
class SourcedValue:
    value: Decimal
    unit: str
    sources: tuple[str, ...]
    local_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": str(self.value),
            "unit": self.unit,
            "sources": list(self.sources),
            "local_reason": self.local_reason,
        }


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    kind: CriterionKind
    parameters: Mapping[str, SourcedValue]
    sources: tuple[str, ...]  # every source the criterion rests on, parameters included
    local_reasons: tuple[str, ...] = ()
    fact: str | None = None
    counted_kinds: frozenset[TreatmentKind] = frozenset(TreatmentKind)
    counted_outcomes: frozenset[TreatmentOutcome] = frozenset()
    required_kinds: frozenset[TreatmentKind] = frozenset()
    current_only: bool = False

    def number(self, name: str) -> Decimal:
        return self.parameters[name].value


@dataclass(frozen=True)
class EligibilityPreset:
    key: str
    title: str
    version: str
    summary: str
    exceptions_allowed: bool
    exceptions_sources: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    file: str = ""
    exceptions_local_reason: str | None = None
    # A licence from an authority beside eligibility (CH: the federal patient licence [S1]).
    licence_required: bool = False
    licence_sources: tuple[str, ...] = ()
    licence_local_reason: str | None = None


@dataclass(frozen=True)
class _Parameter:
    unit: str
    minimum: Decimal
    maximum: Decimal
    integer: bool


def _parameter(unit: str, low: str, high: str, integer: bool = True) -> _Parameter:
    return _Parameter(unit, Decimal(low), Decimal(high), integer)


_AGE = _parameter("years", "0", "120")
_YEARS = _parameter("years", "0", "80", integer=False)
PARAMETERS: Mapping[CriterionKind, Mapping[str, _Parameter]] = {
    CriterionKind.MIN_AGE: {"value": _AGE},
    CriterionKind.MAX_AGE: {"value": _AGE},
    CriterionKind.MIN_YEARS_DEPENDENCE: {"value": _YEARS},
    CriterionKind.MIN_YEARS_OPIOID_USE: {"value": _YEARS},
    CriterionKind.MIN_YEARS_INJECTING: {"value": _YEARS},
    CriterionKind.MIN_PRIOR_TREATMENTS: {"value": _parameter("count", "1", "20")},
    CriterionKind.MIN_LONG_TREATMENT: {
        "value": _parameter("count", "1", "20"),
        "months": _parameter("months", "1", "120"),
    },
    CriterionKind.MIN_METHADONE_DOSE: {
        "injector_mg": _parameter("mg", "1", "1000", integer=False),
        "smoker_mg": _parameter("mg", "1", "1000", integer=False),
        "months": _parameter("months", "1", "60"),
        "within_years": _parameter("years", "1", "50"),
    },
    CriterionKind.MIN_SHARE_OF_DAYS: {"value": _parameter("percent", "0", "100", integer=False)},
    CriterionKind.FACT_TRUE: {},
    CriterionKind.EXCLUSION: {},
}
_TREATMENT_FIELDS = {"counted_kinds", "counted_outcomes"}
_EXTRA_FIELDS: Mapping[CriterionKind, set[str]] = {
    CriterionKind.MIN_PRIOR_TREATMENTS: _TREATMENT_FIELDS | {"required_kinds"},
    CriterionKind.MIN_LONG_TREATMENT: _TREATMENT_FIELDS | {"current_only"},
    CriterionKind.FACT_TRUE: {"fact", "source", "reason"},
    CriterionKind.EXCLUSION: {"fact", "source", "reason"},
}
_HEADER_FIELDS = {
    "key",
    "kind",
    "title",
    "version",
    "summary",
    "exceptions_allowed",
    "exceptions_source",
    "exceptions_reason",
    "licence_required",
    "licence_source",
    "licence_reason",
}


def _enum_list(file: str, key: str, raw: object, enum: type[StrEnum]) -> frozenset[Any]:
    if not isinstance(raw, list) or not raw:
        raise PresetError(file, key, "must be a non-empty list")
    members = []
    for item in raw:
        try:
            members.append(enum(item))
        except ValueError:
            known = ", ".join(member.value for member in enum)
            raise PresetError(file, key, f"{item!r} is unknown; use one of {known}") from None
    if len(set(members)) != len(members):
        raise PresetError(file, key, "lists an entry twice")
    return frozenset(members)


def _parse_criterion(file: str, index: int, raw: object) -> Criterion:
    where = f"criteria[{index}]"
    if not isinstance(raw, dict):
        raise PresetError(file, where, "must be a table")
    for name in ("id", "label", "kind"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise PresetError(file, f"{where}.{name}", "is missing or empty")
    criterion_id = raw["id"]
    if not criterion_id.isidentifier() or criterion_id != criterion_id.lower():
        raise PresetError(file, f"{where}.id", f"{criterion_id!r} must be a lower-case identifier")
    try:
        kind = CriterionKind(raw["kind"])
    except ValueError:
        known = ", ".join(member.value for member in CriterionKind)
        raise PresetError(
            file, f"{where}.kind", f"unknown kind {raw['kind']!r}; use one of {known}"
        ) from None
    specs = PARAMETERS[kind]
    extras = _EXTRA_FIELDS.get(kind, set())
    unknown = set(raw) - {"id", "label", "kind"} - set(specs) - extras
    if unknown:
        raise PresetError(file, where, f"unknown field(s) for {kind}: {', '.join(sorted(unknown))}")

    parameters: dict[str, SourcedValue] = {}
    for name, spec in specs.items():
        key = f"{where}.{name}"
        if name not in raw:
            raise PresetError(file, key, "is required but missing")
        value, sources, reason = parse_sourced_value(file, key, raw[name], spec.unit)
        if spec.integer and value != value.to_integral_value():
            raise PresetError(file, key, f"value {value} must be a whole number")
        if not spec.minimum <= value <= spec.maximum:
            raise PresetError(
                file, key, f"value {value} {spec.unit} is outside {spec.minimum}-{spec.maximum}"
            )
        parameters[name] = SourcedValue(value, spec.unit, sources, reason)

    all_sources = [source for item in parameters.values() for source in item.sources]
    local_reasons = [item.local_reason for item in parameters.values() if item.local_reason]
    fact = None
    if kind in (CriterionKind.FACT_TRUE, CriterionKind.EXCLUSION):
        fact = raw.get("fact")
        if fact not in FACTS:
            raise PresetError(
                file, f"{where}.fact", f"{fact!r} is not a known fact; known: {', '.join(FACTS)}"
            )
        sources, reason = parse_citation(
            file, f"{where}.source", raw.get("source"), raw.get("reason")
        )
        all_sources.extend(sources)
        local_reasons.extend([reason] if reason else [])

    extra: dict[str, Any] = {}
    if kind in (CriterionKind.MIN_PRIOR_TREATMENTS, CriterionKind.MIN_LONG_TREATMENT):
        if "counted_outcomes" not in raw:
            raise PresetError(file, f"{where}.counted_outcomes", "is required but missing")
        extra["counted_outcomes"] = _enum_list(
            file, f"{where}.counted_outcomes", raw["counted_outcomes"], TreatmentOutcome
        )
        if "counted_kinds" in raw:
            extra["counted_kinds"] = _enum_list(
                file, f"{where}.counted_kinds", raw["counted_kinds"], TreatmentKind
            )
    if "required_kinds" in raw:
        extra["required_kinds"] = _enum_list(
            file, f"{where}.required_kinds", raw["required_kinds"], TreatmentKind
        )
        if not extra["required_kinds"] <= extra.get("counted_kinds", frozenset(TreatmentKind)):
            raise PresetError(file, f"{where}.required_kinds", "must be among the counted kinds")
    if "current_only" in raw:
        if not isinstance(raw["current_only"], bool):
            raise PresetError(file, f"{where}.current_only", "must be true or false")
        extra["current_only"] = raw["current_only"]

    return Criterion(
        id=criterion_id,
        label=raw["label"].strip(),
        kind=kind,
        parameters=MappingProxyType(parameters),
        sources=tuple(dict.fromkeys(all_sources)),
        local_reasons=tuple(local_reasons),
        fact=fact,
        **extra,
    )


def load_eligibility_preset_file(path: Path) -> EligibilityPreset:
    file = path.name
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(file, "-", f"cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise PresetError(file, "-", f"is not valid TOML: {error}") from None
    header = document.get("preset")
    if not isinstance(header, dict):
        raise PresetError(file, "preset", "the [preset] table is missing")
    for name in ("key", "kind", "title", "version", "summary"):
        if not isinstance(header.get(name), str) or not header[name].strip():
            raise PresetError(file, f"preset.{name}", "is missing or empty")
    unknown_header = set(header) - _HEADER_FIELDS
    if unknown_header:
        raise PresetError(file, "preset", f"unknown field(s) {', '.join(sorted(unknown_header))}")
    if header["kind"] != "eligibility":
        raise PresetError(file, "preset.kind", f"{header['kind']!r} is not an eligibility preset")
    if header["key"] != path.stem:
        raise PresetError(
            file, "preset.key", f"{header['key']!r} does not match the file name {path.stem!r}"
        )
    unknown_tables = set(document) - {"preset", "criteria"}
    if unknown_tables:
        raise PresetError(file, sorted(unknown_tables)[0], "unknown key")
    allowed = header.get("exceptions_allowed")
    if not isinstance(allowed, bool):
        raise PresetError(file, "preset.exceptions_allowed", "must be true or false")
    exception_sources: tuple[str, ...] = ()
    exception_reason: str | None = None
    if allowed:
        # A jurisdiction that provides for exceptions says so in its text: cite it.
        exception_sources, exception_reason = parse_citation(
            file,
            "preset.exceptions_source",
            header.get("exceptions_source"),
            header.get("exceptions_reason"),
        )
    elif "exceptions_source" in header or "exceptions_reason" in header:
        raise PresetError(
            file, "preset.exceptions_source", "only cited when exceptions_allowed = true"
        )
    licence_required, licence_sources, licence_reason = _licence(file, header)

    raw_criteria = document.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise PresetError(file, "criteria", "the preset needs at least one [[criteria]] table")
    criteria = [_parse_criterion(file, index, raw) for index, raw in enumerate(raw_criteria)]
    seen: dict[str, int] = {}
    for index, criterion in enumerate(criteria):
        if criterion.id in seen:
            raise PresetError(
                file,
                f"criteria[{index}].id",
                f"{criterion.id!r} repeats criteria[{seen[criterion.id]}]",
            )
        seen[criterion.id] = index
    _check_ages(file, criteria)
    return EligibilityPreset(
        key=header["key"],
        title=header["title"].strip(),
        version=header["version"].strip(),
        summary=header["summary"].strip(),
        exceptions_allowed=allowed,
        exceptions_sources=exception_sources,
        criteria=tuple(criteria),
        file=file,
        exceptions_local_reason=exception_reason,
        licence_required=licence_required,
        licence_sources=licence_sources,
        licence_local_reason=licence_reason,
    )


def _licence(file: str, header: dict[str, Any]) -> tuple[bool, tuple[str, ...], str | None]:
    """Whether the jurisdiction requires a patient licence; a requirement cites its text."""
    required = header.get("licence_required")
    if not isinstance(required, bool):
        raise PresetError(file, "preset.licence_required", "must be true or false")
    if not required:
        if "licence_source" in header or "licence_reason" in header:
            raise PresetError(
                file, "preset.licence_source", "only cited when licence_required = true"
            )
        return False, (), None
    sources, reason = parse_citation(
        file, "preset.licence_source", header.get("licence_source"), header.get("licence_reason")
    )
    return True, sources, reason


def _check_ages(file: str, criteria: list[Criterion]) -> None:
    minimum = [c.number("value") for c in criteria if c.kind is CriterionKind.MIN_AGE]
    for index, criterion in enumerate(criteria):
        if criterion.kind is CriterionKind.MAX_AGE and any(
            criterion.number("value") < low for low in minimum
        ):
            raise PresetError(
                file, f"criteria[{index}].value", "the maximum age is below the minimum age"
            )
