from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from openhat.clinics.roles import Role
from openhat.core.migrating import migrate_with_progress
from openhat.simulate.demo_clinic import DEMO_PASSWORD, load_demo_clinic


class Command(BaseCommand):
    help = "Migrate, load the synthetic demo clinic (once) and serve it. Development mode only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.DEVELOPMENT_MODE:
            raise CommandError(
                "The demo loads synthetic patients and is refused in production mode."
            )
        console = Console()
        console.print("[bold]OpenHAT demo[/bold] (development mode, synthetic data)")
        migrate_with_progress(console)
        call_command("load_demo")
        result = load_demo_clinic()  # already loaded: only describes it

        first, *others = result.clinics  # the clinic switcher lists them by code
        console.print("\nDemo clinics:", highlight=False)
        for clinic in result.clinics:
            console.print(f"  {clinic.code}  {clinic.name}", highlight=False)
        console.print(
            f"Every account below is a member of each demo clinic with the same role. You start "
            f"in {first.code}; switch to {' or '.join(c.code for c in others)} with the clinic "
            "switcher at the top right.",
            highlight=False,
        )
        console.print(
            "Each clinic's pharmacy holds four weeks of stock history; ZRH has one open count "
            "discrepancy to investigate (as demo-pharmacist).",
            soft_wrap=True,
            highlight=False,
        )
        console.print(
            f"\nDemo sign-ins (password for every account: [bold]{DEMO_PASSWORD}[/bold]):"
        )
        for role in Role:
            username = result.staff[role.value]
            line = f"  {role.label:<27} {username:<26}"
            secret = result.totp_secrets.get(username)
            if secret:
                line += f" + authenticator code: `.venv/bin/openhat demo_code {username}` (TOTP secret {secret})"
            console.print(line, soft_wrap=True, highlight=False)
        address = f"http://{options['host']}:{options['port']}/"
        console.print(f"\nServing OpenHAT at [bold]{address}[/bold]  (Ctrl+C to stop)\n")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
