"""The rule catalogue: every finding a dosing decision can contain, in plain language.

    RULES["daily_max"]  # what the rule checks, severity, override, preset values used
    rule_catalogue()    # every rule, in the order of docs/protocols.md

The tests check it against the rules that decide() actually records (tests/rules/test_explain.py);
explain.py shows it in the terminal and on docs/protocols.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openhat.rules.outcome import Severity
from openhat.rules.protocol import Protocol
from openhat.rules.schema import HAT_DRUG_SECTIONS

DRUG = "{drug}"  # placeholder in a rule's preset keys: dam or hdm, the drug being dosed


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
        "protocol's, and the finding says which binds); every HAT dose given today counts, the "
        "other drug's converted at the cautious end of the potency range; no further dose once "
        "it is reached.",
        (S.CAP, S.NOT_DUE),
        False,
        f"{DRUG}.daily_max_mg",
        *_CONVERSION,
    ),
    _rule(
        "top_up_without_session",
        "A top-up was asked for, but there is no dose earlier today for it to top up.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "top_ups_per_session",
        "A top-up would give the session more top-ups than the protocol allows; a further dose is "
        "a new session.",
        S.NOT_DUE,
        False,
        f"{DRUG}.top_ups_per_session_max",
    ),
    _rule(
        "top_up_needs_assessment",
        "A top-up follows a post-dose assessment of the dose before it; there is none yet.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "top_up_after_intoxication",
        "The post-dose assessment of the dose before showed signs of intoxication (sedation at "
        "the reduction level or above): no top-up.",
        S.HOLD,
        False,
        "sedation.reduce_at_score",
    ),
    _rule(
        "top_up_not_hat",
        "A top-up was asked for an oral or other non-HAT drug; top-ups are for titrating DAM or HDM.",
        S.NOT_DUE,
        False,
    ),
    _rule(
        "single_dose_max",
        "Caps any single dose at the protocol's single-dose maximum for the drug, whatever the "
        "order.",
        S.CAP,
        False,
        f"{DRUG}.single_dose_max_mg",
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
        "Titration day: the first injectable dose is capped. An override lifts it only where the "
        "preset marks it liftable (`{drug}.first_dose_cap_liftable` = 1).",
        S.CAP,
        False,
        f"{DRUG}.first_dose_max_mg",
        f"{DRUG}.first_dose_cap_liftable",
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
        "breath_alcohol_hold_stands",
        "An earlier breath-alcohol hold today stands: this reading is taken before the "
        "reassessment interval has passed.",
        S.HOLD,
        True,
        "alcohol.reassess_after_minutes",
        "alcohol.hold_at_mg_per_l",
    ),
    _rule(
        "breath_alcohol_reading_missing",
        "An earlier breath-alcohol hold today stands and this assessment has no breath-alcohol "
        "reading: a blank is not a pass.",
        S.HOLD,
        False,
        "alcohol.reassess_after_minutes",
        "alcohol.hold_at_mg_per_l",
    ),
    _rule(
        "sedation_hold_stands",
        "An earlier sedation hold today stands: this score is taken before the reassessment "
        "interval has passed.",
        S.HOLD,
        True,
        "sedation.reassess_after_minutes",
        "sedation.hold_at_score",
    ),
    _rule(
        "sedation_reading_missing",
        "An earlier sedation hold today stands and this assessment has no sedation score: a blank "
        "is not a pass.",
        S.HOLD,
        False,
        "sedation.reassess_after_minutes",
        "sedation.hold_at_score",
    ),
    _rule(
        "signs_recorded",
        "The nurse recorded signs before the dose; judge them before dosing.",
        S.ADVISORY,
        True,
    ),
    # recent adverse events
    _rule(
        "adverse_event_review",
        "A serious adverse event (overdose or respiratory depression, seizure, allergic reaction, "
        "severe or worse, or naloxone given) within the watch window is not signed off: a physician "
        "reviews it before the next dose.",
        S.REVIEW,
        True,
        "adverse_events.watch_hours",
    ),
    _rule(
        "recent_adverse_event",
        "An adverse event within the watch window that is not serious, or serious and already "
        "signed off by a physician: watch closely.",
        S.ADVISORY,
        True,
        "adverse_events.watch_hours",
    ),
    # about the decision itself
    _rule(
        "override_not_allowed",
        "An override named a hard limit that no override can lift; the limit still applies.",
        S.INFO,
        False,
    ),
    _rule(
        "override_dose",
        "A physician's override caps the dose at the dose the physician allowed.",
        S.CAP,
        False,
    ),
    _rule(
        "override_unmatched",
        "An override named a finding this decision does not contain; it lifts nothing.",
        S.INFO,
        False,
    ),
    _rule(
        "below_order_minimum",
        "The limits leave less than the order's minimum dose: give what is allowed and tell the prescriber.",
        S.ADVISORY,
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
