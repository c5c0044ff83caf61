"""`openhat backup [--to DIR]`: the whole database as a pg_dump custom-format file, with a manifest.

See openhat.core.backup for the files. Exit status 0 when both files are written; non-zero with a
stable code (`backup_tool_missing`, `backup_failed`, `backup_directory_unwritable`) otherwise.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand
from django.db import transaction
from rich.console import Console
from rich.progress import Progress

from openhat.audit.codes import AuditCode
from openhat.audit.context import action_origin
from openhat.audit.services import record_event
from openhat.core import backup
from openhat.embedded_db import var_dir

DUMPING = 'dumping contents of table "'


def default_directory() -> Path:
    return var_dir() / "backups"


def _table_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%%'"
        )
        return int(cursor.fetchone()[0])


class Command(BaseCommand):
    help = "Back up the whole database (pg_dump custom format) with a manifest holding its SHA-256."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--to",
            dest="directory",
            default=None,
            help="the directory for the dump and its manifest (default: var/backups)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        directory = Path(options["directory"] or default_directory()).resolve()
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = directory / ".openhat-backup-probe"
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise backup.BackupError(
                "backup_directory_unwritable", f"cannot write to {directory}: {error}"
            ) from None
        target = backup.target()
        server_major = backup.server_major_version()
        dump_tool = backup.find_tool("pg_dump", server_major)
        restore_tool = backup.find_tool("pg_restore", server_major)
        migrations = backup.applied_migrations()
        created_at = datetime.now(UTC)
        name = backup.backup_name(target.name, created_at)
        dump_path = directory / f"{name}{backup.DUMP_SUFFIX}"
        partial = dump_path.with_name(dump_path.name + ".partial")
        console.print(f"Backing up {target.describe()} with {dump_tool}")

        def dumped(progress: Progress, task: Any) -> Any:
            def on_line(line: str) -> None:
                if DUMPING in line:
                    table = line.split(DUMPING, 1)[1].rstrip('"')
                    progress.update(task, advance=1, description=f"dumping {table[:40]}")

            return on_line

        command = [
            str(dump_tool),
            *target.arguments,
            "--format=custom",
            "--verbose",
            "--no-password",
            "--file",
            str(partial),
        ]
        with backup.progress_bar(console) as progress:
            task = progress.add_task("dumping", total=_table_count())
            status, tail = backup.run_with_progress(
                command, target.environment(), dumped(progress, task)
            )
        if status != 0:
            partial.unlink(missing_ok=True)
            raise backup.BackupError(
                "backup_failed", f"pg_dump exited with {status}:\n{backup.failure_lines(tail)}"
            )
        partial.chmod(0o600)
        partial.replace(dump_path)
        size = dump_path.stat().st_size
        with backup.progress_bar(console, in_bytes=True) as progress:
            task = progress.add_task("checksum", total=size)
            digest = backup.sha256_of(dump_path, lambda done: progress.advance(task, done))
        items = backup.table_of_contents(restore_tool, dump_path)
        manifest = {
            "format": backup.MANIFEST_FORMAT,
            "created_at": created_at.isoformat(),
            "database": target.name,
            "host": target.host,
            "server_version": server_major,
            "pg_dump": str(dump_tool),
            "dump": dump_path.name,
            "bytes": size,
            "sha256": digest,
            "archive_items": len(items),
            "migrations": migrations,
        }
        manifest_path = dump_path.with_suffix(backup.MANIFEST_SUFFIX)
        backup.write_manifest(manifest_path, manifest)
        with transaction.atomic(), action_origin(None, "cli:backup"):
            record_event(
                AuditCode.BACKUP_MADE,
                actor=None,
                data={"dump": dump_path.name, "bytes": size, "sha256": digest},
            )
        console.print(f"Backup written: {dump_path} ({_size(size)}, SHA-256 {digest})")
        console.print(f"Manifest: {manifest_path}")
        console.print(
            "The dump holds identifying data: keep it encrypted and off this machine.",
            style="bold",
        )


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
