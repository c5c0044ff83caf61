"""Eligibility for heroin-assisted treatment: a jurisdiction's criteria, each met, not met or unknown.

A preset file (kind = "eligibility") lists criteria; every number in it is a sourced value table
checked by protocol.parse_sourced_value, and every criterion without a number (a recorded fact)
cites its source directly:

    [[criteria]]
    id = "age"
    label = "Aged 18 or over"
    kind = "min_age"
    value = { value = 18, unit = "years", source = "S1" }

The facts about a person are recorded once (EligibilityFacts); what is not recorded is unknown, and
an unknown fact makes its criterion unknown rather than met or not met, so a gap in the record can
never pass for eligibility. The physician decides: a PhysicianException with a written reason turns
a not-eligible or incomplete verdict into eligible_by_exception, and is flagged as outside the
preset when the preset's jurisdiction does not provide for exceptions.

Dates are calendar dates. Whole years and months are counted the conservative way: a period that
starts on a day the target month lacks (29 February, the 31st) completes on the 1st of the next
month, so nobody reaches an age or a duration a day early.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from openhat.rules.errors import ContextError, PresetError
from openhat.rules.protocol import parse_sourced_value
from openhat.rules.sources import LOCAL, SOURCES
from openhat.rules.units import exact_decimal

__all__ = [
    "FACTS",
    "PRESET_DIR",
    "Criterion",
    "CriterionKind",
    "CriterionResult",
    "CriterionStatus",
    "EligibilityFacts",
    "EligibilityPreset",
    "EligibilityResult",
    "EligibilityVerdict",
    "HeroinRoute",
    "MethadoneDosePeriod",
    "PhysicianException",
    "PriorTreatment",
    "SourcedValue",
    "TreatmentKind",
    "TreatmentOutcome",
    "assess_eligibility",
    "eligibility_preset_keys",
    "load_eligibility_preset",
    "load_eligibility_preset_file",
]

PRESET_DIR = Path(__file__).parent / "presets"


# --- vocabulary --------------------------------------------------------------------------------


class TreatmentKind(StrEnum):
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    SROM = "srom"  # slow-release oral morphine
    INJECTABLE_OAT = "injectable_oat"
    RESIDENTIAL = "residential"
    ABSTINENCE = "abstinence"
    OTHER = "other"


class TreatmentOutcome(StrEnum):
    FAILED = "failed"  # not effective; may still be running (ended_on empty)
    ABANDONED = "abandoned"  # stopped by the patient
    ONGOING = "ongoing"  # still running, effectiveness not judged
    COMPLETED = "completed"  # ended as planned
    UNKNOWN = "unknown"  # not recorded


# An abandoned or completed treatment has, by its nature, ended; an ongoing one has not.
_OUTCOMES_THAT_END = frozenset({TreatmentOutcome.ABANDONED, TreatmentOutcome.COMPLETED})


class HeroinRoute(StrEnum):
    INJECTING = "injecting"
    SMOKING = "smoking"


class CriterionKind(StrEnum):
    MIN_AGE = "min_age"
    MAX_AGE = "max_age"
    MIN_YEARS_DEPENDENCE = "min_years_dependence"
    MIN_YEARS_OPIOID_USE = "min_years_opioid_use"
    MIN_YEARS_INJECTING = "min_years_injecting"
    MIN_PRIOR_TREATMENTS = "min_prior_treatments"
    MIN_LONG_TREATMENT = "min_long_treatment"
    MIN_METHADONE_DOSE = "min_methadone_dose"
    MIN_SHARE_OF_DAYS = "min_share_of_days"
    FACT_TRUE = "fact_true"
    EXCLUSION = "exclusion"


class CriterionStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class EligibilityVerdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"
    ELIGIBLE_BY_EXCEPTION = "eligible_by_exception"


# The yes/no facts a criterion may name, with the wording used in evidence sentences.
FACTS: Mapping[str, str] = MappingProxyType(
    {
        "has_deficits": "has psychological, physical or social deficits",
        "considerable_deficits": "has considerable medical, psychological or social deficits",
        "severe_heroin_dependence": "has severe heroin dependence",
        "severe_somatic_and_psychological_disorders": "has severe somatic and psychological disorders",
        "predominantly_iv": "uses heroin predominantly intravenously",
        "daily_heroin_beside_methadone": "uses heroin daily beside methadone",
        "regular_methadone_attendance_6m": "attended methadone dispensing regularly in the last 6 months",
        "severe_oud": "has severe opioid use disorder",
        "ongoing_illicit_injection": "injects illicit opioids at present",
        "prior_oral_oat_ineffective": "had oral opioid agonist treatment that was not effective",
        "pregnant": "is pregnant",
        "likely_incarceration": "is likely to be incarcerated during treatment",
    }
)


# --- facts about a person ----------------------------------------------------------------------


def _require_date(value: object, field_name: str) -> date:
    # datetime is a subclass of date; a time of day has no place in an eligibility record.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ContextError(field_name, f"{value!r} is not a calendar date")
    return value


def _optional_date(value: object, field_name: str) -> date | None:
    return None if value is None else _require_date(value, field_name)


def _non_negative(value: object, field_name: str, unit: str) -> Decimal:
    number = exact_decimal(value, field_name)
    if number < 0:
        raise ContextError(field_name, f"{_number(number)} {unit} is negative")
    return number


def _optional_non_negative(value: object, field_name: str, unit: str) -> Decimal | None:
    return None if value is None else _non_negative(value, field_name, unit)


def _enum(enum: type[StrEnum], value: object, field_name: str) -> Any:
    known = ", ".join(item.value for item in enum)
    if not isinstance(value, str) or value not in enum._value2member_map_:
        raise ContextError(field_name, f"{value!r} is unknown; use one of {known}")
    return enum(value)


@dataclass(frozen=True)
class PriorTreatment:
    """One earlier (or current) treatment episode; ended_on is the last day in treatment."""

    kind: TreatmentKind
    started_on: date
    ended_on: date | None
    outcome: TreatmentOutcome
    max_daily_dose_mg: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _enum(TreatmentKind, self.kind, "prior_treatment.kind"))
        object.__setattr__(
            self, "outcome", _enum(TreatmentOutcome, self.outcome, "prior_treatment.outcome")
        )
        _require_date(self.started_on, "prior_treatment.started_on")
        _optional_date(self.ended_on, "prior_treatment.ended_on")
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ContextError(
                "prior_treatment.ended_on",
                f"{self.ended_on} is before the start {self.started_on}",
            )
        if self.outcome is TreatmentOutcome.ONGOING and self.ended_on is not None:
            raise ContextError(
                "prior_treatment.ended_on", "an ongoing treatment has no end date; leave it empty"
            )
        if self.outcome in _OUTCOMES_THAT_END and self.ended_on is None:
            raise ContextError(
                "prior_treatment.ended_on", f"a {self.outcome} treatment needs its end date"
            )
        object.__setattr__(
            self,
            "max_daily_dose_mg",
            _optional_non_negative(
                self.max_daily_dose_mg, "prior_treatment.max_daily_dose_mg", "mg"
            ),
        )

    def describe(self, assessed_on: date) -> str:
        span = (
            f"since {self.started_on}"
            if self.ended_on is None
            else f"{self.started_on} to {self.ended_on}"
        )
        months = _treatment_months(self, assessed_on)
        return f"{self.kind} {span}, {_plural(months, 'month')}, {self.outcome}"


@dataclass(frozen=True)
class MethadoneDosePeriod:
    """A stretch on one daily methadone dose; ended_on is the last day on it (empty: still on it)."""

    started_on: date
    ended_on: date | None
    daily_dose_mg: Decimal

    def __post_init__(self) -> None:
        _require_date(self.started_on, "methadone_doses.started_on")
        _optional_date(self.ended_on, "methadone_doses.ended_on")
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ContextError(
                "methadone_doses.ended_on", f"{self.ended_on} is before the start {self.started_on}"
            )
        object.__setattr__(
            self,
            "daily_dose_mg",
            _non_negative(self.daily_dose_mg, "methadone_doses.daily_dose_mg", "mg"),
        )


def _tuple_of(value: object, item_type: type, field_name: str) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if not isinstance(value, tuple | list):
        raise ContextError(field_name, f"must be a tuple of {item_type.__name__}, or empty")
    for index, item in enumerate(value):
        if not isinstance(item, item_type):
            raise ContextError(f"{field_name}[{index}]", f"{item!r} is not a {item_type.__name__}")
    return tuple(value)


@dataclass(frozen=True)
class EligibilityFacts:
    """What is known about a person on the day of the assessment; None means not recorded.

    prior_treatments=() says "no earlier treatment", None says "not asked yet"; the same holds for
    methadone_doses. Flags not in the mapping (or None) are unknown.
    """

    assessed_on: date
    date_of_birth: date | None = None
    years_dependent: Decimal | None = None
    years_opioid_use: Decimal | None = None
    years_injecting: Decimal | None = None
    prior_treatments: tuple[PriorTreatment, ...] | None = None
    methadone_doses: tuple[MethadoneDosePeriod, ...] | None = None
    heroin_route: HeroinRoute | None = None
    share_of_days_injecting_last_90: Decimal | None = None  # percent of the last 90 days
    flags: Mapping[str, bool | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assessed_on = _require_date(self.assessed_on, "assessed_on")
        born = _optional_date(self.date_of_birth, "date_of_birth")
        if born is not None and born > assessed_on:
            raise ContextError("date_of_birth", f"{born} is after the assessment on {assessed_on}")
        for name in ("years_dependent", "years_opioid_use", "years_injecting"):
            years = _optional_non_negative(getattr(self, name), name, "years")
            # Someone aged 20 has lived less than 21 years; fractions of a year are allowed.
            if years is not None and born is not None and years > _age(born, assessed_on) + 1:
                raise ContextError(
                    name, f"{_number(years)} years is longer than the person has lived"
                )
            object.__setattr__(self, name, years)
        self._check_dated_items("prior_treatments", PriorTreatment, assessed_on)
        self._check_dated_items("methadone_doses", MethadoneDosePeriod, assessed_on)
        if self.heroin_route is not None:
            object.__setattr__(
                self, "heroin_route", _enum(HeroinRoute, self.heroin_route, "heroin_route")
            )
        share = _optional_non_negative(
            self.share_of_days_injecting_last_90, "share_of_days_injecting_last_90", "percent"
        )
        if share is not None and share > 100:
            raise ContextError(
                "share_of_days_injecting_last_90", f"{_number(share)}% is above 100%"
            )
        object.__setattr__(self, "share_of_days_injecting_last_90", share)
        self._check_flags()

    def _check_dated_items(self, name: str, item_type: type, assessed_on: date) -> None:
        items = _tuple_of(getattr(self, name), item_type, name)
        for index, item in enumerate(items or ()):
            for date_field in ("started_on", "ended_on"):
                day = getattr(item, date_field)
                if day is not None and day > assessed_on:
                    raise ContextError(
                        f"{name}[{index}].{date_field}",
                        f"{day} is after the assessment on {assessed_on}",
                    )
        object.__setattr__(self, name, items)

    def _check_flags(self) -> None:
        if not isinstance(self.flags, Mapping):
            raise ContextError("flags", "must be a mapping of fact name to True, False or None")
        for name, value in self.flags.items():
            if name not in FACTS:
                raise ContextError(f"flags.{name}", f"unknown fact; known: {', '.join(FACTS)}")
            if value is not None and not isinstance(value, bool):
                raise ContextError(f"flags.{name}", f"{value!r} must be True, False or None")
        object.__setattr__(self, "flags", MappingProxyType(dict(self.flags)))


@dataclass(frozen=True)
class PhysicianException:
    """The physician's decision to treat despite the criteria, always with a written reason."""

    reason: str
    physician: str  # the physician's staff identifier, as recorded by the caller

    def __post_init__(self) -> None:
        for name in ("reason", "physician"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise ContextError(f"exception.{name}", "an exception needs a written " + name)
            object.__setattr__(self, name, text.strip())


# --- presets -----------------------------------------------------------------------------------


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
_HEADER_FIELDS = {"key", "kind", "title", "version", "summary", "exceptions_allowed"}


def _sources(
    file: str, key: str, source: object, reason: object
) -> tuple[tuple[str, ...], str | None]:
    """Check a bare source citation (for criteria without a number) like parse_sourced_value does."""
    if source is None or source in ("", []):
        raise PresetError(
            file, key, 'has no source: cite a source key (e.g. "S1") or "local" with a reason'
        )
    sources = (
        (source,)
        if isinstance(source, str)
        else tuple(source)
        if isinstance(source, list)
        else None
    )
    if sources is None or not all(isinstance(item, str) for item in sources):
        raise PresetError(file, key, 'source must be a key like "S1", a list of keys, or "local"')
    for item in sources:
        if item != LOCAL and item not in SOURCES:
            raise PresetError(file, key, f"unknown source {item!r}")
    if LOCAL in sources:
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
            raise PresetError(file, key, "a local value needs a one-line reason")
        return sources, reason.strip()
    if reason is not None:
        raise PresetError(file, key, "a reason is only given for local values")
    return sources, None


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
        sources, reason = _sources(file, f"{where}.source", raw.get("source"), raw.get("reason"))
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
    unknown_header = set(header) - _HEADER_FIELDS - {"exceptions_source", "exceptions_reason"}
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
        exception_sources, exception_reason = _sources(
            file,
            "preset.exceptions_source",
            header.get("exceptions_source"),
            header.get("exceptions_reason"),
        )
    elif "exceptions_source" in header or "exceptions_reason" in header:
        raise PresetError(
            file, "preset.exceptions_source", "only cited when exceptions_allowed = true"
        )

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
    )


