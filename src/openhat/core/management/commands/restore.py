"""`openhat restore PATH [--yes]`: replace the database with a backup, then run every verifier.

PATH is a backup's manifest, its dump, or a directory (its newest backup). The dump is checked
against the manifest's SHA-256 and read by pg_restore before anything changes; then every table is
replaced in one transaction (pg_restore --clean --single-transaction), the restore is recorded in
the audit trail, and every verifier runs (openhat.core.verifiers).

Exit status 0 when restored and every verifier passed. Refusals and failures carry a stable code:
backup_not_found, backup_manifest_missing, backup_manifest_invalid, backup_dump_missing,
backup_checksum_mismatch, backup_unreadable, backup_tool_missing, restore_not_confirmed,
restore_schema_newer, restore_failed (nothing changed), restore_verify_failed (restored, but a
verifier found a break).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from io import StringIO
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections, transaction
from rich.console import Console

from openhat.audit.codes import AuditCode
from openhat.audit.context import action_origin
from openhat.audit.services import record_event
from openhat.core import backup
from openhat.core.migrating import migrate_with_progress, pending_migrations
from openhat.core.verifiers import is_replay, run_verifier, verifier_commands

PROCESSING = 'processing data for table "'


class Command(BaseCommand):
    help = "Replace the database with a backup made by `openhat backup`, then run every verifier."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="the backup's manifest (.json), its dump, or a directory")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: replace the database's data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        found = backup.locate(Path(options["path"]).expanduser())
        manifest = found.manifest
        with backup.progress_bar(console, in_bytes=True) as progress:
            task = progress.add_task(
                "checking the dump's SHA-256", total=found.dump_path.stat().st_size
            )
            backup.check_integrity(found, lambda done: progress.advance(task, done))
        target = backup.target()
        server_major = backup.server_major_version()
        restore_tool = backup.find_tool("pg_restore", server_major)
        items = backup.table_of_contents(restore_tool, found.dump_path)
        unknown = sorted(set(manifest["migrations"]) - backup.known_migrations())
        if unknown:
            raise backup.BackupError(
                "restore_schema_newer",
                f"the backup holds {len(unknown)} migration(s) this version of OpenHAT does not "
                f"have (first: {unknown[0]}); restore it with the version that made it",
            )
        console.print(
            f"Backup {found.dump_path.name}: made {manifest['created_at']} from database "
            f"{manifest['database']}, {len(items)} archive items, checksum verified."
        )
        self._confirm(console, target, yes=bool(options["yes"]))

        connections.close_all()  # pg_restore needs the tables; hold no lock on them ourselves
        self._restore(console, target, restore_tool, found, items)
        if pending_migrations():
            console.print("The backup is older than this version's schema; migrating it.")
            migrate_with_progress(console)
        with transaction.atomic(), action_origin(None, "cli:restore"):
            record_event(
                AuditCode.BACKUP_RESTORED,
                actor=None,
                data={
                    "dump": found.dump_path.name,
                    "sha256": manifest["sha256"],
                    "backup_made_at": manifest["created_at"],
                },
            )
        console.print(f"Restored {target.describe()} from {found.dump_path.name}.")
        self._verify(console, found, stream, no_color=bool(options.get("no_color")))

    def _confirm(self, console: Console, target: backup.Target, *, yes: bool) -> None:
        if yes:
            return
        warning = (
            f"This replaces every table of {target.describe()} with the backup: everything "
            "recorded since the backup was made is lost."
        )
        if not sys.stdin.isatty():
            raise backup.BackupError(
                "restore_not_confirmed", f"{warning} Run it with --yes to confirm; nothing changed"
            )
        console.print(warning, style="bold")
        answer = input(f"Type the database's name ({target.name}) to replace it: ").strip()
        if answer != target.name:
            raise backup.BackupError("restore_not_confirmed", "not confirmed; nothing changed")

    def _restore(
        self,
        console: Console,
        target: backup.Target,
        restore_tool: Path,
        found: backup.Backup,
        items: list[str],
    ) -> None:
        command = [
            str(restore_tool),
            *target.arguments,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--verbose",
            str(found.dump_path),
        ]
        tables = sum(1 for item in items if " TABLE DATA " in item)
        environment = target.environment(PGOPTIONS=f"-c lock_timeout={backup.RESTORE_LOCK_TIMEOUT}")
        with backup.progress_bar(console) as progress:
            task = progress.add_task("restoring", total=tables)

            def on_line(line: str) -> None:
                if PROCESSING in line:
                    table = line.split(PROCESSING, 1)[1].rstrip('"')
                    progress.update(task, advance=1, description=f"restoring {table[:40]}")

            status, tail = backup.run_with_progress(command, environment, on_line)
        if status != 0:
            detail = backup.failure_lines(tail)
            hint = ""
            if "lock timeout" in detail:
                hint = "\nThe database is busy: stop the OpenHAT server and run the restore again."
            raise backup.BackupError(
                "restore_failed",
                f"pg_restore exited with {status}; nothing changed (one transaction):\n{detail}{hint}",
            )

    def _verify(
        self, console: Console, found: backup.Backup, stream: TextIO, *, no_color: bool
    ) -> None:
        console.print("Running every verifier on the restored database:")
        commands = verifier_commands()
        checks = [
            run_verifier(arguments, stream, no_color=no_color)
            for arguments in commands
            if not is_replay(arguments)
        ]
        replays = []
        # One replay per dosing day, each quiet (a day that differs lists every decision).
        with backup.progress_bar(console) as progress:
            days = [arguments for arguments in commands if is_replay(arguments)]
            task = progress.add_task("replaying each dosing day", total=len(days))
            for arguments in days:
                replays.append(run_verifier(arguments, StringIO(), no_color=no_color))
                progress.advance(task)
        for result in checks:
            console.print(f"  {'passed' if result.passed else 'FAILED'}  openhat {result.command}")
        differing = [result for result in replays if not result.passed]
        if replays:
            verdict = "FAILED" if differing else "passed"
            console.print(
                f"  {verdict}  openhat sessions replay, each of {len(replays)} dosing days"
                + (f": {len(differing)} with decisions that differ" if differing else "")
            )
        problems = [
            f"openhat {result.command}: {result.problem}" for result in checks if not result.passed
        ]
        if differing:
            problems.append(
                f"openhat sessions replay: {len(differing)} of {len(replays)} days differ "
                f"(first: {differing[0].problem}; run `openhat sessions replay --date D` for the "
                "decisions; a difference in engine_version alone means the rules engine changed "
                "since the decisions were made)"
            )
        if not problems:
            console.print(f"Every verifier passed ({len(checks) + len(replays)} runs).")
            return
        later = _checkpoints_after(found)
        note = ""
        if later:
            note = (
                f" {later} signed checkpoint(s) were made after this backup: they record rows the "
                "backup does not hold, so the chains' verifiers report those rows as missing."
            )
        raise backup.BackupError(
            "restore_verify_failed",
            f"restored, but {len(problems)} verifier(s) failed: " + "; ".join(problems) + note,
        )


def _checkpoints_after(found: backup.Backup) -> int:
    directory = getattr(settings, "CHECKPOINT_DIR", None)
    if directory is None or not Path(directory).is_dir():
        return 0
    made = found.created_at.timestamp()
    return sum(1 for path in Path(directory).iterdir() if path.stat().st_mtime > made)
