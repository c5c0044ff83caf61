"""What the presets say and what each rule does, in plain language, for clinicians.

    preset_rows(load_protocol("ch-diaphin"))  # every value: meaning, value, safer direction, source
    RULES["daily_max"]                         # what the rule checks, severity, override, values used
    protocols_markdown()                       # docs/protocols.md (`openhat rules docs` writes it)

The rule catalogue itself is in catalogue.py (RULES and rule_catalogue are re-exported here).
Pure Python like the rest of openhat.rules. The output is deterministic (no dates), so the
generated page can be checked against the presets in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openhat.rules.catalogue import RULES as RULES  # re-exported: the catalogue lived here before
from openhat.rules.catalogue import rule_catalogue
from openhat.rules.eligibility import Criterion, eligibility_preset_keys, load_eligibility_preset
from openhat.rules.protocol import (
    SCHEMA,
    Protocol,
    dosing_preset_keys,
    load_protocol,
)
from openhat.rules.sources import LOCAL, SOURCES

SECTION_TITLES: dict[str, str] = {
    "sessions": "Sessions",
    "observation": "Observation",
    "dam": "Diacetylmorphine (DAM)",
    "hdm": "Hydromorphone (HDM)",
    "missed": "Missed days",
    "alcohol": "Breath alcohol",
    "sedation": "Sedation",
    "vigilance": "Vigilance",
    "conversion": "HDM/DAM conversion",
    "oral": "Oral opioids",
    "adverse_events": "Adverse events",
}

SAFER: dict[str, str] = {
    "lower": "lower is safer",
    "higher": "higher is safer",
    "fixed": "fixed: any change loosens",
}


# --- preset values -----------------------------------------------------------------------------


def format_number(value: Decimal) -> str:
    """A preset number as written ("0.10" stays "0.10"), never in exponent form."""
    return format(value, "f")


def format_value(value: Decimal, unit: str) -> str:
    number = format_number(value)
    if unit == "count":
        return number
    if unit == "fraction":
        percent = format_number((value * 100).normalize())
        return f"{number} ({percent}%)"
    if unit == "ratio":
        return f"{number} : 1"
    if unit == "score":
        return f"{number} (POSS)"
    return f"{number} {unit}"


@dataclass(frozen=True)
class Citation:
    key: str  # "S15" or "local"
    text: str  # the reference, or the local reason


@dataclass(frozen=True)
class PresetRow:
    section: str
    key: str
    meaning: str
    value: Decimal
    unit: str
    safer: str  # which direction is safer, in words
    citations: tuple[Citation, ...]
    local_reason: str | None
    adjustment: str  # "" for the preset's own value; "tightened ..." or "loosened ..."

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.citations)

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def source_text(self) -> str:
        parts = [
            f"local: {item.text}" if item.key == LOCAL else f"{item.key} ({item.text})"
            for item in self.citations
        ]
        return "; ".join(parts)

    @property
    def section_title(self) -> str:
        return SECTION_TITLES.get(self.section, self.section)


def citations(sources: Iterable[str], local_reason: str | None) -> tuple[Citation, ...]:
    return tuple(
        Citation(key, (local_reason or "") if key == LOCAL else SOURCES.get(key, "unknown source"))
        for key in sources
    )


def preset_rows(protocol: Protocol) -> list[PresetRow]:
    """Every value of the protocol in SCHEMA order (sessions, observation, drugs, missed, ...)."""
    rows = []
    ordered = [key for key in SCHEMA if key in protocol.values]
    ordered += sorted(set(protocol.values) - set(SCHEMA))  # none today; shown rather than lost
    for key in ordered:
        item = protocol.values[key]
        spec = SCHEMA.get(key)
        if item.loosening is not None:
            adjustment = (
                f"loosened by the clinic from {format_value(item.loosening.previous, item.unit)}: "
                f"{item.loosening.reason} (approved by {item.loosening.approved_by})"
            )
        elif item.tightened_from is not None:
            adjustment = (
                f"tightened by the clinic from {format_value(item.tightened_from, item.unit)}"
            )
        else:
            adjustment = ""
        rows.append(
            PresetRow(
                section=key.split(".", 1)[0],
                key=key,
                meaning=spec.meaning if spec else "",
                value=item.value,
                unit=item.unit,
                safer=SAFER[spec.tighter] if spec else "",
                citations=citations(item.sources, item.local_reason),
                local_reason=item.local_reason,
                adjustment=adjustment,
            )
        )
    return rows


# --- eligibility (optional: rules.eligibility may not be present) ------------------------------


@dataclass(frozen=True)
class CriterionRow:
    criterion_id: str
    label: str
    kind: str
    value_text: str  # "18 years", "injector_mg 60 mg; months 6", or "recorded fact: ..."
    citations: tuple[Citation, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.citations)

    @property
    def source_text(self) -> str:
        return "; ".join(
            f"local: {item.text}" if item.key == LOCAL else f"{item.key} ({item.text})"
            for item in self.citations
        )


@dataclass(frozen=True)
class EligibilitySummary:
    key: str
    title: str
    version: str
    summary: str
    exceptions: str
    rows: tuple[CriterionRow, ...]
    licence: str = "no patient licence required"


def _criterion_row(criterion: Criterion) -> CriterionRow:
    parts = []
    for name, item in criterion.parameters.items():
        text = format_value(item.value, item.unit)
        parts.append(text if name == "value" else f"{name.replace('_', ' ')}: {text}")
    if criterion.required_kinds:
        parts.append("including " + " or ".join(sorted(criterion.required_kinds)))
    if criterion.current_only:
        parts.append("current treatment only")
    if criterion.fact:
        parts.append(f"recorded fact: {criterion.fact}")
    cited = [Citation(key, SOURCES[key]) for key in criterion.sources if key != LOCAL]
    cited += [Citation(LOCAL, reason) for reason in criterion.local_reasons]
    return CriterionRow(
        criterion_id=criterion.id,
        label=criterion.label,
        kind=criterion.kind.replace("_", " "),
        value_text="; ".join(parts),
        citations=tuple(cited),
    )


def eligibility_summary(key: str) -> EligibilitySummary:
    """An eligibility preset's criteria as rows; PresetError for an unknown key."""
    preset = load_eligibility_preset(key)
    if preset.exceptions_allowed:
        cited = ", ".join(preset.exceptions_sources)
        exceptions = "justified exceptions allowed" + (f" ({cited})" if cited else "")
    else:
        exceptions = "no exceptions provided for"
    licence = "no patient licence required"
    if preset.licence_required:
        licence = f"a patient licence is required ({', '.join(preset.licence_sources)})"
    return EligibilitySummary(
        key=preset.key,
        title=preset.title,
        version=preset.version,
        summary=preset.summary,
        exceptions=exceptions,
        licence=licence,
        rows=tuple(_criterion_row(criterion) for criterion in preset.criteria),
    )


