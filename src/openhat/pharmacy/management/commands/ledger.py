"""`openhat ledger verify`: recompute the ledger's hash chains and running balances.

Exit status 0 when every clinic's ledger is intact; 1, naming the first entry that does not fit,
otherwise (docs/domain.md). Each chain is also checked against the signed checkpoints
(docs/chains.md), so entries deleted from its end are found. Each run is recorded in the audit
trail.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.audit.codes import AuditCode
from openhat.audit.context import action_origin
from openhat.audit.services import record_event
from openhat.clinics.models import Clinic
from openhat.pharmacy.models import LedgerEntry
from openhat.pharmacy.verify import LedgerBreak, verify_ledger


def describe(broken: LedgerBreak) -> str:
    """The clinic, then the entry (or the position after the chain's end), then the problem."""
    code = Clinic.objects.filter(pk=broken.clinic_id).values_list("code", flat=True).first()
    where = f"clinic {code or broken.clinic_id}"
    if broken.entry_id is None:
        return f"{where}: {broken.problem}"

    return f"{where}, entry id {broken.entry_id} at position {broken.chain_seq}: {broken.problem}"


class Command(BaseCommand):
    help = "The controlled-substance ledger: `verify` recomputes its hash chains and balances."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="{verify}", required=True)
        subcommands.add_parser(
            "verify",
            help="recompute every clinic's ledger chain and running balances",
            description="Exit status 0 when intact, 1 naming the first entry that does not fit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        total = LedgerEntry.objects.count()
        with Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("ledger", total=total)
            report = verify_ledger(on_entry=lambda: progress.advance(task))
            progress.update(task, completed=total)
        with transaction.atomic(), action_origin(None, "cli:ledger verify"):
            record_event(
                AuditCode.LEDGER_VERIFIED,
                actor=None,
                data={
                    "entries_checked": report.entries_checked,
                    "balances_checked": report.balances_checked,
                    "intact": report.intact,
                    "breaks": [describe(broken) for broken in report.breaks],
                    "checkpoint_problems": report.checkpoint_problems,
                },
            )
        console.print(
            f"{report.entries_checked} ledger entries and {report.balances_checked} balances checked."
        )
        if not report.intact:
            problems = [describe(broken) for broken in report.breaks] + report.checkpoint_problems
            for problem in problems:
                console.print(f"BROKEN: {problem}")
            raise CommandError("the ledger does not fit: " + "; ".join(problems))
        console.print("Ledger intact: every chain, running balance and stock balance fits.")
