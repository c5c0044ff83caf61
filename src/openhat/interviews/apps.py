from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_instruments(sender: AppConfig, **kwargs: Any) -> None:
    from openhat.interviews.loader import load_shipped_instruments

    load_shipped_instruments()


class InterviewsConfig(AppConfig):
    name = "openhat.interviews"
    label = "interviews"
    verbose_name = "Outcome interviews"

    def ready(self) -> None:
        # After every migrate (and every test flush, which sends post_migrate): the shipped
        # instrument versions are in the database before anyone records an interview.
        post_migrate.connect(
            _load_instruments, sender=self, dispatch_uid="openhat.interviews.instruments"
        )
