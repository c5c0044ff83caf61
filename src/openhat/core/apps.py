from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from openhat.core.database_roles import after_migrate

    after_migrate(using)


class CoreConfig(AppConfig):
    name = "openhat.core"
    label = "core"
    verbose_name = "OpenHAT core"

    def ready(self) -> None:
        from openhat.core import checks  # noqa: F401  (registers the system checks)
        from openhat.core.bounds_forms import install_form_bounds
        from openhat.core.lookups import register

        register()
        # Once per migrate (sent for every app; this one is core's), after every app's tables.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="openhat.after_migrate")
        install_form_bounds()
