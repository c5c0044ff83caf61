"""The outcomes report's plots as SVG images in data: URLs (matplotlib, Agg-free: a Figure drawn
straight to SVG). As for the pilot planner's plots (pilot/plots.py), an image cannot go inline
into the page under its Content-Security-Policy, the PDF renderer fetches data: URLs only, text
stays text, and every plot's numbers are also in the table beside it.

An aggregated reader (a researcher) gets a curve, or a month's share, only where its group, its
events and its non-events are each none or at least the minimum cell size, as in the tables: the
page shows no per-patient detail.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from openhat.outcomes.report import OutcomesReport
from openhat.outcomes.stats import Survival
from openhat.outcomes.trajectories import POINT_LABELS, POINTS

# Okabe-Ito colours: distinguishable by the colour-blind and in greyscale print.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
INK = "#1f2933"
GRID = "#d5dbe1"
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "openhat-outcomes",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _large(minimum: int | None, n: int, events: int) -> bool:
    """For an aggregated reader: a group of at least `minimum` whose events and non-events are
    each none or at least `minimum` (a curve's step, or a share, would give a small count away),
    as outcomes.cells hides them in the tables."""
    if minimum is None:
        return True
    return n >= minimum and all(k == 0 or k >= minimum for k in (events, n - events))


def _steps(survival: Survival) -> tuple[list[float], list[float], list[float], list[float]]:
    days = [point[0] for point in survival.curve]
    return (
        days,
        [point[1] for point in survival.curve],
        [point[2] for point in survival.curve],
        [point[3] for point in survival.curve],
    )


def retention_plot(
    curves: list[tuple[str, Survival]], *, title: str, minimum: int | None
) -> str | None:
    """Kaplan-Meier step curves with their 95% bands; None when there is nothing to draw."""
    shown = [(label, s) for label, s in curves if s.n and _large(minimum, s.n, s.events)]
    if not shown:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.2, 2.8))
        axes = figure.add_subplot()
        for index, (label, survival) in enumerate(shown):
            colour = COLOURS[index % len(COLOURS)]
            days, values, lows, highs = _steps(survival)
            axes.step(days, values, where="post", color=colour, label=f"{label} (n={survival.n})")
            axes.fill_between(days, lows, highs, step="post", color=colour, alpha=0.15)
        axes.set_ylim(0, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_xlabel("Days since the start of treatment")
        axes.set_ylabel("Retained")
        axes.set_title(title, loc="left", fontsize=9)
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        axes.legend(frameon=False, fontsize=8, loc="lower left")
        return _svg(figure)


def trajectory_plot(
    report: OutcomesReport, keys: tuple[str, ...], *, minimum: int | None
) -> str | None:
    """Means (with 95% intervals) at intake, 3, 6 and 12 months of the day-count measures."""
    measures = [m for m in report.trajectories.measures if m.key in keys]
    labels = [POINT_LABELS[point] for point, _ in POINTS]
    drawn = False
    with rc_context(_RC):
        figure = Figure(figsize=(6.2, 2.6))
        axes = figure.add_subplot()
        for index, measure in enumerate(measures):
            xs, ys, errors_low, errors_high = [], [], [], []
            for x, point in enumerate(measure.points):
                estimate = point.mean
                if estimate.value is None or (minimum is not None and estimate.n < minimum):
                    continue
                xs.append(x)
                ys.append(estimate.value)
                low = estimate.low if estimate.low is not None else estimate.value
                high = estimate.high if estimate.high is not None else estimate.value
                errors_low.append(estimate.value - low)
                errors_high.append(high - estimate.value)
            if xs:
                drawn = True
                axes.errorbar(
                    xs, ys, yerr=[errors_low, errors_high], marker="o", capsize=3,
                    color=COLOURS[index % len(COLOURS)], label=measure.label,
                )  # fmt: skip
        if not drawn:
            return None
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylim(0, 30)
        axes.set_ylabel("Days in the last 30")
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        axes.legend(frameon=False, fontsize=8)
        return _svg(figure)


def urine_plot(report: OutcomesReport, *, minimum: int | None) -> str | None:
    buckets = [
        b for b in report.urine.buckets if b.tested and _large(minimum, b.tested, b.detected)
    ]
    if not buckets:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.2, 2.4))
        axes = figure.add_subplot()
        xs = list(range(len(buckets)))
        values = [b.share.value or 0.0 for b in buckets]
        lows = [b.share.low or 0.0 for b in buckets]
        highs = [b.share.high or 0.0 for b in buckets]
        axes.fill_between(xs, lows, highs, color=COLOURS[1], alpha=0.15)
        axes.plot(xs, values, marker="o", color=COLOURS[1], label="Street heroin detected")
        axes.set_xticks(xs, [b.label for b in buckets], rotation=45, ha="right", fontsize=7)
        axes.set_ylim(0, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_ylabel("Screens")
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        return _svg(figure)


def report_plots(report: OutcomesReport, *, minimum: int | None) -> dict[str, str | None]:
    retention = report.retention
    return {
        "retention": retention_plot(
            [("In HAT", retention.overall.in_hat), ("In any treatment", retention.overall.in_any)],
            title="Every patient in the cohort",
            minimum=minimum,
        ),
        "retention_by_drug": retention_plot(
            [(g.label, g.in_hat) for g in retention.by_drug],
            title="Retained in HAT, by drug",
            minimum=minimum,
        ),
        "trajectories": trajectory_plot(
            report,
            ("street_heroin_days", "illegal_activity_days", "injecting_days"),
            minimum=minimum,
        ),
        "urine": urine_plot(report, minimum=minimum),
    }
