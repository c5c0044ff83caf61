"""The facts an eligibility assessment records, as callers pass them, and as they are stored.

Pages and the API fill a FactsInput with plain values; `engine_facts` turns it into the rules
engine's EligibilityFacts, reporting bad input as a DomainError that names the field (for example
`prior_treatments[1].ended_on`). What is left empty stays unknown: the engine then reports the
criterion as unknown, never as met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from openhat.core.errors import DomainError
from openhat.rules.eligibility import EligibilityFacts, MethadoneDosePeriod, PriorTreatment
from openhat.rules.errors import ContextError

MAX_NOTE_LENGTH = 2000
Number = Decimal | int | str


@dataclass(frozen=True)
class PriorTreatmentInput:
    """An earlier (or current) treatment: kind and outcome as in rules.eligibility's vocabulary."""

    kind: str  # methadone, buprenorphine, srom, injectable_oat, residential, abstinence, other
    started_on: date
    ended_on: date | None  # the last day in treatment; empty while it runs
    outcome: str  # failed, abandoned, ongoing, completed, unknown
    max_daily_dose_mg: Number | None = None


@dataclass(frozen=True)
class MethadoneDoseInput:
    started_on: date
    ended_on: date | None
    daily_dose_mg: Number


@dataclass(frozen=True)
class FactsInput:
    """What the assessing physician records; None (or an empty flag) means not recorded.

    `prior_treatments=[]` says "no earlier treatment", None "not asked yet"; the same for
    `methadone_doses`. `flags` maps rules.eligibility.FACTS names (has_deficits, pregnant, ...)
    to True, False or None. The two notes hold the current use pattern and the health and social
    problems in the physician's words, beside the coded facts the criteria read.
    """

    date_of_birth: date | None = None
    years_dependent: Number | None = None
    years_opioid_use: Number | None = None
    years_injecting: Number | None = None
    prior_treatments: Sequence[PriorTreatmentInput] | None = None
    methadone_doses: Sequence[MethadoneDoseInput] | None = None
    heroin_route: str | None = None  # injecting or smoking
    share_of_days_injecting_last_90: Number | None = None  # percent
    flags: Mapping[str, bool | None] = field(default_factory=dict)
    use_pattern: str = ""
    health_and_social_problems: str = ""


def _invalid(error: ContextError, field_name: str | None = None) -> DomainError:
    name = field_name or error.field
    return DomainError("invalid_fact", f"{name}: {error.problem}", name)


def _item_field(list_name: str, index: int, error: ContextError) -> str:
    return f"{list_name}[{index}].{error.field.rsplit('.', 1)[-1]}"


def _treatments(items: Sequence[PriorTreatmentInput] | None) -> tuple[PriorTreatment, ...] | None:
    if items is None:
        return None
    built = []
    for index, item in enumerate(items):
        try:
            built.append(
                PriorTreatment(
                    kind=item.kind,  # type: ignore[arg-type]  # checked by the engine
                    started_on=item.started_on,
                    ended_on=item.ended_on,
                    outcome=item.outcome,  # type: ignore[arg-type]
                    max_daily_dose_mg=item.max_daily_dose_mg,  # type: ignore[arg-type]
                )
            )
        except ContextError as error:
            raise _invalid(error, _item_field("prior_treatments", index, error)) from None
    return tuple(built)


def _methadone(
    items: Sequence[MethadoneDoseInput] | None,
) -> tuple[MethadoneDosePeriod, ...] | None:
    if items is None:
        return None
    built = []
    for index, item in enumerate(items):
        try:
            built.append(
                MethadoneDosePeriod(
                    started_on=item.started_on,
                    ended_on=item.ended_on,
                    daily_dose_mg=item.daily_dose_mg,  # type: ignore[arg-type]
                )
            )
        except ContextError as error:
            raise _invalid(error, _item_field("methadone_doses", index, error)) from None
    return tuple(built)


