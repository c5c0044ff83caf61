"""A city's own numbers (the planner's inputs), their JSON form, and their validation.

Validation returns every error at once, each naming its field with a stable code, so a form can
show them all beside their fields; a plan is only made from inputs without errors.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

from openhat.planner.params import PARAMETER_DIR

COMPARATORS = ("oral_oat", "no_treatment")
MAX_HORIZON_YEARS = 60  # the model runs from age 40 to 100
ROW_TOLERANCE = 0.005  # published shares are rounded to 0.1% (Nosyk's row adds up to 1.001)

# Stable error codes (a form or an API may branch on them).
PROBABILITY_OUT_OF_RANGE = "probability_out_of_range"
ROW_NOT_SUMMING_TO_ONE = "row_not_summing_to_one"
NEGATIVE_COST = "negative_cost"
NEGATIVE_POPULATION = "negative_population"
HORIZON_OUT_OF_RANGE = "horizon_out_of_range"
CAPACITY_EXCEEDS_ELIGIBLE = "capacity_exceeds_eligible"
CURRENCY_WITHOUT_PRICE_YEAR = "currency_without_price_year"
MISSING_POPULATION = "missing_population"
NOT_A_NUMBER = "not_a_number"
UNKNOWN_COMPARATOR = "unknown_comparator"
UNKNOWN_FIELD = "unknown_field"
NEGATIVE_NUMBER = "negative_number"
NOT_A_WHOLE_NUMBER = "not_a_whole_number"
WHOLE_NUMBERS = ("eligible_population", "population", "capacity", "ramp_up_months",
                 "windows_per_day", "horizon_years", "price_year")  # fmt: skip


@dataclass(frozen=True)
class InputError:
    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class LocalInputs:
    """What a city or region knows about itself. Money is per year in `currency` at `price_year`."""

    place: str = "Your city"
    # People with severe, treatment-refractory opioid use disorder: either counted directly, or
    # a prevalence (share of the population) times the population.
    eligible_population: int | None = None
    population: int | None = None
    prevalence: float | None = None
    capacity: int = 100  # treatment places
    uptake: float = 0.85  # share of places filled once running
    ramp_up_months: int = 12  # months until the places are filled
    currency: str = "USD"
    price_year: int | None = 2024
    windows_per_day: int = 3  # dosing windows (sessions) a day
    staff_per_window: float = 4.0  # full-time staff needed to run one daily window all year
    staff_cost_per_fte: float = 120_000.0
    drug_cost_per_patient: float = 3_000.0
    premises_cost: float = 400_000.0
    security_cost: float = 150_000.0
    other_cost: float = 0.0
    comparator: str = "oral_oat"
    comparator_cost_per_patient: float = 6_552.0  # oral OAT as usual, per patient-year
    # Local currency at price_year per Can$ of the published model's prices: converts the model's
    # health-care and crime costs (purchasing-power parity and inflation).
    model_cost_factor: float = 1.22
    horizon_years: int = 10
    # The published exits from heroin-assisted treatment (a row that must sum to 1) and a hazard
    # multiplier on leaving it (below 1: better retention than NAOMI's).
    exit_to_relapse: float = 0.370
    exit_to_abstinence: float = 0.224
    exit_to_oral_oat: float = 0.407
    retention_multiplier: float = 1.0
    discount_rate: float = 0.03
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LocalInputs:
        """Builds inputs from JSON-like data; unknown keys are ignored here (validate_dict names
        them). Types are not coerced beyond JSON's own: `validate` reports wrong ones."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def example_us_city(cls) -> LocalInputs:
        """San Francisco, with every input cited (parameters/us_city_example.toml)."""
        return _example("us_city_example")

    def eligible(self) -> float | None:
        if self.eligible_population is not None:
            return float(self.eligible_population)
        if self.population is not None and self.prevalence is not None:
            return float(self.population) * float(self.prevalence)
        return None