def _check_ages(file: str, criteria: list[Criterion]) -> None:
    minimum = [c.number("value") for c in criteria if c.kind is CriterionKind.MIN_AGE]
    for index, criterion in enumerate(criteria):
        if criterion.kind is CriterionKind.MAX_AGE and any(
            criterion.number("value") < low for low in minimum
        ):
            raise PresetError(
                file, f"criteria[{index}].value", "the maximum age is below the minimum age"
            )


def eligibility_preset_keys() -> list[str]:
    keys = []
    for path in sorted(PRESET_DIR.glob("*.toml")):
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue  # not listable; loading it by its key reports the problem
        header = document.get("preset")
        if isinstance(header, dict) and header.get("kind") == "eligibility":
            keys.append(path.stem)
    return keys


def load_eligibility_preset(key: str) -> EligibilityPreset:
    path = PRESET_DIR / f"{key}.toml"
    if not key or "/" in key or "\\" in key or key.startswith(".") or not path.is_file():
        raise PresetError(
            f"{key}.toml",
            "-",
            f"no eligibility preset {key!r}; known: {', '.join(eligibility_preset_keys())}",
        )
    return load_eligibility_preset_file(path)


# --- dates and numbers -------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); a day the month lacks becomes the 1st of the next."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    try:
        return date(year, month + 1, day.day)
    except ValueError:
        return date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)


