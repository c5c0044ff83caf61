"""Django's `migrate`, run as the database's owner (core/database_roles.py): the application's own
role cannot change the schema. After the migrations, the owner puts the append-only guards in
place and grants the application's role row access (a post_migrate step, core/apps.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from openhat.core.database_roles import as_owner


class Command(DjangoMigrateCommand):
    help = "Apply the migrations, as the database's owner (OPENHAT_MIGRATE_DATABASE_URL)."

    def handle(self, *args: Any, **options: Any) -> None:
        with as_owner(options["database"]):
            super().handle(*args, **options)
