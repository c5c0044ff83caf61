"""Django's `flush`, for development and the test suite only.

Emptying the append-only tables is exactly what their guards refuse (core/database_roles.py), so
flush runs as the owner and, when the owner is a superuser (the embedded server's, a test
server's), with `session_replication_role = replica`, which switches triggers off for this session
only. In production mode it is refused: a clinic's records are never emptied.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections

from openhat.core.database_roles import as_owner


class Command(DjangoFlushCommand):
    help = "Empty every table (development and tests only; refused in production mode)."

    def handle(self, **options: Any) -> None:
        if not settings.DEVELOPMENT_MODE:
            raise CommandError("flush would empty the append-only records; refused in production")
        using = options["database"]
        with as_owner(using):
            connection = connections[using]
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                superuser = cursor.fetchone()[0]
                if superuser:
                    cursor.execute("SET session_replication_role = replica")
            try:
                super().handle(**options)
            finally:
                if superuser:
                    with connection.cursor() as cursor:
                        cursor.execute("SET session_replication_role = DEFAULT")