@cache
def _example(key: str) -> LocalInputs:
    with (PARAMETER_DIR / f"{key}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    values = {name: entry["value"] for name, entry in data["inputs"].items()}
    sources = {name: data["sources"][entry["source"]] for name, entry in data["inputs"].items()}
    return LocalInputs(**values, sources=sources)


PROBABILITIES = ("uptake", "prevalence", "exit_to_relapse", "exit_to_abstinence",
                 "exit_to_oral_oat", "discount_rate")  # fmt: skip
COSTS = ("staff_cost_per_fte", "drug_cost_per_patient", "premises_cost", "security_cost",
         "other_cost", "comparator_cost_per_patient", "model_cost_factor")  # fmt: skip
POPULATIONS = ("eligible_population", "population", "capacity")
COUNTS = ("ramp_up_months", "windows_per_day", "staff_per_window", "retention_multiplier")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def validate(inputs: LocalInputs) -> list[InputError]:
    errors: list[InputError] = []

    def add(name: str, code: str, message: str) -> None:
        errors.append(InputError(name, code, message))

    numbers: dict[str, float | None] = {}
    for name in (*PROBABILITIES, *COSTS, *POPULATIONS, *COUNTS, "horizon_years", "price_year"):
        raw = getattr(inputs, name)
        if raw is None and name in (
            "eligible_population",
            "population",
            "prevalence",
            "price_year",
        ):
            numbers[name] = None
            continue
        numbers[name] = _number(raw)
        if numbers[name] is None:
            add(name, NOT_A_NUMBER, f"{name} must be a number, not {raw!r}.")
    for name in WHOLE_NUMBERS:
        value = numbers.get(name)
        if value is not None and value != int(value):
            add(name, NOT_A_WHOLE_NUMBER, f"{name} must be a whole number, not {value:g}.")
    for name in PROBABILITIES:
        value = numbers[name]
        if value is not None and not 0.0 <= value <= 1.0:
            add(name, PROBABILITY_OUT_OF_RANGE, f"{name} is a share: between 0 and 1, not {value}.")
    row = [numbers[n] for n in ("exit_to_relapse", "exit_to_abstinence", "exit_to_oral_oat")]
    if all(v is not None for v in row) and abs(sum(v or 0.0 for v in row) - 1.0) > ROW_TOLERANCE:
        add(
            "exit_to_relapse",
            ROW_NOT_SUMMING_TO_ONE,
            "Where people go when they leave treatment (relapse, abstinence, oral OAT) must add "
            f"up to 1; these add up to {sum(v or 0.0 for v in row):.3f}.",
        )
    for name in COSTS:
        value = numbers[name]
        if value is not None and value < 0:
            add(name, NEGATIVE_COST, f"{name} is a cost and cannot be negative ({value}).")
    for name in POPULATIONS:
        value = numbers[name]
        if value is not None and value < 0:
            add(name, NEGATIVE_POPULATION, f"{name} counts people and cannot be negative.")
    for name in COUNTS:
        value = numbers[name]
        if value is not None and value < 0:
            add(name, NEGATIVE_NUMBER, f"{name} cannot be negative ({value}).")
    horizon = numbers["horizon_years"]
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON_YEARS:
        add(
            "horizon_years",
            HORIZON_OUT_OF_RANGE,
            f"The horizon must be 1 to {MAX_HORIZON_YEARS} years, not {horizon:g}.",
        )
    if inputs.comparator not in COMPARATORS:
        add("comparator", UNKNOWN_COMPARATOR, f"The comparator is one of {', '.join(COMPARATORS)}.")
    if (
        inputs.currency
        and numbers.get("price_year") is None
        and "price_year" not in {e.field for e in errors}
    ):
        add(
            "price_year",
            CURRENCY_WITHOUT_PRICE_YEAR,
            f"Prices in {inputs.currency} need the year they are from (the price year).",
        )
    population_fields_bad = {e.field for e in errors} & {"eligible_population", "population",
                                                        "prevalence"}  # fmt: skip
    if not population_fields_bad:
        eligible = inputs.eligible()
        capacity = numbers["capacity"]
        if eligible is None:
            add(
                "eligible_population",
                MISSING_POPULATION,
                "Give the number of people eligible, or a prevalence and a population.",
            )
        elif capacity is not None and capacity > eligible:
            add(
                "capacity",
                CAPACITY_EXCEEDS_ELIGIBLE,
                f"{capacity:g} places is more than the {eligible:,.0f} people eligible.",
            )
    return errors


def validate_dict(data: dict[str, Any]) -> list[InputError]:
    """Validation of raw JSON: unknown keys are errors too, then the inputs themselves."""
    names = {f.name for f in fields(LocalInputs)}
    unknown = [
        InputError(key, UNKNOWN_FIELD, f"{key} is not a planner input.")
        for key in data
        if key not in names
    ]
    try:
        inputs = LocalInputs.from_dict(data)
    except TypeError as exc:  # pragma: no cover - from_dict filters keys
        return [*unknown, InputError("", NOT_A_NUMBER, str(exc))]
    return [*unknown, *validate(inputs)]
