"""The brief: the model's result for one scenario, put in words a council member reads.

`build_brief` turns the model's PlanResult into plain rows (a label, the central number, its
range, and where it comes from), the three plots as SVG, and the limits. The page, the PDF and
the API all read this one object, so a number cannot say one thing on the page and another in
the PDF. Every number names its origin: "your input" for what the user typed, else the model's
source for the parameter, or the model itself for what it computed.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from openhat import planner
from openhat.pilot.forms import InputField, input_fields

# The probabilistic analysis the page and the PDF show: the issue asks for at least 1,000 draws,
# and a fixed seed, so that the same scenario gives the same numbers on the page, in the PDF and
# through the API.
DRAWS = 1000
SEED = 0


@dataclass(frozen=True)
class InputRow:
    label: str
    value: str
    unit: str
    origin: str = "your input"


@dataclass(frozen=True)
class NumberRow:
    key: str
    label: str
    value: str
    low: str
    high: str
    unit: str
    drivers: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class CurvePoint:
    threshold: str
    probability: str


@dataclass(frozen=True)
class TornadoRow:
    label: str
    low: str
    high: str
    swing: str


@dataclass(frozen=True)
class Brief:
    title: str
    place: str
    summary: str
    plane_reading: str
    currency: str
    parameters_version: str
    draws: int
    seed: int
    inputs: list[InputRow]
    numbers: list[NumberRow]
    plane_svg: str
    plane_summary: list[tuple[str, str]]
    ceac_svg: str
    ceac_rows: list[CurvePoint]
    tornado_svg: str
    tornado_outcome: str
    tornado_rows: list[TornadoRow]
    sources: list[tuple[str, str]]
    limits: list[str]
    transparency: list[tuple[str, str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def shown_number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    size = abs(value)
    if size >= 1e6:
        text = f"{value / 1e6:,.2f} million"
    elif size >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif size >= 1:
        text = f"{value:,.1f}"
    else:
        text = f"{value:.2f}"
    return text


def _input_value(spec: InputField, value: Any) -> str:
    if value is None:
        return "—"
    if spec.choices:
        labels = dict(spec.choices)
        raw = getattr(value, "value", value)
        return labels.get(str(raw), str(raw))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,}" if isinstance(value, int) else format(value, ",.6g")
    return str(value)


def _input_rows(inputs: planner.LocalInputs) -> list[InputRow]:
    flat = _flat(inputs.to_dict())
    return [
        InputRow(label=spec.label, value=_input_value(spec, flat.get(spec.path)), unit=spec.unit)
        for spec in input_fields()
    ]


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@functools.lru_cache(maxsize=16)
def _planned(inputs_json: str) -> Any:
    """The model's result, kept for the few scenarios in use: the page, then its PDF, ask twice."""
    inputs = planner.LocalInputs.from_dict(json.loads(inputs_json))
    return planner.plan(inputs, draws=DRAWS, seed=SEED)


def planned(inputs: planner.LocalInputs) -> Any:
    return _planned(json.dumps(inputs.to_dict(), sort_keys=True, default=str))


TRANSPARENCY_NONE = None  # filled by the outcomes issue's published transparency reports


def published_transparency_figures() -> list[tuple[str, str]] | None:
    """A clinic's published transparency report, quoted beside the model's numbers.

    No clinic publishes one through OpenHAT yet (the outcomes issue builds those reports); until
    then the brief says so instead of showing figures.
    """
    return TRANSPARENCY_NONE


def build_brief(title: str, inputs: planner.LocalInputs) -> Brief:
    from openhat.pilot.brief_result import read_result

    result = planned(inputs)
    return read_result(title, inputs, result, _input_rows(inputs), published_transparency_figures())
