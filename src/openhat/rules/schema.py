"""The value schema of a dosing preset: every key's unit, range, safer direction and meaning.

SCHEMA holds every key a dosing preset may set (the common keys, and the per-drug keys under
[dam] and [hdm]); the checks against it (a number as written, its range, the values' coherence)
are shared by loading a preset (protocol.py) and by a clinic's adjustments to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from openhat.rules.errors import PresetError

Tighter = Literal["lower", "higher", "fixed"]


@dataclass(frozen=True)
class Spec:
    unit: str
    minimum: Decimal
    maximum: Decimal
    tighter: Tighter  # which direction is safer; "fixed": any change is a loosening
    meaning: str
    integer: bool = False


def _spec(
    unit: str, low: str, high: str, tighter: Tighter, meaning: str, integer: bool = False
) -> Spec:
    return Spec(unit, Decimal(low), Decimal(high), tighter, meaning, integer)


_COMMON: dict[str, Spec] = {
    "sessions.max_per_day": _spec(
        "count", "1", "6", "lower", "supervised sessions per dosing day", True
    ),
    "sessions.min_interval_minutes": _spec(
        "min",
        "0",
        "1440",
        "higher",
        "minimum time from one session's last dose to the next session",
    ),
    "observation.minutes": _spec("min", "5", "240", "higher", "observation after every dose", True),
    "observation.after_naloxone_minutes": _spec(
        "min",
        "30",
        "720",
        "higher",
        "observation after naloxone was given for an overdose, counted from the event",
        True,
    ),
    "missed.reduce_after_days": _spec(
        "days",
        "1",
        "60",
        "lower",
        "missed days after which the next dose is reduced and reviewed",
        True,
    ),
    "missed.reduced_dose_fraction": _spec(
        "fraction",
        "0.05",
        "1",
        "lower",
        "share of the last stable single dose allowed after missed days",
    ),
    "missed.retitrate_after_days": _spec(
        "days",
        "1",
        "90",
        "lower",
        "missed days after which titration starts again as on day 1",
        True,
    ),
    "alcohol.hold_at_mg_per_l": _spec(
        "mg/L", "0", "2", "lower", "breath alcohol at or above which the dose is held"
    ),
    "alcohol.reduce_from_mg_per_l": _spec(
        "mg/L", "0", "2", "lower", "breath alcohol from which the dose is reduced"
    ),
    "alcohol.reduce_by_fraction_min": _spec(
        "fraction", "0", "1", "higher", "smallest reduction for raised breath alcohol"
    ),
    "alcohol.reduce_by_fraction_max": _spec(
        "fraction", "0", "1", "higher", "largest reduction suggested for raised breath alcohol"
    ),
    "alcohol.reassess_after_minutes": _spec(
        "min",
        "0",
        "1440",
        "higher",
        "after a breath-alcohol hold: how much later a new reading may clear it",
    ),
    "sedation.reduce_at_score": _spec(
        "score", "1", "4", "lower", "sedation score (POSS 1-4) that reduces the dose", True
    ),
    "sedation.hold_at_score": _spec(
        "score", "1", "4", "lower", "sedation score (POSS 1-4) that holds the dose", True
    ),
    "sedation.reduce_by_fraction_min": _spec(
        "fraction", "0", "1", "higher", "smallest reduction for sedation"
    ),
    "sedation.reduce_by_fraction_max": _spec(
        "fraction", "0", "1", "higher", "largest reduction suggested for sedation"
    ),
    "sedation.reassess_after_minutes": _spec(
        "min",
        "0",
        "1440",
        "higher",
        "after a sedation hold: how much later a new score may clear it",
    ),
    "vigilance.first_days": _spec(
        "days",
        "0",
        "365",
        "higher",
        "days after a (re)start with extra vigilance for overdose",
        True,
    ),
    "conversion.hdm_to_dam_low": _spec(
        "ratio", "1", "5", "fixed", "mg DAM per mg HDM, low end of the potency range"
    ),
    "conversion.hdm_to_dam_high": _spec(
        "ratio", "1", "5", "fixed", "mg DAM per mg HDM, high end of the potency range"
    ),
    "oral.methadone_max_mg_beside_dam": _spec(
        "mg", "0", "1000", "lower", "oral methadone per day beside diacetylmorphine"
    ),
    "adverse_events.watch_hours": _spec(
        "h",
        "1",
        "720",
        "higher",
        "hours an adverse event stays in view at the next sessions",
        True,
    ),
}

_PER_DRUG: dict[str, Spec] = {
    "daily_max_mg": _spec("mg", "0", "5000", "lower", "total per dosing day"),
    "first_dose_max_mg": _spec(
        "mg", "0", "1000", "lower", "first dose of day 1 (first ever or re-titration)"
    ),
    "top_up_max_mg": _spec("mg", "0", "1000", "lower", "a top-up within a day-1 session"),
    "top_ups_per_session_max": _spec(
        "count", "0", "5", "lower", "top-ups within one titration session", True
    ),
    "first_top_up_min_wait_minutes": _spec(
        "min", "0", "240", "higher", "wait from the first dose to its top-up on day 1"
    ),
    "day1_single_dose_max_mg": _spec("mg", "0", "1000", "lower", "any later single dose on day 1"),
    "day1_min_interval_minutes": _spec(
        "min", "0", "1440", "higher", "minimum time between doses on day 1"
    ),
    "next_day_single_fraction_of_total": _spec(
        "fraction",
        "0",
        "1",
        "lower",
        "day 2 on, after more than 2 injections: single dose cap as share of that day's total",
    ),
    "next_day_increase_fraction": _spec(
        "fraction",
        "0",
        "5",
        "lower",
        "day 2 on, after 1-2 injections: largest increase over the previous single dose",
    ),
}
_PER_DRUG_OPTIONAL: dict[str, Spec] = {
    "iv_advisory_daily_mg": _spec(
        "mg", "0", "5000", "lower", "daily IV total above which benefit diminishes (advisory)"
    ),
    "oral_first_dose_max_mg": _spec("mg", "0", "2000", "lower", "first oral tablet dose on day 1"),
    "single_dose_max_mg": _spec("mg", "0", "2000", "lower", "any single dose, on every day"),
    "first_dose_cap_liftable": _spec(
        "count",
        "0",
        "1",
        "lower",
        "1: a physician's override may lift the first-dose cap of a titration; 0 or absent: not",
        True,
    ),
}
HAT_DRUG_SECTIONS = ("dam", "hdm")


def _schema() -> dict[str, Spec]:
    schema = dict(_COMMON)
    for drug in HAT_DRUG_SECTIONS:
        for name, spec in {**_PER_DRUG, **_PER_DRUG_OPTIONAL}.items():
            schema[f"{drug}.{name}"] = spec
    return schema


SCHEMA: dict[str, Spec] = _schema()


# --- checks against the schema ----------------------------------------------------------------


def _decimal(file: str, key: str, raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise PresetError(file, key, f"value {raw!r} is not a number")
    if isinstance(raw, float):
        raw = repr(raw)  # TOML floats: take the digits as written, never binary float arithmetic
    if not isinstance(raw, int | str | Decimal):
        raise PresetError(file, key, f"value {raw!r} is not a number")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise PresetError(file, key, f"value {raw!r} is not a number") from None
    if not number.is_finite():
        raise PresetError(file, key, f"value {raw!r} is not a finite number")
    return number


def _check_range(file: str, key: str, value: Decimal, spec: Spec) -> None:
    if spec.integer and value != value.to_integral_value():
        raise PresetError(file, key, f"value {value} must be a whole number")
    if not spec.minimum <= value <= spec.maximum:
        raise PresetError(
            file, key, f"value {value} {spec.unit} is outside {spec.minimum}-{spec.maximum}"
        )


def _check_coherence(file: str, numbers: Mapping[str, Decimal], drugs: frozenset[str]) -> None:
    def need(condition: bool, key: str, problem: str) -> None:
        if not condition:
            raise PresetError(file, key, problem)

    need(
        numbers["alcohol.reduce_from_mg_per_l"] <= numbers["alcohol.hold_at_mg_per_l"],
        "alcohol.reduce_from_mg_per_l",
        "must not be above alcohol.hold_at_mg_per_l",
    )
    need(
        numbers["sedation.reduce_at_score"] <= numbers["sedation.hold_at_score"],
        "sedation.reduce_at_score",
        "must not be above sedation.hold_at_score",
    )
    for area in ("alcohol", "sedation"):
        need(
            numbers[f"{area}.reduce_by_fraction_min"] <= numbers[f"{area}.reduce_by_fraction_max"],
            f"{area}.reduce_by_fraction_min",
            f"must not be above {area}.reduce_by_fraction_max",
        )
    need(
        numbers["missed.reduce_after_days"] <= numbers["missed.retitrate_after_days"],
        "missed.reduce_after_days",
        "must not be above missed.retitrate_after_days",
    )
    need(
        numbers["conversion.hdm_to_dam_low"] <= numbers["conversion.hdm_to_dam_high"],
        "conversion.hdm_to_dam_low",
        "must not be above conversion.hdm_to_dam_high",
    )
    for drug in drugs:
        need(
            numbers[f"{drug}.first_dose_max_mg"] <= numbers[f"{drug}.daily_max_mg"],
            f"{drug}.first_dose_max_mg",
            f"must not be above {drug}.daily_max_mg",
        )
