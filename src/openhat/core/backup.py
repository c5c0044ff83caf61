"""Backups of the whole database with pg_dump, and restoring them with pg_restore.

A backup is two files in one directory (default `var/backups`):
- `openhat-<database>-<UTC time>.dump`: pg_dump's custom format (compressed, restored table by
  table by pg_restore);
- the same name with `.json`: the manifest (when, which database and server, the dump's size and
  SHA-256, the migrations it holds).

The checksum finds a dump damaged on disk or in transit; it is not a seal against someone who
rewrites both files (the restored chains are checked against their signed checkpoints for that).
Restoring replaces every table of the database in one transaction: when pg_restore fails, nothing
has changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import connection
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

MANIFEST_FORMAT = "openhat-backup/1"
DUMP_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".json"
# Waiting longer than this for a table's lock (a running server in the middle of a write) ends the
# restore with nothing changed, rather than hanging.
RESTORE_LOCK_TIMEOUT = "30s"
READ_CHUNK = 1 << 20


class BackupError(CommandError):
    """A refusal with a stable code, printed as `code: message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True)
class Target:
    """Where pg_dump and pg_restore connect: the configured database, as a role that owns it."""

    name: str
    user: str
    password: str
    host: str
    port: str

    @property
    def arguments(self) -> list[str]:
        arguments = ["--dbname", self.name, "--username", self.user]
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        return arguments

    def environment(self, **extra: str) -> dict[str, str]:
        environment = {**os.environ, **extra}
        for key in ("PGPASSWORD", "PGOPTIONS", "PGSERVICE", "PGDATABASE"):
            if key not in extra:
                environment.pop(key, None)
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment

    def describe(self) -> str:
        where = self.host or "localhost"
        return (
            f"database {self.name} on {where}:{self.port}"
            if self.port
            else f"database {self.name} on {where}"
        )


def target() -> Target:
    """The database Django is configured for, reached with the owner's login (settings.
    OPENHAT_DATABASE_OWNER: the embedded server's superuser, or OPENHAT_MIGRATE_DATABASE_URL's
    role), who owns the tables and so may restore them; the application's role may not."""
    from django.conf import settings as django_settings

    login = {**connection.settings_dict, **django_settings.OPENHAT_DATABASE_OWNER}
    return Target(
        name=str(login["NAME"]),
        user=str(login.get("USER") or ""),
        password=str(login.get("PASSWORD") or ""),
        host=str(login.get("HOST") or ""),
        port=str(login.get("PORT") or ""),
    )


def server_major_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _candidate_tools(name: str) -> list[Path]:
    """pgserver's own binaries first (the embedded server's version), then the system's."""
    found: list[Path] = []
    try:
        import pgserver

        found.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return [path for path in found if path.is_file() and os.access(path, os.X_OK)]


def _tool_major_version(path: Path) -> int:
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client found above, fixed arguments)
        [str(path), "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    match = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
    return int(match.group(1)) if match else 0


def find_tool(name: str, server_major: int) -> Path:
    """A pg_dump or pg_restore at least as new as the server (older ones refuse newer servers)."""
    candidates = _candidate_tools(name)
    for path in candidates:
        if _tool_major_version(path) >= server_major:
            return path
    seen = ", ".join(f"{p} ({_tool_major_version(p)})" for p in candidates) or "none"
    raise BackupError(
        "backup_tool_missing",
        f"no {name} of PostgreSQL {server_major} or newer was found (found: {seen}); install "
        f"the PostgreSQL {server_major} client tools",
    )


def sha256_of(path: Path, on_bytes: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest()


def run_with_progress(
    command: list[str], environment: dict[str, str], on_line: Callable[[str], None]
) -> tuple[int, list[str]]:
    """Run a PostgreSQL tool with --verbose, passing each line of its stderr to `on_line` (the
    progress bar); returns the exit status and the last lines (for the error message)."""
    process = subprocess.Popen(  # noqa: S603 (a PostgreSQL client found by find_tool)
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    tail: list[str] = []
    assert process.stderr is not None
    for raw in process.stderr:
        line = raw.rstrip("\n")
        on_line(line)
        tail = [*tail[-39:], line]
    return process.wait(), tail


def failure_lines(tail: list[str]) -> str:
    """The lines of a tool's output that say what went wrong (else its last lines)."""
    wrong = [line for line in tail if "error" in line.lower() or "fatal" in line.lower()]
    return "\n".join((wrong or tail)[-8:])


def applied_migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
        return [row[0] for row in cursor.fetchall()]


def known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def backup_name(database: str, at: datetime) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", database)
    return f"openhat-{safe}-{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.chmod(0o600)
    partial.replace(path)


@dataclass(frozen=True)
class Backup:
    manifest_path: Path
    dump_path: Path
    manifest: dict[str, Any]

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(str(self.manifest["created_at"]))


REQUIRED_FIELDS = ("format", "created_at", "database", "dump", "bytes", "sha256", "migrations")


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError("backup_manifest_invalid", f"{path} is not readable: {error}") from None
    missing = [
        key for key in REQUIRED_FIELDS if not isinstance(manifest, dict) or key not in manifest
    ]
    if missing or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(
            "backup_manifest_invalid",
            f"{path} is not an OpenHAT backup manifest ({MANIFEST_FORMAT}); "
            + (
                f"missing {', '.join(missing)}" if missing else f"format {manifest.get('format')!r}"
            ),
        )
    try:
        datetime.fromisoformat(str(manifest["created_at"]))
    except ValueError:
        raise BackupError("backup_manifest_invalid", f"{path}: created_at is not a time") from None
    return manifest


def locate(path: Path) -> Backup:
    """The backup a path names: its manifest, its dump, or a directory (its newest backup)."""
    if not path.exists():
        raise BackupError("backup_not_found", f"{path} does not exist")
    if path.is_dir():
        manifests = sorted(path.glob(f"openhat-*{MANIFEST_SUFFIX}"))
        if not manifests:
            raise BackupError("backup_not_found", f"{path} holds no backup manifest")
        path = manifests[-1]
    if path.suffix == DUMP_SUFFIX:
        manifest_path = path.with_suffix(MANIFEST_SUFFIX)
        if not manifest_path.exists():
            raise BackupError(
                "backup_manifest_missing",
                f"{manifest_path.name} (the manifest with the dump's checksum) is not beside "
                f"{path.name}",
            )
    else:
        manifest_path = path
    manifest = _read_manifest(manifest_path)
    dump_path = manifest_path.parent / Path(str(manifest["dump"])).name
    if not dump_path.is_file():
        raise BackupError(
            "backup_dump_missing",
            f"the manifest names {dump_path.name}, which is not in {dump_path.parent}",
        )
    return Backup(manifest_path, dump_path, manifest)


def check_integrity(backup: Backup, on_bytes: Callable[[int], None] | None = None) -> None:
    size = backup.dump_path.stat().st_size
    expected_size = int(backup.manifest["bytes"])
    actual = sha256_of(backup.dump_path, on_bytes)
    if actual != backup.manifest["sha256"] or size != expected_size:
        raise BackupError(
            "backup_checksum_mismatch",
            f"{backup.dump_path.name} does not match its manifest (SHA-256 {actual[:16]}..., "
            f"{size} bytes; the manifest says {str(backup.manifest['sha256'])[:16]}..., "
            f"{expected_size} bytes): the file is damaged or is not this backup's; nothing was "
            "restored",
        )


def table_of_contents(restore_tool: Path, dump_path: Path) -> list[str]:
    """pg_restore's list of the archive's items; refuses a file it cannot read."""
    result = subprocess.run(  # noqa: S603 (pg_restore found by find_tool, fixed arguments)
        [str(restore_tool), "--list", str(dump_path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise BackupError(
            "backup_unreadable",
            f"pg_restore cannot read {dump_path.name}: {failure_lines(result.stderr.splitlines())}",
        )
    return [line for line in result.stdout.splitlines() if line and not line.startswith(";")]


def progress_bar(console: Console, *, in_bytes: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
