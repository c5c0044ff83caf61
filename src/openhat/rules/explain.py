"""What the presets say and what each rule does, in plain language, for clinicians.

    preset_rows(load_protocol("ch-diaphin"))  # every value: meaning, value, safer direction, source
    RULES["daily_max"]                         # what the rule checks, severity, override, values used
    protocols_markdown()                       # docs/protocols.md (`openhat rules docs` writes it)

Pure Python like the rest of openhat.rules. The output is deterministic (no dates), so the
generated page can be checked against the presets in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from openhat.rules.eligibility import Criterion, eligibility_preset_keys, load_eligibility_preset
from openhat.rules.outcome import Severity
from openhat.rules.protocol import (
    HAT_DRUG_SECTIONS,
    SCHEMA,
    Protocol,
    dosing_preset_keys,
    load_protocol,
)
from openhat.rules.sources import LOCAL, SOURCES

DRUG = "{drug}"  # placeholder in a rule's preset keys: dam or hdm, the drug being dosed

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


# --- the rule catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInfo:
    rule_id: str
    description: str
    severities: tuple[Severity, ...]  # more than one when the rule escalates (cap, then not due)
    overridable: bool  # whether a physician override can lift it for one session
    preset_keys: tuple[str, ...] = ()  # "{drug}" stands for dam or hdm, the drug being dosed

    @property
    def severity_text(self) -> str:
        return " / ".join(item.value.replace("_", " ") for item in self.severities)

    def keys_for(self, protocol: Protocol | None = None) -> tuple[str, ...]:
        """The preset keys with {drug} expanded (for the protocol's drugs, or both)."""
        drugs = sorted(protocol.drugs) if protocol is not None else list(HAT_DRUG_SECTIONS)
        keys: list[str] = []
        for key in self.preset_keys:
            for item in [key.replace(DRUG, drug) for drug in drugs] if DRUG in key else [key]:
                if protocol is None or protocol.has(item):
                    keys.append(item)
        return tuple(keys)


_CONVERSION = ("conversion.hdm_to_dam_low", "conversion.hdm_to_dam_high")
S = Severity


def _rule(
    rule_id: str,
    description: str,
    severities: Severity | tuple[Severity, ...],
    overridable: bool,
    *keys: str,
) -> RuleInfo:
    chosen = severities if isinstance(severities, tuple) else (severities,)
    return RuleInfo(rule_id, description, chosen, overridable, keys)


_CATALOGUE: tuple[RuleInfo, ...] = (
    # orders
    _rule(
        "no_valid_order",
        "There is no signed, active order for this drug by this route at this time: do not dose.",
        S.BLOCK,
        False,
    ),
    _rule(
        "drug_not_in_protocol",
        "The clinic's protocol has no rules for the requested HAT drug (DAM or HDM): do not dose.",
        S.BLOCK,
        False,
    ),
    _rule(
        "order_window",
        "The order is limited to some session windows (morning, midday, evening) and this session "
        "is not one of them.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "order_dose",
        "Caps the dose at the order's maximum per session.",
        S.CAP,
        False,
    ),
    # sessions
    _rule(
        "sessions_per_day",
        "Every session allowed today is done: the smaller of the order's sessions a day and the "
        "protocol's maximum (oral drugs: the order's count).",
        S.NOT_DUE,
        False,
        "sessions.max_per_day",
    ),
    _rule(
        "observation_open",
        "The observation after the last dose is not signed off yet; sign it off first.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "session_interval",
        "Too soon: a new session starts at least the minimum interval after the last dose.",
        S.NOT_DUE,
        True,
        "sessions.min_interval_minutes",
    ),
    _rule(
        "daily_max",
        "Caps the dose at what is left of the daily maximum (the smaller of the order's and the "
        "protocol's); no further dose once it is reached.",
        (S.CAP, S.NOT_DUE),
        False,
        f"{DRUG}.daily_max_mg",
    ),
    _rule(
        "top_up_without_session",
        "A top-up was asked for, but there is no dose earlier today for it to top up.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "top_up_outside_titration",
        "A top-up within a session is for titration days only; this is not one.",
        S.HOLD,
        True,
    ),
    # titration (first day, or again after a long break)
    _rule(
        "titration_first_dose",
        "Titration day: the first injectable dose is capped.",
        S.CAP,
        True,
        f"{DRUG}.first_dose_max_mg",
    ),
    _rule(
        "titration_top_up",
        "Titration day: a top-up, if the last dose was tolerated, is capped.",
        S.CAP,
        True,
        f"{DRUG}.top_up_max_mg",
    ),
    _rule(
        "titration_single_dose",
        "Titration day: every later single dose is capped.",
        S.CAP,
        True,
        f"{DRUG}.day1_single_dose_max_mg",
    ),
    _rule(
        "titration_interval",
        "Titration day: too soon after the last dose (the first top-up wait, then the day-1 "
        "interval).",
        S.NOT_DUE,
        True,
        f"{DRUG}.first_top_up_min_wait_minutes",
        f"{DRUG}.day1_min_interval_minutes",
    ),
    _rule(
        "titration_oral_first_dose",
        "Titration day: the first tablet dose is capped.",
        S.CAP,
        True,
        f"{DRUG}.oral_first_dose_max_mg",
    ),
    _rule(
        "retitration",
        "So many days without a dose that titration starts again as on the first day.",
        S.ADVISORY,
        True,
        "missed.retitrate_after_days",
    ),
    # from day 2 on
    _rule(
        "next_day_share_of_total",
        "After more than two injections on the last dosing day, a single dose is capped at a "
        "share of that day's total (other-drug doses converted cautiously).",
        S.CAP,
        True,
        f"{DRUG}.next_day_single_fraction_of_total",
        *_CONVERSION,
    ),
    _rule(
        "next_day_increase",
        "After one or two injections on the last dosing day, a dose may rise only by a share "
        "over the largest of them (other-drug doses converted cautiously).",
        S.CAP,
        True,
        f"{DRUG}.next_day_increase_fraction",
        *_CONVERSION,
    ),
    _rule(
        "missed_days",
        "Days without a dose: the dose is reduced to a share of the last stable dose and a "
        "physician reviews first.",
        S.REVIEW,
        True,
        "missed.reduce_after_days",
        "missed.reduced_dose_fraction",
        *_CONVERSION,
    ),
    _rule(
        "drug_switch",
        "A switch between DAM and HDM: the last day's total is converted as a range and a "
        "physician confirms the dose.",
        S.REVIEW,
        True,
        *_CONVERSION,
    ),
    # advisories
    _rule(
        "first_days_vigilance",
        "Within the first days after a (re)start, when overdoses cluster: watch closely.",
        S.ADVISORY,
        True,
        "vigilance.first_days",
    ),
    _rule(
        "iv_above_diminishing_benefit",
        "IV DAM today would pass the daily amount above which further IV doses add little benefit.",
        S.ADVISORY,
        True,
        "dam.iv_advisory_daily_mg",
    ),
    # oral
    _rule(
        "methadone_beside_dam",
        "Beside diacetylmorphine, oral methadone is capped per day; held once the limit is reached.",
        (S.CAP, S.HOLD),
        True,
        "oral.methadone_max_mg_beside_dam",
    ),
    # the pre-dose assessment
    _rule(
        "sedation_hold",
        "Sedation score at the hold level: hold the dose, stay with the patient, consider naloxone.",
        S.HOLD,
        True,
        "sedation.hold_at_score",
    ),
    _rule(
        "sedation_reduce",
        "Sedation score at the reduction level: reduce the dose by the given share, or hold.",
        S.REDUCE,
        True,
        "sedation.reduce_at_score",
        "sedation.reduce_by_fraction_min",
        "sedation.reduce_by_fraction_max",
    ),
    _rule(
        "breath_alcohol_hold",
        "Breath alcohol at or above the hold level: hold the dose and reassess later.",
        S.HOLD,
        True,
        "alcohol.hold_at_mg_per_l",
    ),
    _rule(
        "breath_alcohol_reduce",
        "Raised breath alcohol: reduce the dose by the given share, or hold, and note why.",
        S.REDUCE,
        True,
        "alcohol.reduce_from_mg_per_l",
        "alcohol.reduce_by_fraction_min",
        "alcohol.reduce_by_fraction_max",
    ),
    _rule(
        "signs_recorded",
        "The nurse recorded signs before the dose; judge them before dosing.",
        S.ADVISORY,
        True,
    ),
    # about the decision itself
    _rule(
        "override_not_allowed",
        "An override named a hard limit that no override can lift; the limit still applies.",
        S.INFO,
        False,
    ),
    _rule(
        "nothing_allowed",
        "The limits together leave no dose that can be given now.",
        S.HOLD,
        False,
    ),
)

RULES: Mapping[str, RuleInfo] = {rule.rule_id: rule for rule in _CATALOGUE}


def rule_catalogue() -> list[RuleInfo]:
    return list(_CATALOGUE)


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
    return EligibilitySummary(
        key=preset.key,
        title=preset.title,
        version=preset.version,
        summary=preset.summary,
        exceptions=exceptions,
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
            for rule in _CATALOGUE
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
            f"Version {summary.version}; {summary.exceptions}.",
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