def _whole_months(start: date, end_exclusive: date) -> int:
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    if _add_months(start, months) > end_exclusive:
        months -= 1
    return months


def _age(born: date, on: date) -> int:
    # Tuple comparison puts a 29 February birthday on 1 March in other years, as _add_months does.
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _treatment_months(treatment: PriorTreatment, assessed_on: date) -> int:
    last_day = treatment.ended_on if treatment.ended_on is not None else assessed_on
    return _whole_months(treatment.started_on, last_day + timedelta(days=1))


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _or_list(items: frozenset[Any]) -> str:
    names = sorted(str(item) for item in items)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# --- assessment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    label: str
    kind: CriterionKind
    status: CriterionStatus
    evidence: str
    value: Decimal | None
    unit: str | None
    sources: tuple[str, ...]
    local_reasons: tuple[str, ...]
    parameters: Mapping[str, SourcedValue]

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion_id,
            "label": self.label,
            "kind": str(self.kind),
            "status": str(self.status),
            "evidence": self.evidence,
            "value": None if self.value is None else str(self.value),
            "unit": self.unit,
            "sources": list(self.sources),
            "local_reasons": list(self.local_reasons),
            "parameters": {name: item.as_dict() for name, item in self.parameters.items()},
        }


@dataclass(frozen=True)
class EligibilityResult:
    preset_key: str
    preset_version: str
    assessed_on: date
    verdict: EligibilityVerdict
    verdict_by_criteria: EligibilityVerdict  # what the criteria alone say, before any exception
    criteria: tuple[CriterionResult, ...]
    exceptions_allowed: bool
    exception: PhysicianException | None = None
    exception_applied: bool = False  # the exception changed the verdict
    exception_outside_preset: bool = False  # recorded although the preset provides for none

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset_key": self.preset_key,
            "preset_version": self.preset_version,
            "assessed_on": self.assessed_on.isoformat(),
            "verdict": str(self.verdict),
            "verdict_by_criteria": str(self.verdict_by_criteria),
            "criteria": [item.as_dict() for item in self.criteria],
            "exceptions_allowed": self.exceptions_allowed,
            "exception": None
            if self.exception is None
            else {"reason": self.exception.reason, "physician": self.exception.physician},
            "exception_applied": self.exception_applied,
            "exception_outside_preset": self.exception_outside_preset,
        }