# --- the clinicians' page ----------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip() or "-"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    titles = list(header)
    lines = [
        "| " + " | ".join(titles) + " |",
        "|" + "|".join("---" for _ in titles) + "|",
    ]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


_INTRO = """\
# Dosing and eligibility protocols

This page is generated from the preset files in `src/openhat/rules/presets/` by
`openhat rules docs`; do not edit it by hand. `openhat rules docs --check` (part of the tests)
fails when it no longer matches the presets. `openhat rules explain --preset KEY` prints one preset
in the terminal.

## How to read it

- A **dosing preset** is the set of numbers the dosing-safety rules use for one jurisdiction or
  practice: sessions per day, observation time, titration steps, daily maxima, missed-day and
  breath-alcohol thresholds. Every number cites its source (the list is at the end of the page).
- A value whose source is **local** has no published figure behind it: it is a conservative
  default chosen for OpenHAT, with its reason. **The medical director confirms every local value
  before the preset is used with patients**, or tightens it.
- **Tightening and loosening.** Each value has a safer direction (for a maximum, lower is safer;
  for a waiting time, higher is safer; a conversion ratio is fixed). A clinic may tighten any value
  at any time. Loosening a value needs a written reason and the approving physician, and every
  decision that uses a loosened value says so.
- The **rule catalogue** lists every finding a dosing decision can contain, its severity, whether
  a physician override can lift it for one session, and the preset values it uses. Hard limits
  (no valid order, the sessions a day, the daily maximum, the order's dose, an observation not
  signed off) cannot be lifted.
- An **eligibility preset** lists a jurisdiction's admission criteria. The physician decides;
  the criteria say what the record must show.
"""


