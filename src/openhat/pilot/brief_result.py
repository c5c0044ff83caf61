"""Reading the model's PlanResult into the brief's rows and plots: the one place that knows its
shape. Labels for the inputs come from the form's words (input_labels), so the brief names an
input as the form did."""

from __future__ import annotations

from typing import Any

from openhat import planner
from openhat.pilot import plots
from openhat.pilot.brief import (
    DRAWS,
    SEED,
    Brief,
    BudgetRow,
    CurvePoint,
    InputRow,
    NumberRow,
    ParameterRow,
    QuoteLine,
    QuoteView,
    SourceList,
    TornadoRow,
    money,
    percent,
    plain_number,
    saving_or_cost,
)
from openhat.pilot.forms import InputField, input_fields
from openhat.pilot.quote import Quote

TORNADO_BARS = 6  # the numbers that move the net cost most (all of them: on the web page)
CEAC_TABLE_STEP = 5  # every 5th point of the curve in its table (0, 50k, 100k, ...)
YOUR_INPUT = "your input"


def _input_label(name: str, specs: dict[str, InputField]) -> str:
    spec = specs.get(name)
    return spec.label if spec else name.replace("_", " ")


def _shown_input(spec: InputField, value: Any) -> str:
    if value is None:
        return "—"
    if spec.choices:
        return dict(spec.choices).get(str(value), str(value))
    if spec.path.endswith("year") and isinstance(value, int):
        return str(value)  # a year, not a quantity: 2024, not 2,024
    if isinstance(value, float) and value < 1 and spec.unit.startswith("share"):
        return f"{value:g}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"
    return str(value)


def _inputs(inputs: planner.LocalInputs, sources: SourceList) -> list[InputRow]:
    data = inputs.to_dict()
    cited = getattr(inputs, "sources", None) or {}
    rows = []
    for spec in input_fields():
        citation = cited.get(spec.path)
        origin = f"{YOUR_INPUT} [{sources.cite(citation)}]" if citation else YOUR_INPUT
        rows.append(
            InputRow(
                name=spec.path,
                label=spec.label,
                value=_shown_input(spec, data.get(spec.path)),
                unit=spec.unit,
                origin=origin,
            )
        )
    return rows


def _drivers(result: Any, key: str, specs: dict[str, InputField]) -> tuple[str, ...]:
    rows = result.drivers.get(key, [])[:2]
    return tuple(
        _input_label(row.name, specs) if row.kind == YOUR_INPUT else row.label for row in rows
    )


def _origin(result: Any, key: str, sources: SourceList) -> str:
    text = result.sources.get(key)
    return f"[{sources.cite(text)}]" if text else "the model"


def _range(interval: Any, shown: Any = plain_number) -> tuple[str, str, str]:
    return shown(interval.estimate), shown(interval.low), shown(interval.high)


def _numbers(result: Any, sources: SourceList, specs: dict[str, InputField]) -> list[NumberRow]:
    currency, years = result.currency, result.horizon_years
    in_years = f"over {years} year{'s' if years != 1 else ''}"

    def row(key: str, label: str, values: tuple[str, str, str]) -> NumberRow:
        return NumberRow(
            key=key,
            label=label,
            value=values[0],
            low=values[1],
            high=values[2],
            origin=_origin(result, key, sources),
            drivers=_drivers(result, key, specs),
        )

    budget = money(result.operating_budget_per_year, currency)
    rows = [
        row("operating_budget_per_year", "Running the clinic, a year once full", (budget, "", "")),
        row(
            "net_cost",
            f"Net cost to society {in_years}, with health care and crime",
            _range(result.net_cost, lambda value: saving_or_cost(value, currency)),
        ),
        row(
            "qalys_gained",
            f"Years of healthy life gained (QALYs) {in_years}",
            _range(result.qalys_gained),
        ),
        row("deaths_averted", f"Deaths averted {in_years}", _range(result.deaths_averted)),
        row("overdoses_averted", f"Overdoses averted {in_years}", _range(result.overdoses_averted)),
        row("crimes_averted", f"Crimes averted {in_years}", _range(result.crimes_averted)),
    ]
    if result.cost_per_qaly is not None:
        rows.append(
            row(
                "cost_per_qaly",
                "Cost per year of healthy life gained",
                _range(result.cost_per_qaly, lambda value: money(value, currency)),
            )
        )
    else:
        rows.append(
            NumberRow(
                key="cost_per_qaly",
                label="Cost per year of healthy life gained",
                value=_no_ratio(result.verdict),
                low="",
                high="",
                origin=_origin(result, "cost_per_qaly", sources),
                drivers=(),
            )
        )
    return rows


