from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.audit.context import action_origin
from openhat.simulate.demo_clinic import DEMO_LOAD_STEPS, load_demo_clinic
from openhat.simulate.demo_dosing_figures import summary_lines


class Command(BaseCommand):
    help = "Load the synthetic demo clinics ZRH and VAN (does nothing if they are already loaded)."

    def handle(self, *args: Any, **options: Any) -> None:
        columns = (
            TextColumn("{task.description:<44}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with (
            Progress(*columns, transient=True) as progress,
            action_origin(None, "cli:load_demo"),
        ):
            task = progress.add_task("Loading the demo clinics", total=DEMO_LOAD_STEPS)
            result = load_demo_clinic(
                progress=lambda done, total, stage: progress.update(
                    task, completed=done, description=f"Loading the demo: {stage}"
                )
            )
        verb = "Loaded" if result.created else "Found the already loaded"
        listed = "; ".join(f"{clinic.code} ({clinic.name})" for clinic in result.clinics)
        self.stdout.write(f"{verb} demo clinics {listed}.")
        for line in summary_lines(result.clinics):
            self.stdout.write(line)
