"""The facts about a person (EligibilityFacts), their earlier treatments and methadone doses.

What is not recorded is None, and stays unknown; everything recorded is checked on construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from openhat.rules.eligibility.dates import _age, _number, _plural, _whole_months
from openhat.rules.eligibility.vocabulary import (
    _OUTCOMES_THAT_END,
    FACTS,
    HeroinRoute,
    TreatmentKind,
    TreatmentOutcome,
)
from openhat.rules.errors import ContextError
from openhat.rules.units import exact_decimal


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


def _treatment_months(treatment: PriorTreatment, assessed_on: date) -> int:
    last_day = treatment.ended_on if treatment.ended_on is not None else assessed_on
    return _whole_months(treatment.started_on, last_day + timedelta(days=1))
