"""The brief's three plots as SVG, drawn by matplotlib from plain numbers.

Each plot is an SVG image in a data: URL. It cannot go inline into the page: matplotlib styles
every shape with a style attribute, which the page's Content-Security-Policy (style-src 'self')
refuses, while an image's own styling is not the page's; the policy allows data: images. The PDF
uses the same images (its renderer may fetch data: URLs and nothing else). Text stays text
(svg.fonttype none), and every plot's numbers are also given in a table beside it, for anyone
who cannot read a plot.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

# Two colours distinguishable in greyscale print and by the colour-blind (Okabe-Ito blue and
# vermillion), with the house's dark text colour for axes.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
INK = "#1f2933"
GRID = "#d5dbe1"

_RC: Any = {  # matplotlib types its rc keys as literals; these are all valid keys
    "svg.fonttype": "none",
    "svg.hashsalt": "openhat-pilot",  # the same numbers draw the same file
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class TornadoBar:
    label: str
    low: float  # the outcome with the parameter at its low value
    high: float


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def money_axis(currency: str) -> FuncFormatter:
    def shown(value: float, _position: object) -> str:
        size = abs(value)
        if size >= 1e6:
            return f"{value / 1e6:,.1f}M"
        if size >= 1e3:
            return f"{value / 1e3:,.0f}k"
        return f"{value:,.0f}"

    return FuncFormatter(shown)


def cost_effectiveness_plane(
    draws: Sequence[tuple[float, float]],
    base: tuple[float, float],
    *,
    currency: str,
    effect_label: str,
) -> str:
    """Each draw of the probabilistic analysis: QALYs gained (x) against extra cost (y)."""
    with rc_context(_RC):
        figure = Figure(figsize=(6.2, 3.0))
        axes = figure.add_subplot()
        effects = [effect for effect, _ in draws]
        costs = [cost for _, cost in draws]
        axes.axhline(0, color=INK, linewidth=0.8)
        axes.axvline(0, color=INK, linewidth=0.8)
        axes.scatter(effects, costs, s=5, color=BLUE, alpha=0.35, linewidths=0, label="one draw")
        axes.scatter([base[0]], [base[1]], s=40, color=VERMILLION, marker="D", label="central")
        axes.set_xlabel(effect_label)
        axes.set_ylabel(f"Extra cost ({currency})")
        axes.yaxis.set_major_formatter(money_axis(currency))
        axes.grid(color=GRID, linewidth=0.5)
        axes.legend(loc="best", fontsize=8, framealpha=0.9)
        return _svg(figure)


def acceptability_curve(points: Sequence[tuple[float, float]], *, currency: str) -> str:
    """The share of draws in which the programme is worth its cost, by willingness to pay."""
    with rc_context(_RC):
        figure = Figure(figsize=(6.2, 2.5))
        axes = figure.add_subplot()
        axes.plot([t for t, _ in points], [p for _, p in points], color=BLUE, linewidth=2)
        axes.set_ylim(0, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.xaxis.set_major_formatter(money_axis(currency))
        axes.set_xlabel(f"What one year of healthy life is worth to the payer ({currency})")
        axes.set_ylabel("Chance it is worth it")
        axes.grid(color=GRID, linewidth=0.5)
        return _svg(figure)


def tornado(bars: Sequence[TornadoBar], base: float, *, outcome_label: str) -> str:
    """One-way sensitivity: how far the outcome moves when each input goes to its low and high."""
    with rc_context(_RC):
        height = 0.9 + 0.32 * max(len(bars), 1)
        figure = Figure(figsize=(6.2, height * 0.9))
        axes = figure.add_subplot()
        ordered = list(reversed(bars))  # the widest bar at the top
        positions = range(len(ordered))
        for position, bar in zip(positions, ordered, strict=True):
            axes.barh(position, bar.low - base, left=base, color=BLUE, height=0.6)
            axes.barh(position, bar.high - base, left=base, color=VERMILLION, height=0.6)
        axes.set_yticks(list(positions), [_short(bar.label) for bar in ordered])
        axes.axvline(base, color=INK, linewidth=0.8)
        axes.set_xlabel(outcome_label)
        axes.xaxis.set_major_formatter(money_axis(""))
        axes.grid(axis="x", color=GRID, linewidth=0.5)
        axes.spines["left"].set_visible(False)
        axes.tick_params(axis="y", length=0)
        axes.legend(
            handles=[
                Patch(color=BLUE, label="input at its low value"),
                Patch(color=VERMILLION, label="input at its high value"),
            ],
            loc="lower right",
            fontsize=8,
            frameon=False,
        )
        return _svg(figure)


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