def _plane_summary(points: list[tuple[float, float]]) -> list[tuple[str, str]]:
    total = len(points) or 1

    def share(test: Any) -> str:
        return percent(sum(1 for q, c in points if test(q, c)) / total)

    return [
        ("Gains health and saves money", share(lambda q, c: q >= 0 and c <= 0)),
        ("Gains health at an extra cost", share(lambda q, c: q >= 0 and c > 0)),
        ("Loses health and saves money", share(lambda q, c: q < 0 and c <= 0)),
        ("Loses health at an extra cost", share(lambda q, c: q < 0 and c > 0)),
    ]


def _tornado(
    result: Any, specs: dict[str, InputField], sources: SourceList
) -> tuple[list[plots.TornadoBar], list[TornadoRow]]:
    rows = result.tornado[:TORNADO_BARS]
    currency = result.currency
    bars, table = [], []
    for row in rows:
        is_input = row.kind == YOUR_INPUT
        label = _input_label(row.name, specs) if is_input else row.label
        if is_input:
            citation = (getattr(result.inputs, "sources", None) or {}).get(row.name)
            origin = f"{YOUR_INPUT} [{sources.cite(citation)}]" if citation else YOUR_INPUT
        else:
            cited = result.sources.get(row.name)
            origin = f"[{sources.cite(cited)}]" if cited else "the model"
        bars.append(plots.TornadoBar(label, row.output_low, row.output_high))
        table.append(
            TornadoRow(
                label=label,
                kind=row.kind,
                origin=origin,
                low_value=plain_number(row.low_value),
                high_value=plain_number(row.high_value),
                output_low=saving_or_cost(row.output_low, currency),
                output_high=saving_or_cost(row.output_high, currency),
            )
        )
    return bars, table


def _summary(result: Any) -> str:
    currency, years = result.currency, result.horizon_years
    inputs = result.inputs
    deaths = result.deaths_averted.estimate
    span = f"{years} year{'s' if years != 1 else ''}"
    verb = "save" if result.net_cost.estimate < 0 else "cost"
    amount = money(abs(result.net_cost.estimate), currency)
    return (
        f"Heroin-assisted treatment gives people for whom other treatment has failed "
        f"pharmaceutical heroin (diacetylmorphine) under supervision in a clinic. With "
        f"{inputs.capacity:,} places, about {plain_number(result.people)} people would be in "
        f"treatment at any time once the clinic runs, and about "
        f"{plain_number(result.people_treated)} would start it over {span} as places are "
        f"refilled. Running the clinic would cost about "
        f"{money(result.operating_budget_per_year, currency)} a year. Counting health care and "
        f"crime as well, the model expects it to {verb} {amount} in total over {span} compared "
        f"with {_comparator(inputs)}, and to avert about {plain_number(deaths)} "
        f"death{'s' if round(deaths) != 1 else ''}. It saved money in "
        f"{percent(result.probability_cost_saving)} of {result.draws:,} runs with the model's "
        f"uncertain numbers."
    )


def _comparator(inputs: Any) -> str:
    return "oral treatment as usual" if inputs.comparator == "oral_oat" else "no treatment"


