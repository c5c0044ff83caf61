"""`openhat planner`: the pilot planner on the command line (it only calls openhat.planner).

    openhat planner reproduce                      # Nosyk 2012 Table 2 beside this model's results
    openhat planner run --scenario city.json       # a city's budget, outcomes and costs
    openhat planner run --example                  # the cited US-city example
    openhat planner example > city.json            # the example's inputs as JSON, to edit
    openhat planner brief --example --out brief.pdf [--quote ZRH/2026-11/v1]
                                                   # the two-page brief (a scenario file too)

Only `brief --quote` (or a scenario file that quotes a clinic's report) reads the database: the
frozen public report it quotes.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openhat.planner import (
    PARAMETERS_VERSION,
    LocalInputs,
    PlanResult,
    format_table,
    plan,
    reproduce,
    validate_dict,
)
from openhat.planner.reproduce import reproduce_intervals
from openhat.planner.results import Interval

COMPARATOR_WORDS = {"oral_oat": "oral OAT as usual", "no_treatment": "no treatment"}


def _money(value: float, currency: str) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.0f}"


def _interval(interval: Interval, fmt: str = "{:,.1f}") -> str:
    return f"{fmt.format(interval.estimate)} (95% interval {fmt.format(interval.low)} to {fmt.format(interval.high)})"


def format_plan(result: PlanResult) -> str:
    currency = result.currency
    lines = [
        f"{result.inputs.place}: heroin-assisted treatment for {result.people:,.0f} people "
        f"against {COMPARATOR_WORDS.get(result.inputs.comparator, result.inputs.comparator)}, "
        f"over {result.horizon_years} years",
        f"(prices: {currency} {result.price_year}; {result.draws} draws, seed {result.seed}; "
        f"parameters {PARAMETERS_VERSION})",
        "",
        f"Operating budget once running: {_money(result.operating_budget_per_year, currency)} a year "
        f"({_money(result.cost_per_patient_year, currency)} per patient-year)",
    ]
    lines.append(
        f"People starting treatment over the horizon (freed places refilled): "
        f"{result.people_treated:,.0f}"
    )
    for year in result.yearly_budget:
        lines.append(
            f"  year {year.year}: {year.patients:,.0f} patients, {_money(year.total, currency)}"
        )
    lines += [
        "",
        f"Deaths averted:     {_interval(result.deaths_averted)}",
        f"Overdoses averted:  {_interval(result.overdoses_averted, '{:,.0f}')}",
        f"Crimes averted:     {_interval(result.crimes_averted, '{:,.0f}')}",
        f"QALYs gained:       {_interval(result.qalys_gained)}",
        f"Net cost:           {_interval(result.net_cost, currency + ' {:,.0f}')}"
        + ("  (negative: a saving)" if result.net_cost.estimate < 0 else ""),
    ]
    if result.cost_per_qaly is not None:
        lines.append(
            f"Cost per QALY:      {_interval(result.cost_per_qaly, currency + ' {:,.0f}')}"
        )
    lines += [
        f"Verdict: {result.verdict}; probability of saving money: "
        f"{result.probability_cost_saving:.0%}",
        "",
        "What drives the net cost most (one input at a time):",
    ]
    for row in result.tornado[:6]:
        lines.append(
            f"  {row.label} [{row.kind}]: {_money(row.output_low, currency)} to "
            f"{_money(row.output_high, currency)}"
        )
    lines += ["", "Limits:"] + [f"  - {limit}" for limit in result.limits]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "The pilot planner: reproduce the published model, or plan a city's programme."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        again = sub.add_parser(
            "reproduce", help="print Nosyk 2012 Table 2 beside this model's results"
        )
        again.add_argument(
            "--intervals",
            action="store_true",
            help="also the 95%% intervals of 1,000 draws beside the published ones",
        )
        run = sub.add_parser("run", help="a scenario's budget, outcomes and costs")
        run.add_argument("--scenario", type=Path, help="a JSON file of planner inputs")
        run.add_argument("--example", action="store_true", help="the cited US-city example")
        run.add_argument("--draws", type=int, default=1000)
        run.add_argument("--seed", type=int, default=0)
        sub.add_parser("example", help="print the US-city example's inputs as JSON")
        brief = sub.add_parser("brief", help="write a scenario's two-page brief as a PDF")
        brief.add_argument(
            "--scenario", type=Path, help="a scenario file saved by the planner, or JSON inputs"
        )
        brief.add_argument("--example", action="store_true", help="the cited US-city example")
        brief.add_argument("--title", default="", help="the brief's title (default: the place)")
        brief.add_argument(
            "--quote", default="", help="a clinic's published report to quote: CODE/YYYY-MM/vN"
        )
        brief.add_argument(
            "--site", default="", help="this installation's address, for the report's link"
        )
        brief.add_argument("--out", type=Path, required=True, help="the PDF file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "reproduce":
            rows = reproduce()
            self.stdout.write("Nosyk et al., CMAJ 2012, Table 2: published against this model\n")
            self.stdout.write(format_table(rows))
            if options["intervals"]:
                self.stdout.write("\n\n95% intervals (1,000 draws, seed 0), for information:\n")
                intervals, dominant = reproduce_intervals()
                for row in intervals:
                    low, high = row.published
                    ours_low, ours_high = row.ours
                    self.stdout.write(
                        f"{row.horizon:<9} {row.measure:<26} published {low:8.2f} to "
                        f"{high:8.2f}   ours {ours_low:8.2f} to {ours_high:8.2f}\n"
                    )
                for horizon, share in dominant.items():
                    self.stdout.write(f"{horizon:<9} draws in which DAM dominates: {share:.0%}\n")
            if not all(row.ok for row in rows):
                raise CommandError("the model does not reproduce the published table")
            return
        if subcommand == "example":
            data = LocalInputs.example_us_city().to_dict()
            data.pop("sources", None)
            self.stdout.write(json.dumps(data, indent=2))
            return
        if subcommand == "brief":
            self._brief(options)
            return
        inputs = self._inputs(options)
        if options["draws"] < 0:
            raise CommandError("--draws cannot be negative")
        self.stdout.write(format_plan(plan(inputs, draws=options["draws"], seed=options["seed"])))

    def _brief(self, options: dict[str, Any]) -> None:
        from openhat.core.errors import DomainError
        from openhat.pilot import quote, scenario_json
        from openhat.pilot.brief import build_brief
        from openhat.pilot.documents import brief_pdf, pdf_available

        if not pdf_available():
            raise CommandError("PDF output is not installed here (WeasyPrint and pango)")
        title, choice, sha256 = options["title"], options["quote"], ""
        data = None if options["example"] else self._read(options["scenario"])
        if isinstance(data, dict) and data.get("format") == scenario_json.FORMAT:
            try:
                loaded = scenario_json.load(json.dumps(data))
            except DomainError as error:
                raise CommandError(f"{error.message} [{error.code}]") from None
            problems = validate_dict(loaded.inputs.to_dict())
            data, title = loaded.inputs.to_dict(), title or loaded.title
            if not choice:
                choice, sha256 = loaded.quoted_choice, loaded.quoted_sha256
            if problems:
                raise CommandError(self._errors(problems))
        inputs = self._inputs(options, data)
        try:
            report = quote.report_for(choice) if choice else None
            if report is not None:
                quote.check_same_report(report, sha256)
        except DomainError as error:
            raise CommandError(f"--quote: {error.message} [{error.code}]") from None
        title = " ".join(title.split()) or str(inputs.place) or "Pilot planner brief"
        brief = build_brief(title, inputs, report, options["site"].rstrip("/"))
        try:
            options["out"].write_bytes(brief_pdf(None, brief))
        except OSError as exc:
            raise CommandError(f"cannot write {options['out']}: {exc.strerror or exc}") from exc
        self.stdout.write(f"wrote {options['out']}: the brief of “{title}”\n")

    @staticmethod
    def _errors(problems: Any) -> str:
        return "the scenario has errors:\n" + "\n".join(
            f"  {e.field}: {e.message} [{e.code}]" for e in problems
        )

    @staticmethod
    def _read(path: Path | None) -> Any:
        if path is None:
            raise CommandError("give --scenario FILE.json or --example")
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc

    def _inputs(self, options: dict[str, Any], data: Any = None) -> LocalInputs:
        if options["example"]:
            return LocalInputs.example_us_city()
        path = options["scenario"]
        if data is None:
            data = self._read(path)
        if not isinstance(data, dict):
            raise CommandError(f"{path}: a scenario is a JSON object of planner inputs")
        errors = validate_dict(data)
        if errors:
            raise CommandError(self._errors(errors))
        return LocalInputs.from_dict(data)
