from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openhat import embedded_db


class Command(BaseCommand):
    help = "Status of the embedded PostgreSQL in var/pg, or stop it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if options["action"] == "stop":
            embedded_db.stop()
            self.stdout.write("Embedded PostgreSQL stopped.")
            return
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"database {database['NAME']} on {database['HOST']}:{database.get('PORT') or 'socket'}"
        )
