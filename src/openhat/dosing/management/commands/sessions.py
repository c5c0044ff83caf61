"""`openhat sessions replay --date D`: replay every stored decision of a dosing day.

Exit status 0 when every decision comes out the same; 1, naming each that would differ and in
which fields, otherwise (an engine or preset change that alters past decisions shows up here).

`openhat sessions close-stale [--clinic CODE]`: close every open session whose window has ended
as "not completed" (dosing.services.stale); run it after each window. Sessions with a drawn dose
(to be wasted with a witness) or an observation still running are named and left for a nurse.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import date
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.clinics.models import Clinic
from openhat.dosing.replay import decisions_of_day, replay_day
from openhat.dosing.services.stale import close_stale_sessions


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date takes YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "Dosing sessions: `replay --date YYYY-MM-DD` re-runs every stored decision of that day; "
        "`close-stale` closes open sessions whose window has ended as not completed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{replay,close-stale}", required=True
        )
        replay = subcommands.add_parser("replay", help="replay every stored decision of a day")
        replay.add_argument("--date", required=True, help="the dosing day, YYYY-MM-DD")
        replay.add_argument("--clinic", default=None, help="only this clinic's code")
        close = subcommands.add_parser(
            "close-stale", help="close open sessions whose window has ended as not completed"
        )
        close.add_argument("--clinic", default=None, help="only this clinic's code")

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        if options["subcommand"] == "close-stale":
            self._close_stale(console, options["clinic"])
            return
        day = _day(options["date"])
        total = decisions_of_day(day, options["clinic"]).count()
        with Progress(
            TextColumn("replay"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("replay", total=total)
            checked, differences = replay_day(
                day, options["clinic"], lambda: progress.advance(task)
            )
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
