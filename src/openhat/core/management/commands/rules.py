"""`openhat rules`: what the presets say, and the clinicians' page generated from them.

    openhat rules explain --preset ch-diaphin   # every value: meaning, value, source; the rules
    openhat rules explain --preset ch           # an eligibility preset's criteria
    openhat rules docs                          # write docs/protocols.md
    openhat rules docs --check                  # exit non-zero when docs/protocols.md is stale

No database is used.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from openhat.embedded_db import PROJECT_ROOT
from openhat.rules.errors import PresetError
from openhat.rules.explain import (
    eligibility_preset_keys,
    eligibility_summary,
    format_value,
    preset_rows,
    protocols_markdown,
    rule_catalogue,
)
from openhat.rules.protocol import Protocol, dosing_preset_keys, load_protocol


def docs_path() -> Path:
    return PROJECT_ROOT / "docs" / "protocols.md"


class Command(BaseCommand):
    help = "Explain the dosing and eligibility presets, or write docs/protocols.md from them."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{explain,docs}", required=True
        )
        explain = subcommands.add_parser(
            "explain",
            help="print a preset's values with their meaning and source, and the rule catalogue",
        )
        explain.add_argument(
            "--preset",
            help="a dosing preset (e.g. ch-diaphin) or an eligibility preset (e.g. ch); "
            "without it, the known presets are listed",
        )
        docs = subcommands.add_parser(
            "docs", help="write docs/protocols.md from the presets (for clinicians)"
        )
        docs.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit non-zero when docs/protocols.md is out of date",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "docs":
            self.docs(check=bool(options.get("check")))
            return
        self.console = self._console(no_color=bool(options.get("no_color")))
        preset = options.get("preset")
        if not preset:
            self.list_presets()
            return
        if preset in dosing_preset_keys():
            self.explain_dosing(self._load(preset))
        elif preset in eligibility_preset_keys():
            self.explain_eligibility(preset)
        else:
            raise CommandError(
                f"no preset {preset!r}. Dosing presets: {', '.join(dosing_preset_keys())}. "
                f"Eligibility presets: {', '.join(eligibility_preset_keys()) or 'none'}."
            )

    # --- explain -----------------------------------------------------------------------------

    def _console(self, *, no_color: bool) -> Console:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        width = None if stream.isatty() else 200  # a file or a pipe: no wrapping of citations
        return Console(
            file=stream, no_color=no_color, highlight=False, soft_wrap=False, width=width
        )

    def _load(self, key: str) -> Protocol:
        try:
            return load_protocol(key)
        except PresetError as error:
            raise CommandError(str(error)) from None

    def list_presets(self) -> None:
        table = Table(title="Presets (openhat rules explain --preset KEY)")
        table.add_column("Key", no_wrap=True)
        table.add_column("Kind")
        table.add_column("Title")
        for key in dosing_preset_keys():
            table.add_row(key, "dosing", self._load(key).title)
        for key in eligibility_preset_keys():
            table.add_row(key, "eligibility", eligibility_summary(key).title)
        self.console.print(table)

    def explain_dosing(self, protocol: Protocol) -> None:
        console = self.console
        console.print(f"[bold]{protocol.title}[/bold] ({protocol.key}, version {protocol.version})")
        console.print(protocol.summary)
        console.print(f"fingerprint {protocol.hash[:12]}")
        table = Table(title=f"Values of {protocol.key}", show_lines=False)
        table.add_column("Setting", no_wrap=True)
        table.add_column("Value", no_wrap=True, justify="right")
        table.add_column("Meaning")
        table.add_column("Safer")
        table.add_column("Source")
        for row in preset_rows(protocol):
            meaning = row.meaning + (f" ({row.adjustment})" if row.adjustment else "")
            source = row.source_text if row.local_reason is None else f"[yellow]{row.source_text}"
            table.add_row(row.key, row.value_text, meaning, row.safer, source)
        console.print(table)
        local = sum(1 for row in preset_rows(protocol) if row.local_reason is not None)
        if local:
            console.print(
                f"{local} value(s) are local defaults: the medical director confirms them."
            )
        self.print_catalogue(protocol)

    def print_catalogue(self, protocol: Protocol) -> None:
        table = Table(title="Rules a dosing decision can report")
        table.add_column("Rule", no_wrap=True)
        table.add_column("What it means")
        table.add_column("Severity")
        table.add_column("Override", justify="center")
        table.add_column("Values used")
        for rule in rule_catalogue():
            used = [
                f"{key} = {format_value(protocol.values[key].value, protocol.values[key].unit)}"
                for key in rule.keys_for(protocol)
            ]
            table.add_row(
                rule.rule_id,
                rule.description,
                rule.severity_text,
                "yes" if rule.overridable else "no",
                "\n".join(used),
            )
        self.console.print(table)

    def explain_eligibility(self, key: str) -> None:
        try:
            summary = eligibility_summary(key)
        except PresetError as error:
            raise CommandError(str(error)) from None
        console = self.console
        console.print(f"[bold]{summary.title}[/bold] ({summary.key}, version {summary.version})")
        console.print(summary.summary)
        console.print(summary.exceptions)
        table = Table(title=f"Criteria of {summary.key}")
        table.add_column("Criterion", no_wrap=True)
        table.add_column("Meaning")
        table.add_column("Kind")
        table.add_column("Value")
        table.add_column("Source")
        for row in summary.rows:
            table.add_row(row.criterion_id, row.label, row.kind, row.value_text, row.source_text)
        console.print(table)

    # --- docs --------------------------------------------------------------------------------

    def docs(self, *, check: bool) -> None:
        path = docs_path()
        expected = protocols_markdown()
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if check:
            if current != expected:
                raise CommandError(
                    f"{path} is out of date with the presets; run `openhat rules docs` and commit it."
                )
            self.stdout.write(f"{path} is up to date.")
            return
        if current == expected:
            self.stdout.write(f"{path} is already up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
