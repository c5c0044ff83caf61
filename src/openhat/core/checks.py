"""System checks for the deployment (`openhat check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.database, deploy=True)
def application_role_is_not_the_owner(**kwargs: Any) -> list[Warning]:
    """The application should not connect as the owner of its tables: an owner can disable the
    append-only guards and TRUNCATE (core/database_roles.py)."""
    if settings.OPENHAT_DATABASE_APP_ROLE:
        return []
    return [
        Warning(
            "The application connects as the owner of its tables, who can disable the "
            "append-only guards.",
            hint="Set OPENHAT_MIGRATE_DATABASE_URL to the owner's login and DATABASE_URL to a "
            "role without ownership or superuser rights (README: Database roles).",
            id="openhat.W001",
        )
    ]
