"""`openhat audit verify`: recompute every hash chain of the audit trail (docs/domain.md).

Each chain is checked row by row with the chain key and against every signed checkpoint
(docs/chains.md). Exit status 0 when every chain is intact; non-zero, naming the first broken row
of each table, when a row was altered, deleted or re-hashed, rows are missing from a chain's end,
or a checkpoint file does not verify. Every run is itself recorded as an audit event.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.audit.checkpoints import load_anchors
from openhat.audit.codes import AuditCode
from openhat.audit.context import action_origin
from openhat.audit.services import CHAINED_TABLES, record_event, verify_chain
from openhat.audit.walk import ChainBreak
from openhat.clinics.models import Clinic


def describe_chain(chain_key: int) -> str:
    if chain_key == 0:
        return "chain 0 (events outside any clinic)"
    code = Clinic.objects.filter(pk=chain_key).values_list("code", flat=True).first()
    return f"clinic chain {chain_key} ({code})" if code else f"clinic chain {chain_key}"


def describe_break(broken: ChainBreak) -> str:
    row = f"row id {broken.row_id}, " if broken.row_id is not None else ""
    return (
        f"table {broken.table}, {row}{describe_chain(broken.chain_key)}, "
        f"position {broken.chain_seq}: {broken.problem}"
    )


class Command(BaseCommand):
    help = "Check the audit trail: `verify` recomputes every hash chain and names the first broken row."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="{verify}", required=True)
        subcommands.add_parser(
            "verify",
            help="recompute the hash chains of the audit events and the access log",
            description="Exit status 0 when every chain is intact, 1 when a row was altered or deleted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(no_color=bool(options.get("no_color")))

    def verify(self, *, no_color: bool) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(file=stream, no_color=no_color, highlight=False, soft_wrap=True)
        counts: dict[str, int] = {}
        breaks: list[ChainBreak] = []
        anchors = load_anchors()
        totals = {table: model._default_manager.count() for table, model in CHAINED_TABLES}
        with Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            for table, model in CHAINED_TABLES:
                task = progress.add_task(table, total=totals[table])

                def advance(task_id: Any = task) -> None:
                    progress.advance(task_id)

                checked, broken = verify_chain(model, table, on_row=advance, anchors=anchors)
                counts[table] = checked
                if broken is None:
                    # Rows appended since the count are not in the snapshot we read.
                    progress.update(task, total=checked, completed=checked)
                else:
                    breaks.append(broken)

        broken_tables = {broken.table for broken in breaks}
        for table, _model in CHAINED_TABLES:
            verdict = "stopped at the first broken row" if table in broken_tables else "intact"
            console.print(f"{table}: {counts[table]} rows checked, {verdict}")
        with transaction.atomic(), action_origin(None, "cli:audit verify"):
            record_event(
                AuditCode.AUDIT_CHAIN_VERIFIED,
                actor=None,
                data={
                    "rows_checked": counts,
                    "intact": not breaks and not anchors.problems,
                    "checkpoint_problems": anchors.problems,
                    "breaks": [
                        {
                            "table": b.table,
                            "row_id": b.row_id,
                            "chain_key": b.chain_key,
                            "position": b.chain_seq,
                            "problem": b.problem,
                        }
                        for b in breaks
                    ],
                },
            )
        for problem in anchors.problems:
            console.print(f"BROKEN: {problem}")
        if breaks or anchors.problems:
            for broken in breaks:
                console.print(f"BROKEN: first broken row in {describe_break(broken)}")
            raise CommandError(
                "the audit trail has been tampered with: "
                + "; ".join([*(describe_break(broken) for broken in breaks), *anchors.problems])
            )
        console.print(f"Audit trail intact: {sum(counts.values())} rows in {len(counts)} tables.")
