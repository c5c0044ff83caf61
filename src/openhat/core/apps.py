from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openhat.core"
    label = "core"
    verbose_name = "OpenHAT core"