_Outcome = tuple[CriterionStatus, str]


def _at_least(
    actual: Decimal | None, needed: Decimal, missing: str, said: str, unit: str = ""
) -> _Outcome:
    needs = f"needs {_number(needed)}{unit} or more"
    if actual is None:
        return CriterionStatus.UNKNOWN, f"{missing}; {needs}"
    return (
        CriterionStatus.MET if actual >= needed else CriterionStatus.NOT_MET
    ), f"{said}; {needs}"


def _assess_age(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    limit = criterion.number("value")
    at_least = criterion.kind is CriterionKind.MIN_AGE
    needs = f"needs {_number(limit)} or {'over' if at_least else 'under'}"
    born = facts.date_of_birth
    if born is None:
        return CriterionStatus.UNKNOWN, f"date of birth not recorded; {needs}"
    age = _age(born, facts.assessed_on)
    ok = age >= limit if at_least else age <= limit
    evidence = f"age {age} on {facts.assessed_on} (born {born}); {needs}"
    return (CriterionStatus.MET if ok else CriterionStatus.NOT_MET), evidence


_YEARS_FIELDS = {
    CriterionKind.MIN_YEARS_DEPENDENCE: ("years_dependent", "dependent for {} years"),
    CriterionKind.MIN_YEARS_OPIOID_USE: ("years_opioid_use", "using opioids for {} years"),
    CriterionKind.MIN_YEARS_INJECTING: ("years_injecting", "injecting for {} years"),
}


def _assess_years(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    name, wording = _YEARS_FIELDS[criterion.kind]
    years: Decimal | None = getattr(facts, name)
    said = "" if years is None else wording.format(_number(years))
    missing = f"{name.replace('_', ' ')} not recorded"
    return _at_least(years, criterion.number("value"), missing, said)


def _counting(criterion: Criterion) -> str:
    text = f"{_or_list(criterion.counted_outcomes)} treatments"
    if criterion.counted_kinds != frozenset(TreatmentKind):
        text += f" of kind {_or_list(criterion.counted_kinds)}"
    return text


def _split_treatments(
    criterion: Criterion, treatments: tuple[PriorTreatment, ...]
) -> tuple[list[PriorTreatment], list[PriorTreatment]]:
    """Treatments that surely count, and those that would count if their outcome were known."""
    sure, maybe = [], []
    for treatment in treatments:
        if treatment.kind not in criterion.counted_kinds:
            continue
        if treatment.outcome in criterion.counted_outcomes:
            sure.append(treatment)
        elif treatment.outcome is TreatmentOutcome.UNKNOWN:
            maybe.append(treatment)
    return sure, maybe


def _count_status(
    needed: Decimal,
    sure: list[PriorTreatment],
    maybe: list[PriorTreatment],
    required: frozenset[TreatmentKind],
) -> CriterionStatus:
    def enough(treatments: list[PriorTreatment]) -> bool:
        has_required = not required or any(item.kind in required for item in treatments)
        return len(treatments) >= needed and has_required

    if enough(sure):
        return CriterionStatus.MET
    if enough(sure + maybe):
        return CriterionStatus.UNKNOWN
    return CriterionStatus.NOT_MET


def _listing(treatments: list[PriorTreatment], facts: EligibilityFacts) -> str:
    if not treatments:
        return "none"
    return "; ".join(item.describe(facts.assessed_on) for item in treatments)


def _assess_prior_treatments(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    needed = criterion.number("value")
    needs = f"needs {_number(needed)} or more {_counting(criterion)}"
    if criterion.required_kinds:
        needs += f", at least one of them {_or_list(criterion.required_kinds)}"
    if facts.prior_treatments is None:
        return CriterionStatus.UNKNOWN, f"earlier treatments not recorded; {needs}"
    sure, maybe = _split_treatments(criterion, facts.prior_treatments)
    status = _count_status(needed, sure, maybe, criterion.required_kinds)
    evidence = f"{len(sure)} counted ({_listing(sure, facts)})"
    if maybe:
        evidence += f", {len(maybe)} more with unknown outcome ({_listing(maybe, facts)})"
    return status, f"{evidence}; {needs}"


def _assess_long_treatment(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    needed = criterion.number("value")
    months = criterion.number("months")
    current = " still running and" if criterion.current_only else ""
    needs = (
        f"needs {_number(needed)} or more {_counting(criterion)}{current} "
        f"lasting {_number(months)} months or longer"
    )
    if facts.prior_treatments is None:
        return CriterionStatus.UNKNOWN, f"earlier treatments not recorded; {needs}"
    long_enough = tuple(
        item
        for item in facts.prior_treatments
        if _treatment_months(item, facts.assessed_on) >= months
        and (item.ended_on is None or not criterion.current_only)
    )
    sure, maybe = _split_treatments(criterion, long_enough)
    status = _count_status(needed, sure, maybe, frozenset())
    evidence = f"{len(sure)} counted ({_listing(sure, facts)})"
    if maybe:
        evidence += f", {len(maybe)} more with unknown outcome ({_listing(maybe, facts)})"
    return status, f"{evidence}; {needs}"


def _longest_run_months(
    periods: tuple[MethadoneDosePeriod, ...], threshold: Decimal, since: date, until: date
) -> tuple[int, date | None, date | None]:
    """The longest continuous stretch at or above `threshold` within [since, until], in months.

    Back-to-back periods (a dose change from one day to the next) form one continuous stretch.
    """
    spans = sorted(
        (max(item.started_on, since), min(item.ended_on or until, until))
        for item in periods
        if item.daily_dose_mg >= threshold
    )
    runs: list[tuple[date, date]] = []
    for start, end in spans:
        if end < start:
            continue  # entirely before the window
        if runs and start <= runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    if not runs:
        return 0, None, None
    return max((_whole_months(start, end + timedelta(days=1)), start, end) for start, end in runs)


def _assess_methadone_dose(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    months = criterion.number("months")
    within = criterion.number("within_years")
    since = _add_months(facts.assessed_on, -12 * int(within))
    thresholds = {
        HeroinRoute.INJECTING: criterion.number("injector_mg"),
        HeroinRoute.SMOKING: criterion.number("smoker_mg"),
    }
    needs = (
        f"needs {_plural(int(months), 'continuous month')} or more since {since} at "
        f"{_number(thresholds[HeroinRoute.INJECTING])} mg/day or more (injectors) or "
        f"{_number(thresholds[HeroinRoute.SMOKING])} mg/day or more (smokers)"
    )
    if facts.methadone_doses is None:
        return CriterionStatus.UNKNOWN, f"methadone doses not recorded; {needs}"
    route = facts.heroin_route
    routes = [route] if route is not None else list(HeroinRoute)
    reached = {}
    parts = []
    for each in routes:
        threshold = thresholds[each]
        run, start, end = _longest_run_months(
            facts.methadone_doses, threshold, since, facts.assessed_on
        )
        reached[each] = run >= months
        stretch = "none" if start is None else f"{_plural(run, 'month')} ({start} to {end})"
        parts.append(f"longest stretch at {_number(threshold)} mg/day or more: {stretch}")
    said = f"route {route}" if route is not None else "route not recorded"
    evidence = f"{said}; {'; '.join(parts)}; {needs}"
    if all(reached.values()):
        return CriterionStatus.MET, evidence
    if not any(reached.values()):
        return CriterionStatus.NOT_MET, evidence
    return CriterionStatus.UNKNOWN, evidence  # meets one route's threshold only; the route decides


def _assess_share_of_days(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    share = facts.share_of_days_injecting_last_90
    needed = criterion.number("value")
    said = (
        "" if share is None else f"injected street heroin on {_number(share)}% of the last 90 days"
    )
    missing = "share of days injecting in the last 90 days not recorded"
    return _at_least(share, needed, missing, said, unit="%")


def _assess_fact(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    assert criterion.fact is not None  # the loader requires a fact for these kinds
    value = facts.flags.get(criterion.fact)
    wanted = criterion.kind is CriterionKind.FACT_TRUE
    meaning = FACTS[criterion.fact]
    needs = "needs yes" if wanted else "needs no"
    if value is None:
        return CriterionStatus.UNKNOWN, f"not recorded whether the person {meaning}; {needs}"
    evidence = f"recorded {'yes' if value else 'no'}: the person {meaning}; {needs}"
    return (CriterionStatus.MET if value is wanted else CriterionStatus.NOT_MET), evidence


_ASSESSORS = {
    CriterionKind.MIN_AGE: _assess_age,
    CriterionKind.MAX_AGE: _assess_age,
    CriterionKind.MIN_YEARS_DEPENDENCE: _assess_years,
    CriterionKind.MIN_YEARS_OPIOID_USE: _assess_years,
    CriterionKind.MIN_YEARS_INJECTING: _assess_years,
    CriterionKind.MIN_PRIOR_TREATMENTS: _assess_prior_treatments,
    CriterionKind.MIN_LONG_TREATMENT: _assess_long_treatment,
    CriterionKind.MIN_METHADONE_DOSE: _assess_methadone_dose,
    CriterionKind.MIN_SHARE_OF_DAYS: _assess_share_of_days,
    CriterionKind.FACT_TRUE: _assess_fact,
    CriterionKind.EXCLUSION: _assess_fact,
}


def assess_criterion(criterion: Criterion, facts: EligibilityFacts) -> CriterionResult:
    status, evidence = _ASSESSORS[criterion.kind](criterion, facts)
    main = criterion.parameters.get("value")
    return CriterionResult(
        criterion_id=criterion.id,
        label=criterion.label,
        kind=criterion.kind,
        status=status,
        evidence=evidence,
        value=None if main is None else main.value,
        unit=None if main is None else main.unit,
        sources=criterion.sources,
        local_reasons=criterion.local_reasons,
        parameters=criterion.parameters,
    )


def assess_eligibility(
    preset: EligibilityPreset,
    facts: EligibilityFacts,
    exception: PhysicianException | None = None,
) -> EligibilityResult:
    if not isinstance(preset, EligibilityPreset):
        raise ContextError("preset", f"{preset!r} is not an eligibility preset")
    if not isinstance(facts, EligibilityFacts):
        raise ContextError("facts", f"{facts!r} is not EligibilityFacts")
    if exception is not None and not isinstance(exception, PhysicianException):
        raise ContextError("exception", f"{exception!r} is not a PhysicianException")
    results = tuple(assess_criterion(criterion, facts) for criterion in preset.criteria)
    statuses = {item.status for item in results}
    if CriterionStatus.NOT_MET in statuses:
        by_criteria = EligibilityVerdict.NOT_ELIGIBLE
    elif CriterionStatus.UNKNOWN in statuses:
        by_criteria = EligibilityVerdict.INCOMPLETE
    else:
        by_criteria = EligibilityVerdict.ELIGIBLE
    applied = exception is not None and by_criteria is not EligibilityVerdict.ELIGIBLE
    return EligibilityResult(
        preset_key=preset.key,
        preset_version=preset.version,
        assessed_on=facts.assessed_on,
        verdict=EligibilityVerdict.ELIGIBLE_BY_EXCEPTION if applied else by_criteria,
        verdict_by_criteria=by_criteria,
        criteria=results,
        exceptions_allowed=preset.exceptions_allowed,
        exception=exception,
        exception_applied=applied,
        exception_outside_preset=exception is not None and not preset.exceptions_allowed,
    )
