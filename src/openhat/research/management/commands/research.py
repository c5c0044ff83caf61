"""`openhat research ...`: studies, their secrets, and exports (docs/research.md).

  register-study --as MANAGER --key KEY --name "PURPOSE" --dates shifted|relative [--clinic CODE]
  secret --clinic CODE --study KEY [--rotate]      make (or rotate) the study's secret file
  export --as RESEARCHER --study KEY --out DIR [--clinic CODE] [--fhir]
  fhir-export --as MANAGER --out DIR [--clinic CODE]   the clinic's own full FHIR NDJSON

`--clinic` may be left out when the user works in one clinic only. A refusal (no study, no secret,
a role that may not) prints its code and message, exits with status 1 and writes nothing.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from openhat.audit.context import action_origin
from openhat.clinics.access import active_memberships
from openhat.clinics.models import Clinic
from openhat.core.errors import DomainError
from openhat.research.clinic_export import clinic_fhir_export
from openhat.research.files import write_out
from openhat.research.models import DateMode, ExportKind
from openhat.research.secrets import secret_path, write_secret
from openhat.research.services import make_export
from openhat.research.studies import register_study

EXPORT_STEPS = 12  # consents, records, 7 tables, the FHIR check or dictionaries, recording


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def _clinic(user: User | None, code: str | None) -> Clinic:
    if code:
        clinic = Clinic.objects.filter(code=code.strip().upper()).first()
        if clinic is None:
            raise CommandError(f"no clinic {code!r}")
        return clinic
    clinics = [m.clinic for m in active_memberships(user)] if user is not None else []
    if len(clinics) != 1:
        raise CommandError("name the clinic with --clinic CODE")
    return clinics[0]


def _refuse(error: DomainError) -> CommandError:
    return CommandError(f"{error.code}: {error.message} Nothing was exported.")


def _empty_or_new(out: str) -> Path:
    directory = Path(out)
    if directory.exists() and any(directory.iterdir()):
        raise CommandError(f"export_out_not_empty: {directory} is not empty; nothing was exported.")
    return directory


class Command(BaseCommand):
    help = "Research studies, their secrets and exports; the clinic's full FHIR export."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(
            dest="subcommand",
            metavar="{register-study,secret,export,fhir-export}",
            required=True,
        )
        register = sub.add_parser("register-study", help="register a study (a manager)")
        register.add_argument("--as", dest="username", required=True)
        register.add_argument("--clinic", default=None)
        register.add_argument("--key", required=True, help="short name, e.g. hat-cohort")
        register.add_argument("--name", required=True, help="as the consents give the purpose")
        register.add_argument("--dates", required=True, choices=DateMode.values)
        secret = sub.add_parser("secret", help="make or rotate a study's secret file")
        secret.add_argument("--clinic", required=True)
        secret.add_argument("--study", required=True)
        secret.add_argument("--rotate", action="store_true")
        export = sub.add_parser("export", help="a study's pseudonymised export (a researcher)")
        export.add_argument("--as", dest="username", required=True)
        export.add_argument("--clinic", default=None)
        export.add_argument("--study", default=None)
        export.add_argument("--out", required=True, help="an empty or new directory")
        export.add_argument("--fhir", action="store_true", help="FHIR NDJSON instead of tables")
        full = sub.add_parser("fhir-export", help="the clinic's own full FHIR export (a manager)")
        full.add_argument("--as", dest="username", required=True)
        full.add_argument("--clinic", default=None)
        full.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = getattr(self.stdout, "_out", sys.stdout)
        console = Console(
            file=stream, no_color=bool(options.get("no_color")), highlight=False, soft_wrap=True
        )
        command = options["subcommand"]
        try:
            with action_origin(None, f"cli:research {command}"):
                getattr(self, command.replace("-", "_"))(console, options)
        except DomainError as error:
            raise _refuse(error) from None

    def register_study(self, console: Console, options: dict[str, Any]) -> None:
        user = _user(options["username"])
        study = register_study(
            actor=user,
            clinic=_clinic(user, options["clinic"]),
            key=options["key"],
            name=options["name"],
            date_mode=options["dates"],
        )
        console.print(f"study {study.key} registered: {study.name!r}, {study.date_mode} dates")

    def secret(self, console: Console, options: dict[str, Any]) -> None:
        clinic = _clinic(None, options["clinic"])
        made = write_secret(clinic.code, options["study"].strip().lower(), rotate=options["rotate"])
        path = secret_path(clinic.code, options["study"].strip().lower())
        console.print(f"secret {made.secret_id} in {path}")

    def export(self, console: Console, options: dict[str, Any]) -> None:
        user = _user(options["username"])
        clinic = _clinic(user, options["clinic"])
        out = _empty_or_new(options["out"])
        kind = ExportKind.FHIR_NDJSON if options["fhir"] else ExportKind.TABLES
        with Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("starting", total=EXPORT_STEPS)

            def step(label: str) -> None:
                progress.update(task, description=label, advance=1)

            result = make_export(
                actor=user, clinic=clinic, study_key=options["study"], kind=kind, on_step=step
            )
            progress.update(task, description="done", completed=EXPORT_STEPS)
        write_out(result.files, out)
        record = result.record
        reasons = ", ".join(f"{count} {reason}" for reason, count in record.left_out_items)
        console.print(
            f"export {record.pk} of study {record.study.key}: {record.included} patients "
            f"included, {record.left_out_total} left out" + (f": {reasons}" if reasons else "")
        )
        for name, rows in record.row_counts.items():
            console.print(f"  {name}: {rows} rows, sha256 {record.file_hashes[name][:16]}...")
        console.print(f"written to {out}")

    def fhir_export(self, console: Console, options: dict[str, Any]) -> None:
        user = _user(options["username"])
        clinic = _clinic(user, options["clinic"])
        out = _empty_or_new(options["out"])
        with console.status("building and validating the clinic's FHIR resources"):
            files = clinic_fhir_export(actor=user, clinic=clinic)
        write_out(files, out)
        for name, count in files.rows.items():
            console.print(f"  {name}: {count} resources")
        console.print(f"written to {out} (identifiable: keep it inside the clinic)")
