"""The model's parameters: each with its value, its uncertainty distribution and its source.

The values live in TOML files under `parameters/` (like the rules presets); this module reads
them, checks them, and draws from their distributions for the probabilistic analysis.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from openhat.planner.model import Structure

PARAMETER_DIR = Path(__file__).parent / "parameters"

# How a value was obtained. `calibrated` values were fitted to a published result (`target`).
STATUSES = ("published", "derived", "calibrated", "assumed")
DISTRIBUTIONS = ("fixed", "normal", "beta", "gamma", "lognormal", "uniform", "dirichlet")


class ParameterFileError(ValueError):
    """A parameter file that breaks the rules above (a bug in the shipped data, not user input)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    distribution: str
    status: str
    source: str
    label: str = ""
    unit: str = ""
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    group: str | None = None  # a Dirichlet group: its members are drawn together
    concentration: float | None = None
    target: str | None = None  # what a calibrated value was fitted to
    # Drawn as the same relative deviation as another parameter (values fitted together, or a
    # common price level), so the probabilistic analysis does not invent differences between them.
    tied_to: str | None = None
    note: str = ""

    def interval(self) -> tuple[float, float]:
        """A low and high value for one-way sensitivity: the 95% range of the distribution."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        if self.sd is not None:
            low = self.value - 1.96 * self.sd
            high = self.value + 1.96 * self.sd
            if self.distribution in ("beta", "gamma", "lognormal"):
                low = max(low, self.value * 0.25)
            if self.distribution == "beta":
                high = min(high, 0.999)
            return low, high
        return self.value, self.value


@dataclass(frozen=True)
class ParameterSet:
    key: str
    version: str
    title: str
    sources: Mapping[str, str]
    parameters: Mapping[str, Parameter]
    structure: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def model_structure(self) -> Structure:
        s = self.structure
        default = Structure()
        return Structure(
            cycle_months=float(s.get("cycle_months", default.cycle_months)),
            tunnel_years=float(s.get("tunnel_years", default.tunnel_years)),
            max_age=float(s.get("max_age", default.max_age)),
            first_episode=int(s.get("first_episode", default.first_episode)),
        )

    def base_values(self) -> dict[str, float]:
        return {name: p.value for name, p in self.parameters.items()}

    def source_text(self, name: str) -> str:
        parameter = self.parameters[name]
        keys = [key.strip() for key in parameter.source.split(",")]
        text = "; ".join(self.sources.get(key, key) for key in keys)
        if parameter.status == "calibrated" and parameter.target:
            text += f" (calibrated to {parameter.target})"
        elif parameter.status == "assumed" and parameter.note:
            text += f" (assumed: {parameter.note})"
        return text

    def sample(self, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """`draws` values of every parameter, in a fixed order so that a seed repeats exactly."""
        out: dict[str, np.ndarray] = {}
        groups: dict[str, list[Parameter]] = {}
        tied = []
        for name in sorted(self.parameters):
            parameter = self.parameters[name]
            if parameter.tied_to:
                tied.append(parameter)
                continue
            if parameter.distribution == "dirichlet":
                groups.setdefault(parameter.group or name, []).append(parameter)
                continue
            out[name] = _draw(parameter, draws, rng)
        for group in sorted(groups):
            members = groups[group]
            concentration = members[0].concentration or 100.0
            alphas = [max(m.value, 1e-6) * concentration for m in members]
            matrix = rng.dirichlet(alphas, size=draws)
            for column, member in enumerate(members):
                out[member.name] = matrix[:, column]
        for parameter in tied:
            leader = self.parameters[parameter.tied_to or ""]
            ratio = parameter.value / leader.value if leader.value else 0.0
            out[parameter.name] = out[leader.name] * ratio
        return out


def _draw(parameter: Parameter, draws: int, rng: np.random.Generator) -> np.ndarray:
    mean, sd, kind = parameter.value, parameter.sd, parameter.distribution
    if kind == "fixed" or (sd is None and kind != "uniform") or sd == 0:
        return np.full(draws, mean, dtype=float)
    if kind == "normal":
        assert sd is not None
        return rng.normal(mean, sd, size=draws)
    if kind == "beta":
        assert sd is not None
        common = mean * (1 - mean) / sd**2 - 1
        return rng.beta(mean * common, (1 - mean) * common, size=draws)
    if kind == "gamma":
        assert sd is not None
        shape = (mean / sd) ** 2
        return rng.gamma(shape, mean / shape, size=draws)
    if kind == "lognormal":
        assert sd is not None
        sigma2 = np.log(1 + (sd / mean) ** 2)
        return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size=draws)
    if kind == "uniform":
        assert parameter.low is not None and parameter.high is not None
        return rng.uniform(parameter.low, parameter.high, size=draws)
    raise ParameterFileError(f"{parameter.name}: unknown distribution {kind}")


def _parameter(name: str, raw: Mapping[str, Any], sources: Mapping[str, str]) -> Parameter:
    try:
        parameter = Parameter(name=name, **raw)
    except TypeError as exc:
        raise ParameterFileError(f"{name}: {exc}") from exc
    if parameter.status not in STATUSES:
        raise ParameterFileError(f"{name}: status {parameter.status!r} is not one of {STATUSES}")
    if parameter.distribution not in DISTRIBUTIONS:
        raise ParameterFileError(f"{name}: distribution {parameter.distribution!r}")
    if parameter.status == "calibrated" and not parameter.target:
        raise ParameterFileError(f"{name}: a calibrated value names the target it was fitted to")
    if parameter.tied_to and parameter.tied_to == name:
        raise ParameterFileError(f"{name}: tied to itself")
    for key in parameter.source.split(","):
        if key.strip() not in sources:
            raise ParameterFileError(f"{name}: unknown source key {key.strip()!r}")
    return parameter


@cache
def load_parameters(key: str = "nosyk2012") -> ParameterSet:
    path = PARAMETER_DIR / f"{key}.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    sources = dict(data["sources"])
    parameters = {
        name: _parameter(name, raw, sources) for name, raw in data.get("parameters", {}).items()
    }
    return ParameterSet(
        key=key,
        version=str(data["meta"]["version"]),
        title=str(data["meta"]["title"]),
        sources=sources,
        parameters=parameters,
        structure=dict(data.get("structure", {})),
    )
