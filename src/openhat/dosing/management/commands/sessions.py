"""`openhat sessions replay --date D` and `openhat sessions verify`.

replay: re-run every stored decision of a dosing day and compare each stored dose with its
decision's maximum. Exit status 0 when every decision comes out the same and no dose is above
its maximum; 1, naming each difference, otherwise (an engine or preset change that alters past
decisions shows up here, and so does a dose changed in the database).

verify: the chains of decisions, administrations and adverse events (keyed hashes, signed
checkpoints), and every administration against its ledger entries (dosing.verify). Each run is
recorded in the audit trail.

close-stale [--clinic CODE]: close every open session whose window has ended as "not completed"
(dosing.services.stale); run it after each window. Sessions with a drawn dose (to be wasted with a
witness) or an observation still running are named and left for a nurse.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import date
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.audit.codes import AuditCode
from openhat.audit.context import action_origin
from openhat.audit.services import record_event
from openhat.clinics.models import Clinic
from openhat.dosing.replay import decisions_of_day, replay_day
from openhat.dosing.services.stale import close_stale_sessions
from openhat.dosing.verify import DOSING_CHAINS, SessionsReport, verify_sessions


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date takes YYYY-MM-DD, not {text!r}") from None


def _progress(console: Console, label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def report_lines(report: SessionsReport) -> list[str]:
    lines = [
        f"table {b.table}, clinic chain {b.chain_key}, "
        + (f"row id {b.row_id}, " if b.row_id is not None else "")
        + f"position {b.chain_seq}: {b.problem}"
        for b in report.breaks
    ]
    lines += [
        f"administration {m.administration_id} (session {m.session_id}): {m.problem}"
        for m in report.mismatches
    ]
    return lines + report.checkpoint_problems


class Command(BaseCommand):
    help = (
        "Dosing sessions: `replay --date YYYY-MM-DD` re-runs every stored decision of that day; "
        "`verify` checks the dosing records' chains and every dose against the ledger; "
        "`close-stale` closes open sessions whose window has ended as not completed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{replay,verify,close-stale}", required=True
        )
        replay = subcommands.add_parser("replay", help="replay every stored decision of a day")
        replay.add_argument("--date", required=True, help="the dosing day, YYYY-MM-DD")
        replay.add_argument("--clinic", default=None, help="only this clinic's code")
        subcommands.add_parser(
            "verify",
            help="check the dosing records' hash chains and every dose against the ledger",
            description="Exit status 0 when intact, 1 naming each break.",
        )
        close = subcommands.add_parser(
            "close-stale", help="close open sessions whose window has ended as not completed"
        )
        close.add_argument("--clinic", default=None, help="only this clinic's code")

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        if options["subcommand"] == "verify":
            self.verify(console)
        elif options["subcommand"] == "close-stale":
            self._close_stale(console, options["clinic"])
        else:
            self.replay(console, _day(options["date"]), options["clinic"])

    def verify(self, console: Console) -> None:
        total = sum(model._default_manager.count() for _table, model in DOSING_CHAINS)
        with _progress(console, "sessions") as progress:
            task = progress.add_task("sessions", total=total)
            report = verify_sessions(on_row=lambda: progress.advance(task))
            progress.update(task, completed=total)
        problems = report_lines(report)
        with transaction.atomic(), action_origin(None, "cli:sessions verify"):
            record_event(
                AuditCode.SESSIONS_VERIFIED,
                actor=None,
                data={
                    "rows_checked": report.rows_checked,
                    "administrations_checked": report.administrations_checked,
                    "intact": report.intact,
                    "breaks": problems,
                },
            )
        for table, checked in report.rows_checked.items():
            console.print(f"{table}: {checked} rows checked")
        console.print(
            f"{report.administrations_checked} administrations checked against the ledger."
        )
        if problems:
            for problem in problems:
                console.print(f"BROKEN: {problem}")
            raise CommandError("the dosing records do not fit: " + "; ".join(problems))
        console.print("Dosing records intact: every chain fits, every dose adds up.")

    def replay(self, console: Console, day: date, clinic: str | None) -> None:
        total = decisions_of_day(day, clinic).count()
        with _progress(console, "replay") as progress:
            task = progress.add_task("replay", total=total)
            checked, differences = replay_day(day, clinic, lambda: progress.advance(task))
        console.print(
            f"{checked} decisions of {day.isoformat()} replayed; {len(differences)} differ."
        )
        for difference in differences:
            console.print(
                f"DIFFERS: decision {difference.decision_id} (session {difference.session_id}): "
                + ", ".join(difference.fields)
            )
        if differences:
            raise CommandError(f"{len(differences)} decision(s) of {day.isoformat()} would differ")

    def _close_stale(self, console: Console, code: str | None) -> None:
        clinic = None
        if code is not None:
            clinic = Clinic.objects.filter(code=code).first()
            if clinic is None:
                raise CommandError(f"No clinic with the code {code!r}.")
        closed, left = close_stale_sessions(clinic)
        console.print(f"{len(closed)} stale session(s) closed as not completed.")
        for session_id in left:
            console.print(
                f"LEFT OPEN: session {session_id} (a drawn dose to waste with a witness, or its "
                "observation still running): a nurse ends it from the board."
            )
