"""Reading the model's PlanResult into the brief's rows and plots (the one place that knows its
shape)."""

from __future__ import annotations

from typing import Any

from openhat import planner
from openhat.pilot import plots
from openhat.pilot.brief import (
    DRAWS,
    SEED,
    Brief,
    CurvePoint,
    InputRow,
    NumberRow,
    TornadoRow,
    shown_number,
)

MODEL_ORIGIN = "the model, from its published parameters and your inputs"


def _numbers(result: Any) -> list[NumberRow]:
    rows = []
    for output in result.outputs:
        estimate = output.estimate
        rows.append(
            NumberRow(
                key=output.key,
                label=output.label,
                value=shown_number(estimate.value),
                low=shown_number(estimate.low),
                high=shown_number(estimate.high),
                unit=output.unit,
                drivers=tuple(output.drivers),
                origin=MODEL_ORIGIN,
            )
        )
    return rows


def _plane_summary(draws: list[tuple[float, float]]) -> list[tuple[str, str]]:
    total = len(draws) or 1

    def share(test: Any) -> str:
        return f"{100 * sum(1 for q, c in draws if test(q, c)) / total:.0f}%"

    return [
        ("Gains health and saves money", share(lambda q, c: q >= 0 and c <= 0)),
        ("Gains health at extra cost", share(lambda q, c: q >= 0 and c > 0)),
        ("Loses health and saves money", share(lambda q, c: q < 0 and c <= 0)),
        ("Loses health at extra cost", share(lambda q, c: q < 0 and c > 0)),
    ]


def read_result(
    title: str,
    inputs: planner.LocalInputs,
    result: Any,
    input_rows: list[InputRow],
    transparency: list[tuple[str, str]] | None,
) -> Brief:
    currency = str(getattr(inputs, "currency", ""))
    draws = [(float(q), float(c)) for q, c in result.psa]
    base = (sum(q for q, _ in draws) / len(draws), sum(c for _, c in draws) / len(draws))
    ceac = [(float(t), float(p)) for t, p in result.ceac]
    bars = [plots.TornadoBar(row.label, row.low, row.high) for row in result.tornado]
    return Brief(
        title=title,
        place=str(getattr(inputs, "place", "")),
        summary="(summary)",
        plane_reading="",
        currency=currency,
        parameters_version=planner.PARAMETERS_VERSION,
        draws=DRAWS,
        seed=SEED,
        inputs=input_rows,
        numbers=_numbers(result),
        plane_svg=plots.cost_effectiveness_plane(
            draws, base, currency=currency, effect_label="QALYs gained"
        ),
        plane_summary=_plane_summary(draws),
        ceac_svg=plots.acceptability_curve(ceac, currency=currency),
        ceac_rows=[CurvePoint(shown_number(t), f"{100 * p:.0f}%") for t, p in ceac[::4]],
        tornado_svg=plots.tornado(
            bars, result.base_net_cost, outcome_label=f"Net cost ({currency})"
        ),
        tornado_outcome=f"Net cost ({currency})",
        tornado_rows=[
            TornadoRow(
                b.label,
                shown_number(b.low),
                shown_number(b.high),
                shown_number(abs(b.high - b.low)),
            )
            for b in bars
        ],
        sources=sorted(result.sources.items()),
        limits=[],
        transparency=transparency,
    )
