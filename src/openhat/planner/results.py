"""What a plan returns: plain dataclasses a page, a PDF or JSON can show as they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openhat.planner.inputs import LocalInputs


@dataclass(frozen=True)
class Interval:
    """The base-case estimate and the 95% uncertainty interval from the probabilistic analysis."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class BudgetYear:
    year: int
    patients: float  # average places filled during the year
    staff: float
    drug: float
    premises: float
    security: float
    other: float

    @property
    def total(self) -> float:
        return self.staff + self.drug + self.premises + self.security + self.other


@dataclass(frozen=True)
class TornadoRow:
    """One input varied alone from `low_value` to `high_value`, the output at each end."""

    name: str
    label: str
    kind: str  # "your input" or "model parameter"
    low_value: float
    high_value: float
    output_low: float
    output_high: float
    base: float

    @property
    def swing(self) -> float:
        return abs(self.output_high - self.output_low)


@dataclass(frozen=True)
class PsaPoint:
    """One draw of the probabilistic analysis: the programme against the comparator, in total."""

    qalys_gained: float
    net_cost: float


@dataclass(frozen=True)
class CeacPoint:
    willingness_to_pay: float  # per QALY, in the inputs' currency
    probability_cost_effective: float


@dataclass(frozen=True)
class PlanResult:
    inputs: LocalInputs
    people: float  # places filled once running (capacity x uptake, at most the eligible)
    people_treated: float  # people who start treatment over the horizon (refilled places)
    # One person starting in the first year against the comparator, over the horizon (base case):
    # the same outputs as the totals, per person.
    per_person: dict[str, float]
    yearly_budget: list[BudgetYear]
    operating_budget_per_year: float  # once running at full uptake
    cost_per_patient_year: float
    deaths_averted: Interval
    overdoses_averted: Interval
    crimes_averted: Interval
    qalys_gained: Interval
    net_cost: Interval  # programme and its consequences minus the comparator; negative: saving
    cost_per_qaly: Interval | None  # None when the programme saves money and gains QALYs
    verdict: str  # "cost-saving", "cost per QALY", "more costly, no QALY gain", ...
    probability_cost_saving: float
    drivers: dict[str, list[TornadoRow]]  # each output -> the inputs that move it most
    psa_points: list[PsaPoint]
    ceac: list[CeacPoint]
    sources: dict[str, str]  # every output and parameter -> its source, or "your input"
    limits: list[str]
    currency: str
    price_year: int | None
    horizon_years: int
    draws: int
    seed: int
    parameters_version: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tornado(self) -> list[TornadoRow]:
        """The one-way sensitivity of the net cost (the tornado diagram)."""
        return self.drivers["net_cost"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["yearly_budget"] = [
            {**asdict(year), "total": year.total} for year in self.yearly_budget
        ]
        return data
