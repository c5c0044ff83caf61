"""The brief: the model's result for one scenario, put in words a council member reads.

`build_brief` turns the model's PlanResult (brief_result.py reads it) into plain rows (a label,
the central number, its range, and where it comes from), the three plots, and the limits. The page,
the PDF and the API all read this one object, so a number cannot say one thing on the page and
another in the PDF. Every number names its origin: "your input" (with the citation the inputs
carry, if any), or the model's source for it, numbered in the list of sources.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from openhat import planner
from openhat.outcomes.models import PublicReport
from openhat.pilot.quote import published_count, quote

# The probabilistic analysis the page and the PDF show: the issue asks for at least 1,000 draws,
# and a fixed seed, so that the same scenario gives the same numbers on the page, in the PDF and
# through the API.
DRAWS = 1000
SEED = 0


@dataclass(frozen=True)
class InputRow:
    name: str
    label: str
    value: str
    unit: str
    origin: str


@dataclass(frozen=True)
class NumberRow:
    key: str
    label: str
    value: str
    low: str
    high: str
    origin: str
    drivers: tuple[str, ...]


@dataclass(frozen=True)
class BudgetRow:
    year: int
    patients: str
    total: str


@dataclass(frozen=True)
class CurvePoint:
    threshold: str
    probability: str


@dataclass(frozen=True)
class TornadoRow:
    label: str
    kind: str
    origin: str
    low_value: str
    high_value: str
    output_low: str
    output_high: str


@dataclass(frozen=True)
class QuoteLine:
    label: str
    clinic: str
    beside: str  # the model's, a trial's or your input's figure, each with its [n]


@dataclass(frozen=True)
class QuoteView:
    """A clinic's published report as the brief quotes it (pilot.quote), sources numbered."""

    heading: str
    origin: str  # "[n]": the report in the list of sources
    address: str
    threshold: int
    later_version: int | None  # a newer version of the same month, if the clinic published one
    lines: list[QuoteLine]


@dataclass(frozen=True)
class ParameterRow:
    name: str
    source: str


@dataclass
class SourceList:
    """Numbered, deduplicated sources: a row cites "[3]" instead of repeating a long reference."""

    texts: list[str] = field(default_factory=list)

    def cite(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1


@dataclass(frozen=True)
class Brief:
    title: str
    place: str
    currency: str
    summary: str
    parameters_version: str
    draws: int
    seed: int
    horizon_years: int
    numbers: list[NumberRow]
    budget: list[BudgetRow]
    plane_image: str
    plane_reading: str
    plane_summary: list[tuple[str, str]]
    ceac_image: str
    ceac_rows: list[CurvePoint]
    tornado_image: str
    tornado_outcome: str
    tornado_rows: list[TornadoRow]
    inputs: list[InputRow]
    sources: list[str]
    parameters: list[ParameterRow]
    limits: list[str]
    quote: QuoteView | None = None
    reports_published: int = 0

    @property
    def draws_text(self) -> str:
        return f"{self.draws:,}"

    def input_columns(self) -> tuple[list[InputRow], list[InputRow]]:
        """The inputs in two halves, side by side on the PDF's second page."""
        middle = (len(self.inputs) + 1) // 2
        return self.inputs[:middle], self.inputs[middle:]


def plain_number(value: float | int | None) -> str:
    """A number as a council member reads it: 1,960; 2.37 million; 24.9; 0.85."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.1f} million"
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.1f}"
    return f"{value:.2f}"


def money(value: float, currency: str) -> str:
    return f"{currency} {plain_number(value)}".strip()


def saving_or_cost(value: float, currency: str) -> str:
    """A net cost in words: a negative net cost is money saved."""
    if value < 0:
        return f"saves {money(-value, currency)}"
    return f"costs {money(value, currency)}"


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


@functools.lru_cache(maxsize=16)
def _planned(inputs_json: str) -> Any:
    """The model's result, kept for the few scenarios in use: the page, then its PDF, ask twice."""
    inputs = planner.LocalInputs.from_dict(json.loads(inputs_json))
    return planner.plan(inputs, draws=DRAWS, seed=SEED)


def planned(inputs: planner.LocalInputs) -> Any:
    return _planned(json.dumps(inputs.to_dict(), sort_keys=True, default=str))


def build_brief(
    title: str,
    inputs: planner.LocalInputs,
    quoted_report: PublicReport | None = None,
    site: str = "",
) -> Brief:
    """The brief of a scenario; with a clinic's frozen public report, its figures are quoted
    (with the report's whole address when `site` is given: a printed brief needs it)."""
    from openhat.pilot.brief_result import read_result

    found = quote(quoted_report, inputs, site) if quoted_report is not None else None
    return read_result(title, inputs, planned(inputs), found, published_count())
