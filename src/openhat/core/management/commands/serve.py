from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve OpenHAT with Django's development server (development mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.DEVELOPMENT_MODE:
            raise CommandError(
                "In production mode, run a WSGI server on openhat.wsgi:application behind TLS; "
                "`openhat serve` is the development server."
            )
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port} is not a port number (1-65535)")
        call_command(
            "runserver",
            f"{options['host']}:{port}",
            use_reloader=False,
            insecure_serving=True,
            use_threading=True,
        )
