"""`migrate` with a progress bar, for the commands that prepare a database (`openhat demo`).

A first migration of an empty database takes a minute or more (every app, with its triggers); the
bar says which migration is running and how many are left, instead of a silent terminal.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from openhat.core.management.commands.migrate import Command as MigrateCommand


def pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class _MigrateWithProgress(MigrateCommand):
    def __init__(self, progress: Progress, task: TaskID) -> None:
        super().__init__()
        self.progress, self.task = progress, task

    def migration_progress_callback(
        self, action: str, migration: Any = None, fake: bool = False
    ) -> None:
        if action == "apply_start":
            self.progress.update(self.task, description=f"Migrating: {migration}")
        elif action == "apply_success":
            self.progress.advance(self.task)


def migrate_with_progress(console: Console) -> int:
    """Apply every pending migration, showing a bar; returns how many were applied."""
    pending = pending_migrations()
    if not pending:
        console.print("The database is up to date.")
        call_command("migrate", interactive=False, verbosity=0)  # post-migrate steps only
        return 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Migrating the database", total=pending)
        call_command(_MigrateWithProgress(progress, task), interactive=False, verbosity=0)
    console.print(f"Applied {pending} migrations.")
    return pending