def read_result(
    title: str,
    inputs: planner.LocalInputs,
    result: Any,
    quoted: Quote | None,
    reports_published: int = 0,
) -> Brief:
    specs = {spec.path: spec for spec in input_fields()}
    sources = SourceList()
    numbers = _numbers(result, sources, specs)
    input_rows = _inputs(inputs, sources)
    currency = result.currency
    points = [(p.qalys_gained, p.net_cost) for p in result.psa_points]
    curve = [(c.willingness_to_pay, c.probability_cost_effective) for c in result.ceac]
    bars, tornado_rows = _tornado(result, specs, sources)
    plane_summary = _plane_summary(points)
    parameters = [
        ParameterRow(name, text)
        for name, text in result.sources.items()
        if not name.startswith("input:") and name not in {n.key for n in numbers}
    ]
    return Brief(
        title=title,
        place=str(inputs.place),
        currency=currency,
        summary=_summary(result),
        parameters_version=str(result.parameters_version or planner.PARAMETERS_VERSION),
        draws=DRAWS,
        seed=SEED,
        horizon_years=result.horizon_years,
        numbers=numbers,
        budget=[
            BudgetRow(year.year, plain_number(year.patients), money(year.total, currency))
            for year in result.yearly_budget
        ],
        plane_image=plots.cost_effectiveness_plane(
            points,
            (result.qalys_gained.estimate, result.net_cost.estimate),
            currency=currency,
            effect_label="Years of healthy life gained (QALYs)",
        ),
        plane_reading=f"{plane_summary[0][1]} of the runs fall where the programme gains health "
        "and saves money.",
        plane_summary=plane_summary,
        ceac_image=plots.acceptability_curve(curve, currency=currency),
        ceac_rows=[CurvePoint(money(t, currency), percent(p)) for t, p in curve[::CEAC_TABLE_STEP]],
        tornado_image=plots.tornado(
            bars, result.net_cost.estimate, outcome_label=f"Net cost ({currency})"
        ),
        tornado_outcome=f"Net cost over {result.horizon_years} years ({currency})",
        tornado_rows=tornado_rows,
        inputs=input_rows,
        sources=sources.texts,
        parameters=parameters,
        limits=[compact_limit(limit) for limit in result.limits],
        quote=_quote(quoted, sources),
        reports_published=reports_published,
    )


def _quote(quoted: Quote | None, sources: SourceList) -> QuoteView | None:
    """The clinic's figures with the report as their numbered source, and what stands beside."""
    if quoted is None:
        return None
    lines = [
        QuoteLine(
            row.label,
            row.clinic,
            "; ".join(
                f"{item.text} [{sources.cite(item.source)}]" if item.source else item.text
                for item in row.beside
            )
            or "—",
        )
        for row in quoted.rows
    ]
    return QuoteView(
        heading=f"{quoted.clinic_name} ({quoted.clinic_code}), {quoted.period}",
        origin=f"[{sources.cite(quoted.source)}]",
        address=quoted.address,
        threshold=quoted.threshold,
        later_version=quoted.latest_version if quoted.latest_version > quoted.version else None,
        lines=lines,
    )


def compact_limit(text: str) -> str:
    """A limit listing "State: quantity; State: quantity; ..." says each quantity once, with its
    states ("utility of abstinence, methadone and relapse"), so the list fits the brief's page.
    Text in any other shape is returned as it is."""
    head, colon, listed = text.partition(": ")
    items = [item.strip().rstrip(".") for item in listed.split("; ")]
    if not colon or len(items) < 3:
        return text
    grouped: dict[str, list[str]] = {}
    for item in items:
        owner, separator, quantity = item.partition(": ")
        key = quantity if separator else item
        grouped.setdefault(key, [])
        if separator:
            grouped[key].append(owner.lower())
    if len(grouped) == len(items):
        return text
    parts = []
    for quantity, owners in grouped.items():
        if not owners:
            parts.append(quantity)
        elif len(owners) == 1:
            parts.append(f"{quantity} ({owners[0]})")
        else:
            parts.append(f"{quantity} ({', '.join(owners[:-1])} and {owners[-1]})")
    return f"{head}: {'; '.join(parts)}."


def _no_ratio(verdict: str) -> str:
    """Why there is no cost per QALY: a ratio means nothing when the programme saves money."""
    if verdict == "cost-saving":
        return "none: it saves money and gains health"
    return f"none ({verdict})"