def _dosing_section(protocol: Protocol) -> list[str]:
    lines = [
        f"### {protocol.title} (`{protocol.key}`)",
        "",
        protocol.summary,
        "",
        f"Version {protocol.version}; fingerprint `{protocol.hash[:12]}`.",
        "",
    ]
    rows = preset_rows(protocol)
    local = sum(1 for row in rows if row.local_reason is not None)
    if local:
        lines += [
            f"{local} of {len(rows)} values are local defaults for the medical director to confirm.",
            "",
        ]
    lines += _table(
        ("Section", "Setting", "Meaning", "Value", "Safer", "Source"),
        (
            (
                row.section_title,
                f"`{row.key}`",
                row.meaning + (f" ({row.adjustment})" if row.adjustment else ""),
                row.value_text,
                row.safer,
                row.source_text,
            )
            for row in rows
        ),
    )
    return [*lines, ""]


def _catalogue_section() -> list[str]:
    lines = [
        "## Rule catalogue",
        "",
        "Severities, strongest first: *block* (no valid order), *not due* (a limit of count, time "
        "or sign-off), *hold*, *review* (a physician reviews first), *reduce* (a clinical "
        "reduction), *cap* (limits the dose), *advisory* and *info* (for the record). "
        "`{drug}` stands for `dam` or `hdm`, the drug being dosed.",
        "",
    ]
    lines += _table(
        ("Rule", "What it means", "Severity", "Override can lift it", "Preset values used"),
        (
            (
                f"`{rule.rule_id}`",
                rule.description,
                rule.severity_text,
                "yes" if rule.overridable else "no",
                ", ".join(f"`{key}`" for key in rule.preset_keys),
            )
            for rule in rule_catalogue()
        ),
    )
    return [*lines, ""]


def _eligibility_section() -> list[str]:
    lines = ["## Eligibility presets", ""]
    for key in eligibility_preset_keys():
        summary = eligibility_summary(key)
        lines += [
            f"### {summary.title} (`{summary.key}`)",
            "",
            summary.summary,
            "",
            f"Version {summary.version}; {summary.exceptions}; {summary.licence}.",
            "",
        ]
        lines += _table(
            ("Criterion", "Kind", "Value", "Source"),
            ((row.label, row.kind, row.value_text, row.source_text) for row in summary.rows),
        )
        lines.append("")
    return lines


def _sources_section() -> list[str]:
    lines = ["## Sources", ""]
    lines += _table(("Key", "Source"), ((key, text) for key, text in SOURCES.items()))
    lines += [
        "",
        "`local`: no published figure; a conservative default with its reason, for the medical "
        "director to confirm.",
        "",
    ]
    return lines


def protocols_markdown() -> str:
    """docs/protocols.md: the presets, the rule catalogue and the sources, for clinicians."""
    lines = [_INTRO, "## Dosing presets", ""]
    for key in dosing_preset_keys():
        lines += _dosing_section(load_protocol(key))
    lines += _catalogue_section()
    lines += _eligibility_section()
    lines += _sources_section()
    text = "\n".join(lines)
    return text.rstrip("\n") + "\n"