def clean_note(text: str, field_name: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise DomainError(
            "note_too_long", f"At most {MAX_NOTE_LENGTH} characters, please.", field_name
        )
    return text


def engine_facts(facts: FactsInput, assessed_on: date) -> EligibilityFacts:
    """The rules engine's facts, or a DomainError naming the field that is wrong."""
    clean_note(facts.use_pattern, "use_pattern")
    clean_note(facts.health_and_social_problems, "health_and_social_problems")
    try:
        return EligibilityFacts(
            assessed_on=assessed_on,
            date_of_birth=facts.date_of_birth,
            years_dependent=facts.years_dependent,  # type: ignore[arg-type]
            years_opioid_use=facts.years_opioid_use,  # type: ignore[arg-type]
            years_injecting=facts.years_injecting,  # type: ignore[arg-type]
            prior_treatments=_treatments(facts.prior_treatments),
            methadone_doses=_methadone(facts.methadone_doses),
            heroin_route=facts.heroin_route,  # type: ignore[arg-type]
            share_of_days_injecting_last_90=facts.share_of_days_injecting_last_90,  # type: ignore[arg-type]
            flags=facts.flags,
        )
    except ContextError as error:
        raise _invalid(error) from None


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def facts_as_json(facts: EligibilityFacts, notes: FactsInput) -> dict[str, Any]:
    """The checked facts as stored with the assessment: ISO dates, decimals as strings."""
    treatments = facts.prior_treatments
    doses = facts.methadone_doses
    return {
        "assessed_on": facts.assessed_on.isoformat(),
        "date_of_birth": _day(facts.date_of_birth),
        "years_dependent": _decimal(facts.years_dependent),
        "years_opioid_use": _decimal(facts.years_opioid_use),
        "years_injecting": _decimal(facts.years_injecting),
        "prior_treatments": None
        if treatments is None
        else [
            {
                "kind": str(item.kind),
                "started_on": item.started_on.isoformat(),
                "ended_on": _day(item.ended_on),
                "outcome": str(item.outcome),
                "max_daily_dose_mg": _decimal(item.max_daily_dose_mg),
            }
            for item in treatments
        ],
        "methadone_doses": None
        if doses is None
        else [
            {
                "started_on": item.started_on.isoformat(),
                "ended_on": _day(item.ended_on),
                "daily_dose_mg": _decimal(item.daily_dose_mg),
            }
            for item in doses
        ],
        "heroin_route": None if facts.heroin_route is None else str(facts.heroin_route),
        "share_of_days_injecting_last_90": _decimal(facts.share_of_days_injecting_last_90),
        "flags": dict(facts.flags),
        "use_pattern": clean_note(notes.use_pattern, "use_pattern"),
        "health_and_social_problems": clean_note(
            notes.health_and_social_problems, "health_and_social_problems"
        ),
    }


def _parse_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _parse_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def facts_from_json(data: Mapping[str, Any]) -> FactsInput:
    """A stored assessment's facts as a FactsInput: the starting point of a re-assessment."""
    treatments = data.get("prior_treatments")
    doses = data.get("methadone_doses")
    return FactsInput(
        date_of_birth=_parse_day(data.get("date_of_birth")),
        years_dependent=_parse_decimal(data.get("years_dependent")),
        years_opioid_use=_parse_decimal(data.get("years_opioid_use")),
        years_injecting=_parse_decimal(data.get("years_injecting")),
        prior_treatments=None
        if treatments is None
        else [
            PriorTreatmentInput(
                kind=item["kind"],
                started_on=date.fromisoformat(item["started_on"]),
                ended_on=_parse_day(item["ended_on"]),
                outcome=item["outcome"],
                max_daily_dose_mg=_parse_decimal(item["max_daily_dose_mg"]),
            )
            for item in treatments
        ],
        methadone_doses=None
        if doses is None
        else [
            MethadoneDoseInput(
                started_on=date.fromisoformat(item["started_on"]),
                ended_on=_parse_day(item["ended_on"]),
                daily_dose_mg=Decimal(item["daily_dose_mg"]),
            )
            for item in doses
        ],
        heroin_route=data.get("heroin_route"),
        share_of_days_injecting_last_90=_parse_decimal(data.get("share_of_days_injecting_last_90")),
        flags=dict(data.get("flags") or {}),
        use_pattern=data.get("use_pattern", ""),
        health_and_social_problems=data.get("health_and_social_problems", ""),
    )
